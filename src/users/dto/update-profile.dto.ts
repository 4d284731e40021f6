import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { DisplayName } from '../../common/validation/display-name.decorator.js';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../common/validation/username.policy.js';

/** What users may change about themselves; role and isActive are not here on purpose. */
export class UpdateProfileDto {
  @DisplayName('Ada King')
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
