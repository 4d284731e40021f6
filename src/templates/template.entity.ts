import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A user's own text template. `version` starts at 1 and goes up by one on every change. */
@Entity({ name: 'templates' })
export class Template {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The owning user; the row goes when the user does (ON DELETE CASCADE). */
  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  /** Trimmed; unique per owner ignoring case (index on owner_id, lower(name)). */
  @Column({ type: 'varchar', length: 120 })
  name: string;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
