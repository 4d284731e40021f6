import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { SecurityEventRow, SecurityEventsRepository } from './security-events.repository.js';

/** Events that may wait to be written; past it, new ones are dropped (counted and logged). */
export const DETACHED_QUEUE_LIMIT = 1_000;
/** Rows per INSERT. */
export const DETACHED_BATCH = 100;
/** Keys whose repeats are being counted at once; past it, a new key's event is dropped. */
export const REPEATED_KEYS_LIMIT = 10_000;
/** How often counted repeats whose period is over are written, and drops are logged. */
export const TICK_MS = 1_000;

export type DropReason = 'queue_full' | 'too_many_keys' | 'write_failed';

interface Repeats {
  row: SecurityEventRow;
  firstAt: number;
  lastAt: number;
  count: number;
  /** When the period ends: the first repeat after it starts a new count. */
  until: number;
}

/**
 * The events written without holding up an answer (a failed login, a rate-limit refusal),
 * at a bounded cost: one writer, batched INSERTs on one pool connection at a time, at most
 * DETACHED_QUEUE_LIMIT rows waiting, and repeats of one event counted in memory and written once
 * per period. Nothing is lost silently: every event that cannot be written is counted in
 * `security_events_dropped_total` by type and reason, and logged (once a second, summed up).
 */
@Injectable()
export class DetachedEvents implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(DetachedEvents.name);
  private readonly queue: SecurityEventRow[] = [];
  private readonly repeats = new Map<string, Repeats>();
  /** Drops since the last log line, by `type reason`. */
  private readonly unlogged = new Map<string, number>();
  private readonly dropped?: Counter<'type' | 'reason'>;
  private readonly ticker = setInterval(() => this.tick(), TICK_MS).unref();
  private writing?: Promise<void>;

  constructor(
    private readonly events: SecurityEventsRepository,
    // Absent in the CLI, which serves no metrics.
    @Optional() metrics?: MetricsService,
  ) {
    metrics?.gauge(
      'security_events_waiting',
      'Security events waiting to be written without holding up an answer',
      () => this.queue.length + this.repeats.size,
    );
    this.dropped = metrics?.counter(
      'security_events_dropped_total',
      'Security events that could not be written, by type and reason (queue_full, too_many_keys, write_failed)',
      ['type', 'reason'],
    );
  }

  /** Queues a row for the writer. */
  add(row: SecurityEventRow): void {
    if (this.queue.length >= DETACHED_QUEUE_LIMIT) return this.drop(row.type, 'queue_full');
    this.enqueue(row);
  }

  /**
   * Counts one more occurrence of the event under `key`. The first of a period starts the count;
   * when the period (ending at `until`, ms since the epoch) is over, one row is written: `at`
   * the first occurrence, the other fields those of the first, `details.count` how many there
   * were and `details.lastAt` when the last was.
   */
  repeat(key: string, until: number, row: SecurityEventRow, now = Date.now()): void {
    const open = this.repeats.get(key);
    if (open && open.until > now) {
      open.count += 1;
      open.lastAt = now;
      return;
    }
    if (open) this.close(key, open);
    if (this.repeats.size >= REPEATED_KEYS_LIMIT) return this.drop(row.type, 'too_many_keys');
    this.repeats.set(key, { row, firstAt: now, lastAt: now, count: 1, until });
  }

  /** Writes every count, over or not, and whatever waits; resolves once it is written. */
  async flush(): Promise<void> {
    for (const [key, open] of this.repeats) this.close(key, open);
    while (this.writing) await this.writing;
    this.logDrops();
  }

  /** While the database is still open (it closes in the next shutdown phase). */
  beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.ticker);
    return this.flush();
  }

  onModuleDestroy(): void {
    clearInterval(this.ticker);
  }

  /** Writes the counts whose period is over, and logs the drops of the last second. */
  tick(now = Date.now()): void {
    for (const [key, open] of this.repeats) {
      if (open.until <= now) this.close(key, open);
    }
    this.logDrops();
  }

  /**
   * Past the queue's limit too: a count already holds its place (REPEATED_KEYS_LIMIT bounds
   * them), and dropping it now would lose all the occurrences it stands for.
   */
  private close(key: string, open: Repeats): void {
    this.repeats.delete(key);
    const lastAt = new Date(open.lastAt).toISOString();
    this.enqueue({
      ...open.row,
      at: new Date(open.firstAt),
      details: { ...open.row.details, count: open.count, lastAt },
    });
  }

  private enqueue(row: SecurityEventRow): void {
    this.queue.push(row);
    // One writer at a time, so the trail never holds more than one pool connection; it starts
    // after the current work, so that the rows queued meanwhile go in one INSERT.
    this.writing ??= new Promise((resolve) => setImmediate(resolve))
      .then(() => this.writeAll())
      .finally(() => (this.writing = undefined));
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, DETACHED_BATCH);
      try {
        await this.events.insertMany(batch);
      } catch (error) {
        for (const row of batch) this.drop(row.type, 'write_failed', false);
        this.logger.warn(
          { lost: batch.length, types: [...new Set(batch.map((row) => row.type))] },
          `Writing ${batch.length} security events failed: ${(error as Error).message}`,
        );
      }
    }
  }

  private drop(type: string, reason: DropReason, log = true): void {
    this.dropped?.inc({ type, reason });
    if (!log) return;
    const key = `${type} ${reason}`;
    this.unlogged.set(key, (this.unlogged.get(key) ?? 0) + 1);
  }

  private logDrops(): void {
    if (!this.unlogged.size) return;
    const dropped = Object.fromEntries(this.unlogged);
    this.unlogged.clear();
    this.logger.warn(
      { dropped },
      'Security events dropped: too many waiting to be written (see security_events_dropped_total)',
    );
  }
}
