import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Aal } from '../common/principal/principal.js';

/** One login. Holds the hash of its current refresh token; never the token itself. */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'refresh_token_hash', type: 'char', length: 64 })
  refreshTokenHash: string;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** How the login was made (RFC 8176); every token of the session carries it. */
  @Column({ type: 'text', array: true })
  amr: string[];

  @Column({ type: 'varchar', length: 8 })
  aal: Aal;
}
