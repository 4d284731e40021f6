import { ApiProperty } from '@nestjs/swagger';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../config/environment.js';

export const KEY_STATUSES = ['next', 'current', 'retiring', 'revoked'] as const;
export type ListedKeyStatus = (typeof KEY_STATUSES)[number];

export class SigningKeyDto {
  @ApiProperty({ example: 'Xq3n0bU6cR1mYb3n3QeXcRk9h1m2V3o2b7dH3tqL1yE' })
  kid: string;

  @ApiProperty({ enum: JWT_ALGORITHMS, example: 'ES256' })
  alg: JwtAlgorithm;

  @ApiProperty({
    enum: KEY_STATUSES,
    example: 'current',
    description:
      '`next`: published, signs from `activatesAt`; `current`: signs; `retiring`: signs no more, ' +
      'verifies the tokens it signed until they have expired; `revoked`: refused.',
  })
  status: ListedKeyStatus;

  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ example: '2026-12-01T10:10:00.000Z', description: 'When it starts to sign' })
  activatesAt: string;

  @ApiProperty({
    example: '2026-12-31T10:10:00.000Z',
    nullable: true,
    type: String,
    description:
      'When it stops signing (its successor activates); null while it has none. It verifies ' +
      'for JWT_ACCESS_TTL (and a few seconds) more.',
  })
  retiresAt: string | null;
}
