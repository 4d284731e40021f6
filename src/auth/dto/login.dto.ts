import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { StorableText } from '../../common/validation/storable-text.decorator.js';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { ExistingPassword } from '../../common/validation/password.decorator.js';

export class LoginDto {
  @ApiPropertyOptional({
    example: 'ada@example.com',
    description: 'Exactly one of email and username; matched ignoring case',
  })
  @IsOptional()
  @IsString()
  @TextLength(1, 254)
  @StorableText()
  email?: string;

  @ApiPropertyOptional({ example: 'ada_l', description: 'Exactly one of email and username' })
  @IsOptional()
  @IsString()
  @TextLength(1, 254)
  @StorableText()
  username?: string;

  @ExistingPassword()
  password: string;
}
