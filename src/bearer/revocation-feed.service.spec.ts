import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { within } from '../../test/support/poll.js';
import { Role } from '../common/principal/principal.js';
import type { Environment } from '../config/environment.js';
import { RevocationWrites } from '../revocation/revocation-writes.js';
import {
  AUTH_STATE_CHANNEL,
  parseNotice,
  PROBE_CHANNEL,
  RevocationFeed,
} from './revocation-feed.service.js';

const settings: Partial<Environment> = {
  JWT_ACCESS_TTL: 900,
  BEARER_USER_CACHE_SIZE: 100,
  DATABASE_URL: 'postgres://pooled/db',
};
const config = {
  get: (key: keyof Environment) => settings[key],
} as unknown as ConfigService<Environment, true>;
const token = {
  iss: 'i',
  aud: 'a',
  sub: 'user-1',
  sid: 'session-1',
  jti: 'jti-1',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 900,
  role: Role.User,
  username: 'ada_l',
};
const revoked = (revokedAt: number | null) =>
  JSON.stringify({
    kind: 'session',
    id: 1,
    subject: 'session-1',
    userId: 'user-1',
    revokedAt,
    expiresAt: Date.now() + 60_000,
    deleted: false,
    table: null,
  });

/** A listening connection: answers every query, can deliver notifications while it does. */
class ScriptedConnection extends EventEmitter {
  /** Called with each query; the log read is where notifications "committed meanwhile" go. */
  onQuery: (sql: string) => void = () => undefined;
  readonly queries: string[] = [];

  connect(): Promise<void> {
    return Promise.resolve();
  }

  query(sql: string): Promise<{ rows: unknown[] }> {
    this.queries.push(sql);
    this.onQuery(sql);
    return Promise.resolve({ rows: [] });
  }

  deliver(channel: string, payload: string): void {
    this.emit('notification', { channel, payload });
  }

  end(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The pool: a probe (`pg_notify` on the probe channel) comes back on the connection `echoTo`
 * names, as PostgreSQL delivers it to whoever listens; through a transaction pooler that is not
 * the feed's connection, so nothing comes back.
 */
class ScriptedPool {
  readonly probes: string[] = [];
  echoTo: () => ScriptedConnection | undefined = () => undefined;
  readonly dataSource = {
    query: (sql: string, [channel, nonce]: string[]) => {
      expect(sql).toContain('pg_notify');
      this.probes.push(nonce);
      const target = this.echoTo();
      setImmediate(() => target?.deliver(channel, nonce));
      return Promise.resolve([]);
    },
  } as unknown as DataSource;
}

class ScriptedFeed extends RevocationFeed {
  readonly opened: ScriptedConnection[] = [];

  constructor(
    pool: ScriptedPool,
    readonly writes = new RevocationWrites(),
  ) {
    super(pool.dataSource, config, writes);
  }

  get current(): ScriptedConnection | undefined {
    return this.opened.at(-1);
  }

  get warn() {
    return jest.spyOn((this as unknown as { logger: { warn(m: string): void } }).logger, 'warn');
  }

  protected override openConnection(): pg.Client {
    const next = new ScriptedConnection();
    this.opened.push(next);
    return next as unknown as pg.Client;
  }
}

describe(RevocationFeed.name, () => {
  let feed: ScriptedFeed | undefined;
  afterEach(async () => {
    await feed?.onApplicationShutdown();
    feed = undefined;
    jest.useRealTimers();
  });

  it('answers from memory once its own probe came back on the listening connection', async () => {
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    pool.echoTo = () => feed!.current;
    await feed.onApplicationBootstrap();
    expect(feed.live).toBe(true);
    await expect(feed.sync()).resolves.toBe(true);
    expect(feed.current!.queries).toEqual(
      expect.arrayContaining([`LISTEN ${AUTH_STATE_CHANNEL}`, `LISTEN ${PROBE_CHANNEL}`]),
    );
  });

  it('behind a transaction pooler (its probe never comes back) asks the database, and says so once', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    const warn = feed.warn.mockImplementation(() => undefined);
    const connected = feed.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2000);
    await connected;
    expect(feed.live).toBe(false);
    await expect(feed.sync()).resolves.toBe(false);
    // It tries again later, and does not say it again.
    await jest.advanceTimersByTimeAsync(60_000 + 2000);
    expect(feed.opened).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('DATABASE_DIRECT_URL');
  });

  it('does not count a probe that came back on another connection', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const pool = new ScriptedPool();
    const elsewhere = new ScriptedConnection();
    pool.echoTo = () => elsewhere;
    feed = new ScriptedFeed(pool);
    feed.warn.mockImplementation(() => undefined);
    const connected = feed.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2000);
    await connected;
    expect(feed.live).toBe(false);
  });

  it('after a revocation this instance committed, answers only once a probe sent after it is back', async () => {
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    let echo = true;
    pool.echoTo = () => (echo ? feed!.current : undefined);
    await feed.onApplicationBootstrap();
    await expect(feed.sync()).resolves.toBe(true);
    const probesBefore = pool.probes.length;

    feed.writes.written();
    echo = false;
    const answer = feed.sync();
    await within(1000, () => Promise.resolve(pool.probes.length > probesBefore), { every: 5 });
    const [nonce] = pool.probes.slice(probesBefore);
    let settled = false;
    void answer.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    feed.current!.deliver(PROBE_CHANNEL, nonce);
    await expect(answer).resolves.toBe(true);
  });

  it('applies notifications committed during its load after the load, in commit order', async () => {
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    pool.echoTo = () => feed!.current;
    const onQuery = (connection: ScriptedConnection) => (sql: string) => {
      if (!sql.includes('FROM revocation_log')) return;
      for (const payload of [revoked(1), revoked(null), revoked(2)]) {
        connection.deliver(AUTH_STATE_CHANNEL, payload);
      }
    };
    const open = feed['openConnection'].bind(feed);
    jest
      .spyOn(feed as unknown as { openConnection(): pg.Client }, 'openConnection')
      .mockImplementation(() => {
        const connection = open() as unknown as ScriptedConnection;
        connection.onQuery = onQuery(connection);
        return connection as unknown as pg.Client;
      });
    await feed.onApplicationBootstrap();
    expect(feed.revocations.session(token)?.revokedAt).toBe(2);
  });

  it('drops a user on its notification and everyone on a TRUNCATE of users', async () => {
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    pool.echoTo = () => feed!.current;
    await feed.onApplicationBootstrap();
    const user = { id: 'user-1' } as never;
    feed.users.remember(feed.users.version, user);
    feed.users.remember(feed.users.version, { id: 'user-2' } as never);
    feed.current!.deliver(AUTH_STATE_CHANNEL, '{"kind":"user","subject":"user-1","id":7}');
    expect(feed.users.get('user-1')).toBeUndefined();
    expect(feed.users.get('user-2')).toBeDefined();
    feed.current!.deliver(AUTH_STATE_CHANNEL, '{"kind":"reset","id":8,"table":"users"}');
    expect(feed.users.size).toBe(0);
  });

  it('stops answering from memory when its connection is lost, until a new one has loaded', async () => {
    const pool = new ScriptedPool();
    feed = new ScriptedFeed(pool);
    pool.echoTo = () => feed!.current;
    await feed.onApplicationBootstrap();
    const first = feed.current!;
    first.emit('error', new Error('connection reset'));
    const reconnecting = feed;
    reconnecting.warn.mockImplementation(() => undefined);
    await expect(feed.sync()).resolves.toBe(false);
    // A late probe on the lost connection proves nothing.
    first.deliver(PROBE_CHANNEL, pool.probes.at(-1)!);
    await within(
      2000,
      () => Promise.resolve(reconnecting.opened.length === 2 && reconnecting.live),
      {
        every: 10,
      },
    );
    await expect(feed.sync()).resolves.toBe(true);
  });
});

describe(parseNotice.name, () => {
  it('reads what the triggers publish', () => {
    expect(parseNotice(revoked(5))).toEqual(
      expect.objectContaining({ kind: 'session', revokedAt: 5 }),
    );
    expect(parseNotice('{"kind":"user","subject":"u","id":1}')).toEqual({
      kind: 'user',
      subject: 'u',
    });
    expect(parseNotice('{"kind":"reset","id":1,"table":"sessions"}')).toEqual({
      kind: 'reset',
      table: 'sessions',
    });
  });

  it.each([
    'not json',
    'null',
    '[]',
    '{"kind":"other"}',
    '{"kind":"session","subject":1}',
    '{"kind":"token","subject":"j","expiresAt":"soon","deleted":false}',
  ])('ignores %s', (payload) => {
    expect(parseNotice(payload)).toBeUndefined();
  });
});
