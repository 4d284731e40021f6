import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's authenticator-app secret: pending until `enabledAt` is set. */
@Entity({ name: 'mfa_totp' })
export class TotpFactor {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The base32 secret, sealed by SecretBox; never stored or logged in the clear. */
  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext: string;

  @Column({ name: 'enabled_at', type: 'timestamptz', nullable: true })
  enabledAt: Date | null;

  /** The time step of the last code accepted: a code of that step or an earlier one is refused. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
