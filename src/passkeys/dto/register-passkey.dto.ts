import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';
import { StorableText } from '../../common/validation/storable-text.decorator.js';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { Trim } from '../../common/validation/transforms.js';
import { REGISTRATION_RESPONSE_EXAMPLE } from './credential-examples.js';

export const PASSKEY_NAME_MAX = 100;

export class RegisterPasskeyDto {
  @ApiProperty({
    description: "The browser's `credential.toJSON()` from `navigator.credentials.create`",
    type: 'object',
    additionalProperties: true,
    example: REGISTRATION_RESPONSE_EXAMPLE,
  })
  @IsObject()
  response: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'A name the user will recognise it by; default "Passkey"',
    maxLength: PASSKEY_NAME_MAX,
    example: 'MacBook Touch ID',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @TextLength(1, PASSKEY_NAME_MAX)
  @StorableText()
  name?: string;
}
