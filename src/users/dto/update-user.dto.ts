import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEnum, ValidateIf } from 'class-validator';
import { DisplayName } from '../../common/validation/display-name.decorator.js';
import { Role } from '../../common/principal/principal.js';

/** What an admin may change about any user. */
export class UpdateUserDto {
  @ApiPropertyOptional({
    enum: Role,
    example: Role.Admin,
    description: 'A change revokes every session and access token of the user',
  })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsEnum(Role, { message: `role must be one of: ${Object.values(Role).join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({
    example: false,
    description: 'false revokes every session and access token of the user',
  })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsBoolean()
  isActive?: boolean;

  @DisplayName()
  name?: string | null;
}
