import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto.js';
import { SECURITY_EVENT_TYPES } from '../security-event-type.js';

export class AuditEventQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only events about this user',
    example: '3f0e2d1c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ enum: SECURITY_EVENT_TYPES, example: 'auth.login.failed' })
  @IsOptional()
  @IsIn(SECURITY_EVENT_TYPES, { message: 'type must be a known security event type' })
  type?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'ISO 8601; events at or after this instant',
    example: '2026-11-21T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'ISO 8601; events at or before this instant',
    example: '2026-11-22T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
