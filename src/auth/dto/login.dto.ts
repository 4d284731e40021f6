import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ExistingPassword } from '../../common/validation/password.decorator.js';

export class LoginDto {
  @ApiPropertyOptional({
    example: 'ada@example.com',
    description: 'Exactly one of email and username; matched ignoring case',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: 'ada_l', description: 'Exactly one of email and username' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  username?: string;

  @ExistingPassword()
  password: string;
}
