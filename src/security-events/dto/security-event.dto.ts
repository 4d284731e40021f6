import { ApiProperty } from '@nestjs/swagger';
import { PaginatedDto } from '../../common/pagination/paginated.js';
import { SECURITY_EVENT_TYPES } from '../security-event-type.js';
import type { EventDetails, SecurityEvent } from '../security-event.entity.js';

export class SecurityEventDto {
  @ApiProperty({ format: 'uuid', example: '0b6c1e7a-5d2f-4a8e-9c3b-1f2e3d4c5b6a' })
  id: string;

  @ApiProperty({ enum: SECURITY_EVENT_TYPES, example: 'auth.login.failed' })
  type: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T05:00:00.000Z' })
  at: string;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The account the event is about',
    example: '3f0e2d1c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  })
  userId: string | null;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Who acted: the user, an admin acting on them, or null (no one signed in)',
    example: '3f0e2d1c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  })
  actorId: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, example: null })
  sessionId: string | null;

  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Mozilla/5.0' })
  userAgent: string | null;

  @ApiProperty({ nullable: true, type: String, example: '7d3c2b1a-0f9e-4d8c-b7a6-5e4f3d2c1b0a' })
  requestId: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A small object that depends on the type; never a password, hash or token',
    example: { identifier: 'ada@example.com', reason: 'wrong_password' },
  })
  details: EventDetails;

  static from(this: void, event: SecurityEvent): SecurityEventDto {
    return {
      id: event.id,
      type: event.type,
      at: event.at.toISOString(),
      userId: event.userId,
      actorId: event.actorId,
      sessionId: event.sessionId,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
      details: event.details,
    };
  }
}

export class SecurityEventPageDto extends PaginatedDto(SecurityEventDto) {}
