import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { FEED_APPLICATION_NAME } from '../src/auth/revocation-feed.service.js';
import { Http, login, registerUser } from './support/app.js';
import {
  createDatabaseOn,
  startThrowAwayPostgres,
  TestDatabase,
  ThrowAwayPostgres,
} from './support/database.js';
import { sleep, within } from './support/poll.js';
import { buildOnce, Server, startServer } from './support/server.js';

const ME = '/api/v1/users/me';

/** GET /users/me with a bound on the wait: `null` when no answer came within `ms`. */
async function me(server: Server, token: string, ms = 3000): Promise<number | null> {
  try {
    const reply = await fetch(`${server.url}${ME}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(ms),
    });
    await reply.arrayBuffer();
    return reply.status;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return null;
    throw error;
  }
}

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/**
 * Runs `during` while another transaction holds every table the bearer check reads: a check
 * that queried the database would wait for the lock; one answered from memory does not.
 */
async function withTablesLocked<T>(url: string, during: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'LOCK TABLE users, sessions, revoked_access_tokens IN ACCESS EXCLUSIVE MODE',
    );
    return await during();
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

/**
 * How many instances have their listening connection open on the database; with
 * `waitingForLock`, how many of those are waiting for a table lock.
 */
async function openFeeds(url: string, { waitingForLock = false } = {}): Promise<number> {
  const { rows } = await sql(
    url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database()
        AND ($2::boolean IS FALSE OR wait_event_type = 'Lock')`,
    [FEED_APPLICATION_NAME, waitingForLock],
  );
  return rows[0].n as number;
}

/**
 * Kills the listening connection of every instance on the database, once all of them are open
 * (an earlier test's unreadable notification makes each one reconnect); returns how many.
 */
async function killFeeds(url: string, instances: number): Promise<number> {
  await within(10_000, async () => (await openFeeds(url)) === instances);
  const { rows } = await sql(
    url,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database()`,
    [FEED_APPLICATION_NAME],
  );
  return rows.length;
}

/** A transaction of its own that holds `sessions` locked until `release`. */
async function lockSessions(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
  await client.query('BEGIN');
  const locked = client.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
  let released: Promise<void> | undefined;
  const release = () =>
    (released ??= (async () => {
      await locked.catch(() => undefined);
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    })());
  /** True while it waits for the lock. */
  const waiting = async () =>
    (
      await sql(
        url,
        `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
        [rows[0].pid],
      )
    ).rows[0]?.waiting === true;
  return { client, locked, release, waiting };
}

describe('Revocation answered from memory, two instances (e2e)', () => {
  let database: TestDatabase;
  let servers: Server[];
  let a: Http;

  beforeAll(async () => {
    buildOnce();
    database = await createDatabaseOn(String(process.env.DATABASE_URL));
    const env = { DATABASE_URL: database.url };
    servers = await Promise.all([startServer(env), startServer(env)]);
    a = new Http(servers[0].url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await database?.drop();
  });

  /** A signed-in user whose token both instances accept. */
  async function signedIn() {
    const user = await registerUser(a);
    const tokens = await login(a, user);
    for (const server of servers) expect(await me(server, tokens.access_token)).toBe(200);
    const { rows } = await sql(database.url, 'SELECT id FROM users WHERE email = $1', [
      user.email.toLowerCase(),
    ]);
    return { user, tokens, userId: rows[0].id as string };
  }

  it('answers from memory: a live token and a logged-out one, while the tables are locked', async () => {
    const kept = await signedIn();
    const ended = await signedIn();
    expect((await a.post('/api/v1/auth/logout', { token: ended.tokens.access_token })).status).toBe(
      204,
    );
    await within(1000, async () => (await me(servers[1], ended.tokens.access_token)) === 401);

    await withTablesLocked(database.url, async () => {
      for (const server of servers) {
        expect(await me(server, kept.tokens.access_token, 1000)).toBe(200);
        expect(await me(server, ended.tokens.access_token, 1000)).toBe(401);
      }
    });
  });

  it('refuses a logged-out token on the next request to the instance that answered the logout, under a steady load', async () => {
    // The load keeps the state freshly proved, so answers come from memory without a round
    // trip of their own: the logout's answer must still reach the next one.
    const kept = await signedIn();
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) expect(await me(servers[0], kept.tokens.access_token)).toBe(200);
      }),
    );
    try {
      for (let round = 0; round < 10; round += 1) {
        const { tokens } = await signedIn();
        const logout = await a.post('/api/v1/auth/logout', { token: tokens.access_token });
        expect(logout.status).toBe(204);
        expect(await me(servers[0], tokens.access_token)).toBe(401);
      }
    } finally {
      loading = false;
      await load;
    }
  });

  it('ends sessions revoked by plain SQL on both instances within one second', async () => {
    const { tokens, userId } = await signedIn();
    await sql(database.url, 'UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [userId]);
    for (const server of servers) {
      const took = await within(1000, async () => (await me(server, tokens.access_token)) === 401);
      expect(took).toBeLessThan(1000);
    }
  });

  it('refuses a user deactivated by plain SQL on both instances within one second', async () => {
    const { tokens, userId } = await signedIn();
    await sql(database.url, 'UPDATE users SET is_active = false WHERE id = $1', [userId]);
    for (const server of servers) {
      const took = await within(1000, async () => (await me(server, tokens.access_token)) === 401);
      expect(took).toBeLessThan(1000);
    }
  });

  it('survives a NOTIFY by hand that is not ours, and still refuses revoked sessions', async () => {
    const kept = await signedIn();
    const { tokens, userId } = await signedIn();
    await sql(database.url, `NOTIFY auth_state, 'not json'`);
    await sql(database.url, `SELECT pg_notify('auth_state', '{"kind":"other"}')`);
    await sql(database.url, 'UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [userId]);
    for (const server of servers) {
      await within(1000, async () => (await me(server, tokens.access_token)) === 401);
      expect(await me(server, kept.tokens.access_token)).toBe(200);
    }
  });

  it('still refuses at once when the listening connection is killed, then answers from memory again', async () => {
    const kept = await signedIn();
    const { tokens, userId } = await signedIn();
    expect(await killFeeds(database.url, servers.length)).toBe(2);

    // No notification can arrive now: the refusal comes from the per-request query.
    await sql(database.url, 'UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [userId]);
    for (const server of servers) {
      expect(await me(server, tokens.access_token)).toBe(401);
      expect(await me(server, kept.tokens.access_token)).toBe(200);
    }

    // Reconnected and reloaded: answers come from memory again (they do not wait for a lock).
    await within(10_000, async () => (await openFeeds(database.url)) === 2);
    await within(10_000, () =>
      withTablesLocked(database.url, async () => {
        const replies = await Promise.all(
          servers.map((server) => me(server, kept.tokens.access_token, 500)),
        );
        return replies.every((status) => status === 200);
      }),
    );
    for (const server of servers) expect(await me(server, tokens.access_token)).toBe(401);
  }, 30_000);

  it('answers nothing from memory while it reloads after a TRUNCATE committed during its load', async () => {
    const kept = await signedIn();
    const doomed = await signedIn();
    const url = database.url;
    // The feeds reconnect, and their loads wait behind a transaction that holds `sessions` and
    // then commits a TRUNCATE: its notification reaches them after they have loaded. Old code
    // then answered both requests below with 200 from the state those loads read.
    const truncating = await lockSessions(url);
    let holding: Awaited<ReturnType<typeof lockSessions>> | undefined;
    // A feed that waits for a lock gives up after 200 ms and retries later: a wait that finds
    // one waiting is enough (the other instance's feed may be between two tries).
    const aFeedWaits = () =>
      within(10_000, async () => (await openFeeds(url, { waitingForLock: true })) > 0, {
        every: 5,
      });
    try {
      await truncating.locked;
      expect(await killFeeds(url, servers.length)).toBe(2);
      await aFeedWaits();
      // Queued behind the loads: holds `sessions` from the moment they end until released.
      holding = await lockSessions(url);
      await within(5000, holding.waiting, { every: 5 });
      await truncating.client.query('TRUNCATE revoked_access_tokens');
      await truncating.client.query('COMMIT');
      await holding.locked;
      // Written after those loads; nothing listening holds it until a feed has loaded again.
      await sql(url, 'UPDATE users SET is_active = false WHERE id = $1', [doomed.userId]);
      // The reloads after the TRUNCATE wait behind `holding`; a request now must not be
      // answered from what the interrupted loads read.
      await aFeedWaits();
      const replies = servers.map((server) => me(server, doomed.tokens.access_token));
      await sleep(30);
      await holding.release();
      expect(await Promise.all(replies)).toEqual([401, 401]);
    } finally {
      await truncating.release();
      await holding?.release();
    }
    for (const server of servers) expect(await me(server, kept.tokens.access_token)).toBe(200);
  }, 30_000);
});

describe('PostgreSQL restarted under load (e2e)', () => {
  let postgres: ThrowAwayPostgres;
  let servers: Server[];

  beforeAll(async () => {
    buildOnce();
    postgres = await startThrowAwayPostgres();
    const env = { DATABASE_URL: postgres.url };
    servers = await Promise.all([startServer(env), startServer(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await postgres?.drop();
  });

  it('answers only 200 or 503 throughout, and honours revocations after it', async () => {
    const http = new Http(servers[0].url);
    const user = await registerUser(http);
    const tokens = await login(http, user);
    const statuses = new Map<number, number>();
    let running = true;
    const load = Array.from({ length: 6 }, async (_, i) => {
      while (running) {
        const status = await me(servers[i % 2], tokens.access_token, 5000);
        const key = status ?? 0;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 500));
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await postgres.restart();
    await within(15_000, async () => {
      const replies = await Promise.all(servers.map((server) => me(server, tokens.access_token)));
      return replies.every((status) => status === 200);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await Promise.all(load);

    const seen = [...statuses.keys()].sort();
    expect(seen.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);

    // The feeds are back: a revocation by SQL reaches both within one second.
    await sql(postgres.url, 'UPDATE sessions SET revoked_at = now()');
    for (const server of servers) {
      await within(1000, async () => (await me(server, tokens.access_token)) === 401);
    }
  }, 60_000);
});
