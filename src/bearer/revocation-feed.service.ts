import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import type { Environment } from '../config/environment.js';
import { RevocationWrites } from '../revocation/revocation-writes.js';
import { Freshness } from './freshness.js';
import type { BearerFacts } from './liveness.js';
import { RecentRevocations, type Revocation } from './recent-revocations.js';
import { SharedRoundTrip } from './shared-round-trip.js';
import { UserCache } from './user-cache.js';

/** The channel the triggers of migration RevocationLog publish on. */
export const AUTH_STATE_CHANNEL = 'auth_state';
/** The channel each instance sends itself the probes that prove its memory current. */
export const PROBE_CHANNEL = 'auth_state_probe';
/** How the listening connection shows in `pg_stat_activity`. */
export const FEED_APPLICATION_NAME = 'auth-service revocation feed';

/** How old the proof of freshness of an answer from memory may be (see Freshness). */
const MAX_STATE_AGE_MS = 250;
/** How long a probe may take to come back before the request asks the database instead. */
const PROBE_TIMEOUT_MS = 1000;
/** The first probe over a new connection, which decides whether notifications reach it. */
const CONNECT_PROBE_TIMEOUT_MS = 2000;
/** Probes lost in a row before the connection is given up and made again. */
const LOST_PROBES_BEFORE_RECONNECT = 3;
/** Revocations are kept this much longer than an access token lives (clocks, slow commits). */
const KEEP_MARGIN_MS = 60_000;
const FRESH = Promise.resolve(true);
const NOT_LIVE = Promise.resolve(false);
const HEARTBEAT_TIMEOUT_MS = 5000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;
/** While notifications do not reach this instance, how often it tries again. */
const UNREACHABLE_RETRY_MS = 60_000;

type Notice = Revocation | { kind: 'user'; subject: string } | { kind: 'keys' };
type ProbeOutcome = 'arrived' | 'lost' | 'failed';

/**
 * Keeps this instance's memory of recent revocations (RecentRevocations) and of the users it
 * has met (UserCache) current, over one connection of its own: `LISTEN`, then the revocation
 * log's recent rows, then every notification applied in commit order. Nothing else is read at
 * start or after a reconnect; logins and refreshes notify nothing.
 *
 * Proof of freshness: the instance sends itself a probe (`pg_notify` with a nonce, through the
 * pool) and counts it only when it arrives on the listening connection. PostgreSQL delivers a
 * listener every notification committed before the probe ahead of it, so once a probe sent at
 * `t` is back, the memory holds every revocation committed before `t` (Freshness). A probe that
 * never comes back means the listening connection does not hear the database: through a
 * transaction pooler, `LISTEN` lands on a server connection the pooler lends to others. Then the
 * instance warns once, naming DATABASE_DIRECT_URL, and asks the database on every request.
 *
 * A revocation this instance commits marks RevocationWrites, so its next request waits for a
 * probe; one committed anywhere else is honoured within MAX_STATE_AGE_MS plus a probe.
 */
@Injectable()
export class RevocationFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly revocations: RecentRevocations;
  readonly users: UserCache;
  private readonly logger = new Logger(RevocationFeed.name);
  private readonly listenUrl?: string;
  private client?: pg.Client;
  /** The connection the memory was loaded over; it answers only while that is the current one. */
  private loaded?: pg.Client;
  private stopped = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private unreachable = false;
  private lostProbes = 0;
  private unreadableWarnedAt = Number.NEGATIVE_INFINITY;
  private readonly instance = randomUUID();
  private probeCount = 0;
  private readonly probes = new Map<string, { client: pg.Client; arrived: () => void }>();
  private readonly roundTrips = new SharedRoundTrip(() => this.roundTrip());
  private readonly freshness = new Freshness(MAX_STATE_AGE_MS);
  private readonly keyListeners: (() => void)[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
    writes: RevocationWrites,
  ) {
    const keepMs = config.get('JWT_ACCESS_TTL', { infer: true }) * 1000 + KEEP_MARGIN_MS;
    this.revocations = new RecentRevocations(keepMs);
    this.users = new UserCache(config.get('BEARER_USER_CACHE_SIZE', { infer: true }));
    this.listenUrl =
      config.get('DATABASE_DIRECT_URL', { infer: true }) ??
      config.get('DATABASE_URL', { infer: true });
    writes.subscribe(() => this.freshness.written());
  }

  /**
   * Called when the signing keys changed (migration SigningKeys notifies), and after each
   * (re)connection, as a notification may have been missed while disconnected.
   */
  onKeysChanged(listener: () => void): void {
    this.keyListeners.push(listener);
  }

  /** True while the memory is maintained (it may still need a probe before it answers). */
  get live(): boolean {
    return this.client !== undefined && this.loaded === this.client;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Not fatal: until the feed is up, the bearer check reads the database.
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client) await this.drop(client);
  }

  /**
   * True when the memory may answer now: it holds every revocation this instance committed and
   * every one committed elsewhere more than MAX_STATE_AGE_MS ago. False: ask the database.
   */
  sync(): Promise<boolean> {
    return this.freshNow() ? FRESH : this.live ? this.roundTrips.wait() : NOT_LIVE;
  }

  /**
   * Whether memory is current now, without waiting: `sync()`'s answer when it needs no round
   * trip (a proof about to age starts the next one in the background), false when it would wait.
   */
  freshNow(): boolean {
    if (!this.live) return false;
    switch (this.freshness.verdict()) {
      case 'fresh':
        return true;
      case 'fresh-refresh':
        void this.roundTrips.wait();
        return true;
      case 'stale':
        return false;
    }
  }

  /** The facts of a token as memory holds them, or undefined when the database must answer. */
  memoryFacts(claims: AccessTokenClaims): BearerFacts | undefined {
    const session = this.revocations.session(claims);
    if (session === undefined) return undefined;
    const user = this.users.get(claims.sub);
    if (!user) return undefined;
    return { user, session, blockedUntil: this.revocations.blockedUntil(claims.jti) };
  }

  @Interval(30_000)
  sweep(): void {
    this.revocations.sweep();
  }

  /** A connection that stopped answering is dropped, so that it is made again. */
  @Interval(5_000)
  async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client || !this.live) return;
    const alive = await withTimeout(
      client.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      HEARTBEAT_TIMEOUT_MS,
      false,
    );
    if (!alive && client === this.client) {
      this.logger.warn('The revocation feed stopped answering; reconnecting.');
      void this.drop(client);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = this.openConnection(this.listenUrl);
    const buffered: Notice[] = [];
    let loading = true;
    client.on('notification', ({ channel, payload }) => {
      if (channel === PROBE_CHANNEL) return this.probeArrived(client, payload);
      if (channel !== AUTH_STATE_CHANNEL || client !== this.client) return;
      const notice = parseNotice(payload);
      if (!notice) return this.unreadable();
      if (loading) buffered.push(notice);
      else this.apply(notice);
    });
    client.on('error', (error) => {
      if (client === this.client) this.logger.warn(`Revocation feed lost: ${error.message}`);
      void this.drop(client);
    });
    client.on('end', () => void this.drop(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_STATE_CHANNEL}`);
      await client.query(`LISTEN ${PROBE_CHANNEL}`);
      // The connection stays idle until the probe is back: through a pooler, an idle client
      // holds no server connection, so nothing can reach it by chance.
      const probedAt = this.freshness.now();
      const probe = await this.probe(client, CONNECT_PROBE_TIMEOUT_MS);
      if (client !== this.client) return;
      if (probe === 'lost') return this.notificationsDoNotArrive(client);
      if (probe === 'failed') throw new Error('the database did not take a probe');
      const rows = await this.load(client);
      if (client !== this.client) return;
      this.revocations.replace(rows);
      this.users.clear();
      for (const notice of buffered) this.apply(notice);
      loading = false;
      this.loaded = client;
      this.keysChanged();
      // Everything committed before the probe was sent is in the log read or the buffer.
      this.freshness.confirmed(probedAt);
      this.reconnectDelay = RECONNECT_MIN_MS;
      this.lostProbes = 0;
      if (this.unreachable) {
        this.unreachable = false;
        this.logger.log('Revocation notifications reach this instance again.');
      }
      const size = this.revocations.size;
      this.logger.log(
        `Revocation feed listening: ${size.sessions} revoked sessions and ${size.blocked} blocked tokens in memory.`,
      );
    } catch (error) {
      if (client === this.client) {
        this.logger.warn(`Revocation feed unavailable: ${(error as Error).message}`);
      }
      void this.drop(client);
    }
  }

  /** A connection of its own, not from the pool (a LISTEN lasts as long as its session). */
  protected openConnection(url: string | undefined): pg.Client {
    return new pg.Client({
      connectionString: url,
      application_name: FEED_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 2000,
    });
  }

  /** The log's rows young enough to matter, oldest first, each with when it was noted here. */
  private async load(client: pg.Client): Promise<[Revocation, number][]> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      // Give way at once to a TRUNCATE of the log; the feed retries and requests ask the database.
      await client.query(`SET LOCAL lock_timeout = '200ms'`);
      const { rows } = await client.query<LogRow>(
        `SELECT kind, subject, user_id, deleted, table_name,
                floor(extract(epoch FROM revoked_at) * 1000)::float8 AS revoked_at,
                floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_at,
                floor(extract(epoch FROM now() - at) * 1000)::float8 AS age
           FROM revocation_log
          WHERE at > now() - make_interval(secs => $1)
          ORDER BY id`,
        [this.revocations.keepMs / 1000],
      );
      const now = Date.now();
      return rows.map((row) => [fromLogRow(row), now - row.age]);
    } finally {
      await client.query('COMMIT');
    }
  }

  private keysChanged(): void {
    for (const listener of this.keyListeners) listener();
  }

  private apply(notice: Notice): void {
    if (notice.kind === 'keys') return this.keysChanged();
    if (notice.kind === 'user') return this.users.forget(notice.subject);
    if (notice.kind === 'reset' && notice.table === 'users') this.users.clear();
    this.revocations.apply(notice);
  }

  private async roundTrip(): Promise<boolean> {
    const client = this.loaded;
    if (!client || client !== this.client) return false;
    const startedAt = this.freshness.now();
    const outcome = await this.probe(client, PROBE_TIMEOUT_MS);
    if (outcome === 'arrived') {
      this.lostProbes = 0;
      // Still the loaded connection: one lost meanwhile never becomes it again.
      if (this.loaded !== client) return false;
      this.freshness.confirmed(startedAt);
      return true;
    }
    if (outcome === 'lost' && ++this.lostProbes >= LOST_PROBES_BEFORE_RECONNECT) {
      if (client === this.client) {
        this.logger.warn('Probes do not come back to the revocation feed; reconnecting.');
        void this.drop(client);
      }
    }
    return false;
  }

  /**
   * Sends this instance a probe through the pool (DATABASE_URL) and waits for it on `client`:
   * 'arrived', 'lost' (sent, never came back) or 'failed' (the database did not take it).
   */
  private async probe(client: pg.Client, timeoutMs: number): Promise<ProbeOutcome> {
    const nonce = `${this.instance}:${++this.probeCount}`;
    let arrived!: () => void;
    const arrival = new Promise<boolean>((resolve) => (arrived = () => resolve(true)));
    this.probes.set(nonce, { client, arrived });
    try {
      const sent = await withTimeout(
        this.dataSource.query('SELECT pg_notify($1, $2)', [PROBE_CHANNEL, nonce]).then(
          () => true,
          () => false,
        ),
        timeoutMs,
        false,
      );
      if (!sent) return 'failed';
      return (await withTimeout(arrival, timeoutMs, false)) ? 'arrived' : 'lost';
    } finally {
      this.probes.delete(nonce);
    }
  }

  private probeArrived(client: pg.Client, nonce: string | undefined): void {
    const probe = nonce === undefined ? undefined : this.probes.get(nonce);
    // Another instance's probe, or one that came back on a connection given up since.
    if (probe?.client === client) probe.arrived();
  }

  private notificationsDoNotArrive(client: pg.Client): void {
    if (!this.unreachable) {
      this.unreachable = true;
      this.logger.warn(
        'Notifications sent through DATABASE_URL do not reach the revocation feed: a transaction ' +
          'pooler (such as PgBouncer in transaction mode) cannot carry LISTEN. Every request now ' +
          'checks the database; set DATABASE_DIRECT_URL to a direct connection to the same ' +
          'database to answer from memory.',
      );
    }
    void this.drop(client, UNREACHABLE_RETRY_MS);
  }

  private unreadable(): void {
    // Not from our triggers (a NOTIFY by hand): nothing to apply. Said at most once a minute.
    const now = Date.now();
    if (now - this.unreadableWarnedAt < 60_000) return;
    this.unreadableWarnedAt = now;
    this.logger.warn(`Unreadable notification on ${AUTH_STATE_CHANNEL}: ignored.`);
  }

  /** Gives `client` up (if it is the current one) and, unless stopping, connects again later. */
  private drop(client: pg.Client, delay?: number): Promise<void> {
    if (client !== this.client) return Promise.resolve();
    this.client = undefined;
    this.loaded = undefined;
    this.freshness.forget();
    const ended = client.end().catch(() => undefined);
    if (this.stopped) return ended;
    const wait = delay ?? this.reconnectDelay;
    if (delay === undefined) this.reconnectDelay = Math.min(wait * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
    this.reconnectTimer.unref();
    return ended;
  }
}

interface LogRow {
  kind: string;
  subject: string | null;
  user_id: string | null;
  deleted: boolean;
  table_name: string | null;
  revoked_at: number | null;
  expires_at: number | null;
  age: number;
}

function fromLogRow(row: LogRow): Revocation {
  switch (row.kind) {
    case 'session':
      return {
        kind: 'session',
        subject: String(row.subject),
        userId: row.user_id,
        revokedAt: row.revoked_at,
        expiresAt: row.expires_at,
        deleted: row.deleted,
      };
    case 'token':
      return {
        kind: 'token',
        subject: String(row.subject),
        expiresAt: row.expires_at,
        deleted: row.deleted,
      };
    default:
      return { kind: 'reset', table: String(row.table_name) };
  }
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is number | null =>
  value === null || (typeof value === 'number' && Number.isFinite(value));

/** A notification of our triggers; undefined for anything else on the channel. */
export function parseNotice(payload: string | undefined): Notice | undefined {
  let notice: Record<string, unknown>;
  try {
    notice = JSON.parse(payload ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!notice || typeof notice !== 'object') return undefined;
  const { kind, subject, userId, revokedAt, expiresAt, deleted, table } = notice;
  switch (kind) {
    case 'session':
      return isText(subject) &&
        (userId === null || isText(userId)) &&
        isTime(revokedAt) &&
        isTime(expiresAt) &&
        typeof deleted === 'boolean'
        ? { kind, subject, userId, revokedAt, expiresAt, deleted }
        : undefined;
    case 'token':
      return isText(subject) && isTime(expiresAt) && typeof deleted === 'boolean'
        ? { kind, subject, expiresAt, deleted }
        : undefined;
    case 'reset':
      return isText(table) ? { kind, table } : undefined;
    case 'user':
      return isText(subject) ? { kind, subject } : undefined;
    case 'keys':
      return { kind };
    default:
      return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
