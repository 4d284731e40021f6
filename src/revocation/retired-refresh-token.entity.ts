import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A refresh token that was already exchanged; presenting it again is reuse. */
@Entity({ name: 'retired_refresh_tokens' })
export class RetiredRefreshToken {
  @PrimaryColumn({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'retired_at', type: 'timestamptz' })
  retiredAt: Date;
}
