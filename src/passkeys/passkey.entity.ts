import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** PostgreSQL `bigint` arrives as a string; a signature counter is a uint32 and fits a number. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/** A WebAuthn credential of a user: its public key and what the authenticator last reported. */
@Entity({ name: 'passkeys' })
export class Passkey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The credential id as the browser reports it (base64url); unique. */
  @Column({ name: 'credential_id', type: 'varchar', length: 1364 })
  credentialId: string;

  /** COSE-encoded public key. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey: Buffer;

  /** The last signature counter seen; an assertion must report a greater one (or 0 and 0). */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  counter: number;

  @Column({ type: 'text', array: true })
  transports: string[];

  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType: string;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp: boolean;

  @Column({ type: 'uuid' })
  aaguid: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
