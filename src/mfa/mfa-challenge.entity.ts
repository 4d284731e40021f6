import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The pending second step of a login: the `mfaToken` (as a hash) and its wrong attempts. */
@Entity({ name: 'mfa_challenges' })
export class MfaChallenge {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'failed_attempts', type: 'int' })
  failedAttempts: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  /**
   * `passwordFingerprint` of the hash the login's password matched: the challenge is void once
   * the password is another. Null on challenges from before the column (refused).
   */
  @Column({ name: 'password_fingerprint', type: 'char', length: 64, nullable: true })
  passwordFingerprint: string | null;
}
