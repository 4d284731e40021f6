import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import type { Transaction } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { offsetOf, Paginated, paginated } from '../common/pagination/paginated.js';
import type { AuditEventQueryDto } from './dto/audit-event-query.dto.js';
import { SecurityEventDto } from './dto/security-event.dto.js';
import type { PageQueryDto } from '../common/pagination/page-query.dto.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import type { EventDetails } from './security-event.entity.js';
import { SecurityEventRow, SecurityEventsRepository } from './security-events.repository.js';
import { SecurityEventType } from './security-event-type.js';
import { DetachedEvents } from './detached-events.js';
import { MetricsService } from '../metrics/metrics.service.js';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Keys that must never reach `details`, whatever a caller passes by mistake. */
const SECRET_KEY = /password|hash|token|secret/i;

export interface NewSecurityEvent {
  type: SecurityEventType;
  /** The account the event is about; null when none is known (a login for an unknown name). */
  userId: string | null;
  /** Who made the change: the user themselves, an admin acting on them, or null (nobody known). */
  actorId: string | null;
  /** The session the change was made in, or the session it is about. */
  sessionId: string | null;
  details?: EventDetails;
}

/** The actor and session of an authenticated caller. */
export const madeBy = ({ user, token }: AuthenticatedUser) => ({
  actorId: user.id,
  sessionId: token.sid,
});

/**
 * Writes and reads the security trail. `record` takes the caller's transaction so that the
 * event commits or rolls back with the change it records; `recordDetached` and
 * `recordRepeated` are for events that record no change (a failed login, a rate-limit
 * refusal) and must not hold up the answer, written at a bounded cost (DetachedEvents). All
 * take the client the request came from as a parameter: the context is passed, not ambient.
 */
@Injectable()
export class SecurityEventsService {
  private readonly logger = new Logger(SecurityEventsService.name);
  private readonly retentionMs: number;

  constructor(
    private readonly events: SecurityEventsRepository,
    config: ConfigService<Environment, true>,
    private readonly detached: DetachedEvents,
    // Absent in the CLI, which serves no metrics.
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.retentionMs = config.get('SECURITY_EVENTS_RETENTION_DAYS', { infer: true }) * DAY_MS;
  }

  /** Records an event in the caller's transaction; a failed insert fails the transaction. */
  async record(event: NewSecurityEvent, client: ClientInfo, tx?: Transaction): Promise<void> {
    await this.events.insert(toRow(event, client), tx);
    if (event.type === SecurityEventType.RefreshTokenReused) this.metrics?.countRefreshReuse();
  }

  /** Records an event without waiting for it; one that cannot be written is counted and logged. */
  recordDetached(event: NewSecurityEvent, client: ClientInfo): void {
    this.detached.add(toRow(event, client));
  }

  /**
   * Records the first occurrence of an event under `key` until `until` (ms since the epoch)
   * and counts the others: one row per key and period, with `details.count` and
   * `details.lastAt`, written once the period is over. For what may come thousands of times
   * a second (a client refused by a rate limit), so that each costs a map update, not an insert.
   */
  recordRepeated(key: string, until: number, event: NewSecurityEvent, client: ClientInfo): void {
    this.detached.repeat(key, until, toRow(event, client));
  }

  /** One user's own events, newest first. */
  async listForUser(userId: string, query: PageQueryDto): Promise<Paginated<SecurityEventDto>> {
    const [events, total] = await this.events.findPage(
      { userId },
      { skip: offsetOf(query), take: query.limit },
    );
    return paginated(events.map(SecurityEventDto.from), total, query);
  }

  /** Every event, newest first, filtered by user, type and time range (inclusive). */
  async list(query: AuditEventQueryDto): Promise<Paginated<SecurityEventDto>> {
    const { userId, type, since, until } = query;
    const page = { skip: offsetOf(query), take: query.limit };
    const [events, total] = await this.events.findPage({ userId, type, since, until }, page);
    return paginated(events.map(SecurityEventDto.from), total, query);
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      await this.events.deleteOlderThan(new Date(Date.now() - this.retentionMs));
    } catch (error) {
      this.logger.warn(`Pruning security events failed: ${(error as Error).message}`);
    }
  }
}

function toRow(event: NewSecurityEvent, client: ClientInfo): SecurityEventRow {
  return {
    type: event.type,
    userId: event.userId,
    actorId: event.actorId,
    sessionId: event.sessionId,
    ip: client.ip,
    userAgent: client.userAgent,
    requestId: client.requestId,
    details: withoutSecrets(event.details ?? {}),
  };
}

/** Drops any key that names a secret: a second line of defence behind the callers. */
export function withoutSecrets(details: EventDetails): EventDetails {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !SECRET_KEY.test(key)));
}
