import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { AUTHENTICATION_RESPONSE_EXAMPLE } from './credential-examples.js';

export class PasskeyAuthenticationDto {
  @ApiProperty({
    description: "The browser's `credential.toJSON()` from `navigator.credentials.get`",
    type: 'object',
    additionalProperties: true,
    example: AUTHENTICATION_RESPONSE_EXAMPLE,
  })
  @IsObject()
  response: Record<string, unknown>;
}
