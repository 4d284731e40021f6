import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, ValidateIf } from 'class-validator';
import { StorableText } from '../../common/validation/storable-text.decorator.js';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { ExistingPassword } from '../../common/validation/password.decorator.js';

// `IsOptional` would wave `null` through to the lookup; a login name is left out or a string.
const omittedOrValidated = (_dto: object, value: unknown) => value !== undefined;

export class LoginDto {
  @ApiPropertyOptional({
    example: 'ada@example.com',
    description: 'Exactly one of email and username; matched ignoring case',
  })
  @ValidateIf(omittedOrValidated)
  @IsString()
  @TextLength(1, 254)
  @StorableText()
  email?: string;

  @ApiPropertyOptional({ example: 'ada_l', description: 'Exactly one of email and username' })
  @ValidateIf(omittedOrValidated)
  @IsString()
  @TextLength(1, 254)
  @StorableText()
  username?: string;

  @ExistingPassword()
  password: string;
}
