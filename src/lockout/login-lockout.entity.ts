import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins in a row for one login name, and the lockout they led to. */
@Entity({ name: 'login_lockouts' })
export class LoginLockout {
  /** Hex SHA-256 of the lower-cased login name. */
  @PrimaryColumn({ name: 'name_hash', type: 'char', length: 64 })
  nameHash: string;

  @Column({ type: 'integer' })
  failures: number;

  /** Lockouts since the last success: each lasts twice the one before. */
  @Column({ type: 'integer' })
  lockouts: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;
}
