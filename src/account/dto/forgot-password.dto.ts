import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString } from 'class-validator';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { TrimLowerCase } from '../../common/validation/transforms.js';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @TrimLowerCase()
  @IsString()
  @TextLength(1, 254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email: string;
}
