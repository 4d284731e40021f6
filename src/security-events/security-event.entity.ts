import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Small and flat: what a reader of the trail needs to know about one event. */
export type EventDetails = Record<string, string | number | boolean | null>;

/** One security-relevant thing that happened to an account. Never holds a secret. */
@Entity({ name: 'security_events' })
export class SecurityEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  /** The account the event is about. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** Who did it: the user themselves, an admin acting on them, or nobody known (a failed login). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  details: EventDetails;
}
