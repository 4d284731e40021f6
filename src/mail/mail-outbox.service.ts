import { BeforeApplicationShutdown, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Counter } from 'prom-client';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { OutgoingMail } from './mail.js';
import { MailService } from './mail.service.js';

/** One mail to compose (it may read and write the database) and send, after the answer. */
export interface MailJob {
  kind: string;
  requestId: string | null;
  /** Mails of one lane (one recipient) go out one at a time, in the order they were posted. */
  lane: string;
  /** The mail to send, or null for none (an unknown address). */
  compose: () => Promise<OutgoingMail | null>;
}

/** Retry-After never says more than this, however long the queue looks. */
const MAX_RETRY_AFTER_SECONDS = 300;

/**
 * Mail work done after the answer, off the request path: the time a route takes does not
 * depend on whether a mail goes out (no user enumeration by timing), nor on the mail server.
 *
 * Bounded: at most SMTP_MAX_CONNECTIONS mails are composed or sent at once, and at most
 * MAIL_QUEUE_LIMIT wait for their turn. Past that, `post` refuses before the route accepts
 * anything (503 with Retry-After: the client tries again, nobody waits for a mail that never
 * comes), and `postOrDrop`, for work already committed, drops the mail (counted and logged).
 * A failure is logged with the request id; whatever the request stored stays stored. A
 * shutdown gives pending mail MAIL_SHUTDOWN_TIMEOUT seconds, then gives up and logs the rest.
 */
@Injectable()
export class MailOutbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MailOutbox.name);
  private readonly waiting: MailJob[] = [];
  /** Jobs composing or sending now, with when they started. */
  private readonly running = new Map<MailJob, { startedAt: number; done: Promise<void> }>();
  private readonly busyLanes = new Set<string>();
  private readonly concurrency: number;
  private readonly queueLimit: number;
  private readonly shutdownMs: number;
  /** Aborts the sends still running when the shutdown deadline passes. */
  private readonly abandon = new AbortController();
  private readonly dropped?: Counter<'kind' | 'reason'>;
  /** Mean time a job took (exponentially weighted), for Retry-After. */
  private meanJobMs = 0;
  private closing = false;

  constructor(
    private readonly mail: MailService,
    config: ConfigService<Environment, true>,
    // Absent where no metrics are served (unit specs).
    @Optional() metrics?: MetricsService,
  ) {
    this.concurrency = config.get('SMTP_MAX_CONNECTIONS', { infer: true });
    this.queueLimit = config.get('MAIL_QUEUE_LIMIT', { infer: true });
    this.shutdownMs = config.get('MAIL_SHUTDOWN_TIMEOUT', { infer: true }) * 1000;
    metrics?.gauge(
      'mail_outbox_waiting',
      'Mails waiting for a connection',
      () => this.waiting.length,
    );
    metrics?.gauge('mail_outbox_running', 'Mails being composed or sent', () => this.running.size);
    this.dropped = metrics?.counter(
      'mail_outbox_dropped_total',
      'Mails never sent, by kind and reason (queue_full, shutdown)',
      ['kind', 'reason'],
    );
  }

  /**
   * Queues a mail for after the answer; when the queue is full (or the service is stopping),
   * throws 503 `service-unavailable` with Retry-After instead, before anything is accepted.
   */
  post(job: MailJob): void {
    this.assertRoom();
    this.enqueue(job);
  }

  /**
   * Throws what `post` would throw now: for a route to call before it counts or stores
   * anything (a refused request must not use up the client's rate limit).
   */
  assertRoom(): void {
    if (!this.hasRoom()) {
      throw new AppException(
        Problem.ServiceUnavailable,
        'Too many mails are waiting to go out. Try again shortly.',
        { headers: { 'retry-after': String(this.secondsToDrain()) } },
      );
    }
  }

  /** Queues a mail for after the answer; when the queue is full, drops it (counted, logged). */
  postOrDrop(job: MailJob): void {
    if (this.hasRoom()) return this.enqueue(job);
    this.dropped?.inc({ kind: job.kind, reason: 'queue_full' });
    this.logger.warn(
      { requestId: job.requestId, kind: job.kind },
      `The ${job.kind} mail was dropped: MAIL_QUEUE_LIMIT mails are waiting already`,
    );
  }

  /** Resolves once every mail posted so far is sent or has failed. */
  async drain(): Promise<void> {
    while (this.running.size) {
      await Promise.race([...this.running.values()].map((run) => run.done));
    }
  }

  /**
   * Pending mail gets MAIL_SHUTDOWN_TIMEOUT seconds; then the mails still waiting are dropped,
   * those being sent are given up, and the log says which.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.shutdownMs);
    });
    const drained = await Promise.race([this.drain().then(() => true), deadline]);
    clearTimeout(timer);
    if (drained) return;
    const lost = [...this.running.keys(), ...this.waiting.splice(0)];
    this.abandon.abort();
    const kinds: Record<string, number> = {};
    for (const job of lost) {
      kinds[job.kind] = (kinds[job.kind] ?? 0) + 1;
      this.dropped?.inc({ kind: job.kind, reason: 'shutdown' });
    }
    this.logger.warn(
      {
        dropped: lost.length,
        kinds,
        requestIds: lost.map((job) => job.requestId),
        timeoutSeconds: this.shutdownMs / 1000,
      },
      'Mail not sent before the shutdown deadline',
    );
  }

  private hasRoom(): boolean {
    return !this.closing && this.waiting.length < this.queueLimit;
  }

  private enqueue(job: MailJob): void {
    this.waiting.push(job);
    this.pump();
  }

  /** Starts waiting jobs while a slot is free, the oldest first whose lane is not busy. */
  private pump(): void {
    while (this.running.size < this.concurrency && !this.abandon.signal.aborted) {
      const next = this.waiting.findIndex((job) => !this.busyLanes.has(job.lane));
      if (next === -1) return;
      const [job] = this.waiting.splice(next, 1);
      this.start(job);
    }
  }

  private start(job: MailJob): void {
    const startedAt = Date.now();
    this.busyLanes.add(job.lane);
    // After the current request: the route answers before any of this runs.
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(job.compose)
      .then((mail) => (mail ? this.mail.send(mail, this.abandon.signal) : undefined))
      .catch((error: unknown) => {
        // Given up at shutdown: already counted and logged as dropped.
        if (this.abandon.signal.aborted) return;
        this.logger.error(
          { requestId: job.requestId, kind: job.kind, err: error },
          `The ${job.kind} mail could not be sent; the user can ask for it again`,
        );
      })
      .finally(() => {
        const tookMs = Date.now() - startedAt;
        this.meanJobMs = this.meanJobMs ? this.meanJobMs * 0.8 + tookMs * 0.2 : tookMs;
        this.running.delete(job);
        this.busyLanes.delete(job.lane);
        this.pump();
      });
    this.running.set(job, { startedAt, done });
  }

  /** When the queue should have room again: what waits, at the pace jobs have been taking. */
  private secondsToDrain(): number {
    const now = Date.now();
    // A mail server that hangs finishes nothing: the oldest running job tells that it is slow.
    const oldestMs = Math.max(0, ...[...this.running.values()].map((run) => now - run.startedAt));
    const perJobMs = Math.max(this.meanJobMs, oldestMs);
    const jobs = this.waiting.length + this.running.size;
    const seconds = Math.ceil((jobs * perJobMs) / this.concurrency / 1000);
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
  }
}
