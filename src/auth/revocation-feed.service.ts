import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment.js';
import { User } from '../users/user.entity.js';
import { Freshness } from './freshness.js';
import { RevocationState, StateSnapshot } from './revocation-state.js';
import { SharedRoundTrip } from './shared-round-trip.js';

/** The channel the triggers of migration RevocationNotifications notify on. */
export const AUTH_STATE_CHANNEL = 'auth_state';
/** How the listening connection shows in `pg_stat_activity`. */
export const FEED_APPLICATION_NAME = 'auth-service revocation feed';

const SYNC_TIMEOUT_MS = 1000;
/** How old the proof of freshness of an answer from memory may be (see Freshness). */
const MAX_STATE_AGE_MS = 250;
/** Methods that never write; an answer to any other may have revoked something. */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FRESH = Promise.resolve(true);
const HEARTBEAT_TIMEOUT_MS = 5000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;

type Notice =
  | {
      kind: 'session';
      id: string;
      userId: string;
      expiresAt: number;
      revokedAt: number | null;
      deleted: boolean;
    }
  | { kind: 'blocked'; jti: string; expiresAt: number; deleted: boolean }
  | { kind: 'user'; id: string; deleted: boolean; row?: Record<string, unknown> }
  | { kind: 'reset' };

/**
 * Keeps RevocationState a copy of the database over one dedicated connection (not the pool):
 * `LISTEN auth_state`, then the tables read in one snapshot, then every notification applied
 * in commit order. When that connection drops, the state stops answering (`sync` says no and
 * the bearer check queries the database per request) until it is connected and loaded again.
 *
 * `sync` says whether an answer from memory may be given now: round trips on the listening
 * connection prove how recent the state is (Freshness). A revocation this instance answered is
 * honoured by its next request; one committed anywhere else, within MAX_STATE_AGE_MS plus a
 * round trip. Requests that need a new trip share one (SharedRoundTrip).
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly state: RevocationState;
  private readonly logger = new Logger(RevocationFeed.name);
  private client?: pg.Client;
  /**
   * The connection the state was loaded over. The state answers only while it is the current
   * one: a connection that replaced it has not loaded yet, and its round trips prove nothing.
   */
  private loaded?: pg.Client;
  private stopped = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly roundTrips = new SharedRoundTrip(() => this.roundTrip());
  private readonly freshness = new Freshness(MAX_STATE_AGE_MS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
    // Absent in the CLI, which answers no requests.
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.state = new RevocationState(config.get('JWT_ACCESS_TTL', { infer: true }) * 1000);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>();
    // Before the answer goes out, so that the caller's next request cannot overtake it.
    fastify?.addHook('onSend', (request, _reply, payload, done) => {
      if (!READ_ONLY_METHODS.has(request.method)) this.freshness.written();
      done(null, payload);
    });
  }

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
    this.lose();
    await client?.end().catch(() => undefined);
  }

  /**
   * True when the state may answer now: it holds every revocation this instance answered and
   * every one committed elsewhere more than MAX_STATE_AGE_MS ago. False: ask the database.
   */
  sync(): Promise<boolean> {
    if (!this.live) return Promise.resolve(false);
    switch (this.freshness.verdict()) {
      case 'fresh':
        return FRESH;
      case 'fresh-refresh':
        void this.roundTrips.wait();
        return FRESH;
      case 'stale':
        return this.roundTrips.wait();
    }
  }

  private roundTrip(): Promise<boolean> {
    const client = this.client;
    if (!client || !this.live) return Promise.resolve(false);
    const startedAt = this.freshness.now();
    return withTimeout(
      client.query('SELECT 1').then(
        () => {
          // Still the loaded connection: one lost meanwhile never becomes it again.
          const current = this.loaded === client;
          if (current) this.freshness.confirmed(startedAt);
          return current;
        },
        () => false,
      ),
      SYNC_TIMEOUT_MS,
      false,
    );
  }

  @Interval(30_000)
  sweep(): void {
    this.state.sweep();
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
      this.drop(client);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const options = this.dataSource.options as { url?: string };
    const client = this.openConnection(options.url);
    const buffered: Notice[] = [];
    let loading = true;
    client.on('notification', (message) => {
      if (message.channel !== AUTH_STATE_CHANNEL || !message.payload) return;
      const notice = parseNotice(message.payload);
      if (!notice) {
        // Not from our triggers (someone ran NOTIFY by hand): trust nothing, read the tables.
        this.logger.warn('Unreadable notification on the revocation feed; reloading.');
        this.drop(client);
        return;
      }
      if (loading) buffered.push(notice);
      else if (client === this.client) this.apply(notice);
    });
    client.on('error', (error) => {
      if (client === this.client) this.logger.warn(`Revocation feed lost: ${error.message}`);
      this.drop(client);
    });
    client.on('end', () => this.drop(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_STATE_CHANNEL}`);
      const snapshot = await this.load(client);
      if (client !== this.client) return;
      this.state.replace(snapshot);
      for (const notice of buffered) this.apply(notice);
      // A TRUNCATE committed while loading has dropped this connection: the next one loads.
      if (client !== this.client) return;
      loading = false;
      this.loaded = client;
      this.reconnectDelay = RECONNECT_MIN_MS;
      const size = this.state.size;
      this.logger.log(
        `Revocation state loaded: ${size.users} users, ${size.sessions} sessions, ${size.blocked} blocked tokens.`,
      );
    } catch (error) {
      if (client === this.client) {
        this.logger.warn(`Revocation feed unavailable: ${(error as Error).message}`);
      }
      this.drop(client);
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

  /** The three tables in one snapshot; notifications committed meanwhile are buffered. */
  private async load(client: pg.Client): Promise<StateSnapshot> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      // Give way at once to a writer that locks these tables (a TRUNCATE takes them one by
      // one and would deadlock with this read); the feed retries and the query answers meanwhile.
      await client.query(`SET LOCAL lock_timeout = '200ms'`);
      const keepRevokedSeconds = this.state.keepRevokedMs / 1000;
      const sessions = await client.query<{
        id: string;
        user_id: string;
        expires_at: number;
        revoked_at: number | null;
      }>(
        `SELECT id, user_id,
                floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_at,
                floor(extract(epoch FROM revoked_at) * 1000)::float8 AS revoked_at
           FROM sessions
          WHERE expires_at > now()
            AND (revoked_at IS NULL OR revoked_at > now() - make_interval(secs => $1))`,
        [keepRevokedSeconds],
      );
      const users = await client.query<{ row: Record<string, unknown> }>(
        `SELECT to_jsonb(u) - 'password_hash' AS row FROM users u
          WHERE EXISTS (SELECT 1 FROM sessions s
                         WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > now())`,
      );
      const blocked = await client.query<{ jti: string; expires_at: number }>(
        `SELECT jti, floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_at
           FROM revoked_access_tokens WHERE expires_at > now()`,
      );
      return {
        users: users.rows.map(({ row }) => this.toUser(row)),
        sessions: sessions.rows.map((row) => [
          row.id,
          { userId: row.user_id, expiresAt: row.expires_at, revokedAt: row.revoked_at },
        ]),
        blocked: blocked.rows.map((row) => [row.jti, row.expires_at]),
      };
    } finally {
      await client.query('COMMIT');
    }
  }

  private apply(notice: Notice): void {
    switch (notice.kind) {
      case 'session':
        return this.state.setSession(
          notice.id,
          notice.deleted
            ? null
            : { userId: notice.userId, expiresAt: notice.expiresAt, revokedAt: notice.revokedAt },
        );
      case 'blocked':
        return this.state.setBlocked(notice.jti, notice.deleted ? null : notice.expiresAt);
      case 'user':
        return this.state.setUser(
          notice.id,
          notice.deleted || !notice.row ? null : this.toUser(notice.row),
        );
      case 'reset':
        // A TRUNCATE: read the tables again, over a new connection.
        if (this.client) this.drop(this.client);
    }
  }

  /** A users row as JSON (column names) to the entity, through TypeORM's own column map. */
  private toUser(row: Record<string, unknown>): User {
    const user = new User();
    for (const column of this.dataSource.getMetadata(User).columns) {
      if (!(column.databaseName in row)) continue;
      const value = row[column.databaseName];
      const isDate = column.type === 'timestamptz' || column.type === Date;
      (user as unknown as Record<string, unknown>)[column.propertyName] =
        isDate && typeof value === 'string' ? new Date(value) : value;
    }
    return user;
  }

  private lose(): void {
    this.loaded = undefined;
    this.freshness.forget();
    this.client = undefined;
  }

  private drop(client: pg.Client): void {
    if (client !== this.client) return;
    this.lose();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }
}

function parseNotice(payload: string): Notice | undefined {
  try {
    const notice = JSON.parse(payload) as Notice | null;
    const kinds = ['session', 'blocked', 'user', 'reset'];
    return notice && typeof notice === 'object' && kinds.includes(notice.kind) ? notice : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
