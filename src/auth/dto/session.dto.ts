import { ApiProperty } from '@nestjs/swagger';
import type { Session } from '../../revocation/session.entity.js';

export class SessionDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2f7e-8f0e-4a57-9d55-3b8c9f1e2a10' })
  id: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:10:00.000Z' })
  lastUsedAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T10:10:00.000Z' })
  expiresAt: string;

  @ApiProperty({ type: String, nullable: true, example: 'curl/8.5.0' })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true, example: '127.0.0.1' })
  ip: string | null;

  @ApiProperty({ description: 'The session of the calling access token', example: true })
  current: boolean;

  static from(session: Session, currentSessionId: string): SessionDto {
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === currentSessionId,
    };
  }
}
