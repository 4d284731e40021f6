import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { OptionalInstant } from '../../common/validation/instant.decorator.js';
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

  @OptionalInstant('Events at or after this instant', '2026-11-21T00:00:00Z')
  since?: Date;

  @OptionalInstant('Events at or before this instant', '2026-11-22T00:00:00Z')
  until?: Date;
}
