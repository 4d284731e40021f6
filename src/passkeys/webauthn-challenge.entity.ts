import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum ChallengePurpose {
  Registration = 'registration',
  Authentication = 'authentication',
}

/** A challenge handed to a browser: one use, short-lived, readable by every instance. */
@Entity({ name: 'webauthn_challenges' })
export class WebAuthnChallenge {
  /** base64url, as the browser echoes it in clientDataJSON. */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  challenge: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: ChallengePurpose;

  /**
   * Registration: the signed-in user. Authentication: null for a passwordless login (any
   * discoverable credential), or the user whose login asked for a second factor.
   */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
