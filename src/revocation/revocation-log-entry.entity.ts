import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One revocation, written by the triggers of migration RevocationLog (never by the app) and
 * published on the `auth_state` channel: what an instance starting now must know is the rows
 * younger than the longest access-token lifetime. Pruned after two days.
 */
@Entity({ name: 'revocation_log' })
export class RevocationLogEntry {
  @PrimaryColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'varchar', length: 16 })
  kind: 'session' | 'token' | 'reset';

  @Column({ type: 'uuid', nullable: true })
  subject: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'boolean' })
  deleted: boolean;

  @Column({ name: 'table_name', type: 'varchar', length: 63, nullable: true })
  tableName: string | null;
}
