import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One single-use recovery code, stored as a keyed hash. */
@Entity({ name: 'mfa_recovery_codes' })
export class RecoveryCode {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'code_hash', type: 'char', length: 64 })
  codeHash: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
