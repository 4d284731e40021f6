import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../username.policy.js';

/** What users may change about themselves; role and isActive are not here on purpose. */
export class UpdateProfileDto {
  @ApiPropertyOptional({
    type: String,
    example: 'Ada King',
    maxLength: 100,
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string | null;

  @ApiPropertyOptional({
    example: 'ada_k',
    pattern: USERNAME_PATTERN.source,
    description: 'Unique ignoring case',
  })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username?: string;
}
