import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The token blocklist: access tokens refused before their `exp`. Pruned once expired. */
@Entity({ name: 'revoked_access_tokens' })
export class RevokedAccessToken {
  @PrimaryColumn('uuid')
  jti: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
