import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const LOGOUT_SCOPES = ['local', 'global', 'others'] as const;
export type LogoutScope = (typeof LOGOUT_SCOPES)[number];

export class LogoutQueryDto {
  @ApiPropertyOptional({
    enum: LOGOUT_SCOPES,
    default: 'local',
    description:
      'local: this session and token; global: every session and token of the user; ' +
      'others: every session but this one',
  })
  @IsOptional()
  @IsIn(LOGOUT_SCOPES)
  scope: LogoutScope = 'local';
}
