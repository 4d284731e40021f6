import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Matches } from 'class-validator';
import { DisplayName } from '../../common/validation/display-name.decorator.js';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { NewPassword } from '../../common/validation/password.decorator.js';
import { TrimLowerCase } from '../../common/validation/transforms.js';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../common/validation/username.policy.js';

/** The rules of a new account, whoever asks for it: registration and the first admin. */
export class NewAccountDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254, description: 'Stored lower-case' })
  @TrimLowerCase()
  @IsString()
  @TextLength(1, 254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email: string;

  @ApiProperty({ example: 'ada_l', pattern: USERNAME_PATTERN.source })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @NewPassword()
  password: string;

  @DisplayName()
  name?: string | null;
}
