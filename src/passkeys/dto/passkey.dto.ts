import { ApiProperty } from '@nestjs/swagger';
import type { Passkey } from '../passkey.entity.js';

export class PasskeyDto {
  @ApiProperty({ format: 'uuid', example: '0b6f3c1e-5d2a-4f7b-9e8c-1a2b3c4d5e6f' })
  id: string;

  @ApiProperty({ example: 'MacBook Touch ID' })
  name: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Last sign-in with it; null if never used',
    example: '2026-11-22T08:30:00.000Z',
  })
  lastUsedAt: string | null;

  static from(passkey: Passkey): PasskeyDto {
    return {
      id: passkey.id,
      name: passkey.name,
      createdAt: passkey.createdAt.toISOString(),
      lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    };
  }
}
