import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  AUTH_STATE_CHANNEL,
  FEED_APPLICATION_NAME,
} from '../src/bearer/revocation-feed.service.js';
import { expectProblem, Http, login, registerUser } from './support/app.js';
import {
  createSeparateDatabase,
  sql,
  startThrowAwayPostgres,
  TestDatabase,
  ThrowAwayPostgres,
} from './support/database.js';
import { within } from './support/poll.js';
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

/** How many instances have their listening connection open on the database. */
async function openFeeds(url: string): Promise<number> {
  const { rows } = await sql(
    url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database()`,
    [FEED_APPLICATION_NAME],
  );
  return rows[0].n as number;
}

/** Kills the listening connection of every instance, once all of them are open; returns how many. */
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

/**
 * Listens on the revocation channel from the test's own connection. `until()` sends a marker
 * and returns every payload received before it: PostgreSQL delivers a listener the
 * notifications committed before the marker ahead of it, so the list is complete.
 */
async function listen(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', ({ payload }) => payloads.push(String(payload)));
  await client.query(`LISTEN ${AUTH_STATE_CHANNEL}`);
  let markers = 0;
  return {
    async until(): Promise<string[]> {
      const marker = `marker-${++markers}`;
      await client.query('SELECT pg_notify($1, $2)', [AUTH_STATE_CHANNEL, marker]);
      await within(5000, () => Promise.resolve(payloads.includes(marker)), { every: 10 });
      return payloads.splice(0).filter((payload) => payload !== marker);
    },
    end: () => client.end(),
  };
}

describe('Revocation answered from memory, two instances (e2e)', () => {
  let database: TestDatabase;
  let servers: Server[];
  let a: Http;

  beforeAll(async () => {
    buildOnce();
    const separate = await createSeparateDatabase();
    database = separate;
    servers = await Promise.all([startServer(separate.env), startServer(separate.env)]);
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
    const claims = JSON.parse(
      Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8'),
    ) as { sub: string; jti: string; sid: string };
    return { user, tokens, userId: claims.sub, claims };
  }

  /** Both instances refuse the token within one second (each measured from now). */
  async function refusedEverywhere(token: string): Promise<void> {
    for (const server of servers) {
      const took = await within(1000, async () => (await me(server, token)) === 401);
      expect(took).toBeLessThan(1000);
    }
  }

  it('answers from memory: a live token and a logged-out one, while the tables are locked', async () => {
    const kept = await signedIn();
    const ended = await signedIn();
    expect((await a.post('/api/v1/auth/logout', { token: ended.tokens.access_token })).status).toBe(
      204,
    );
    await refusedEverywhere(ended.tokens.access_token);

    await withTablesLocked(database.url, async () => {
      for (const server of servers) {
        expect(await me(server, kept.tokens.access_token, 1000)).toBe(200);
        expect(await me(server, ended.tokens.access_token, 1000)).toBe(401);
      }
    });
  });

  it('refuses a logged-out token on the next request to the instance that answered the logout, under a steady load', async () => {
    // The load keeps the memory freshly proved, so answers come from it without a probe of
    // their own: the logout's own mark must still reach the next one.
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

  it.each<[string, (ids: { userId: string; jti: string }) => string]>([
    [
      'a session revoked',
      ({ userId }) => `UPDATE sessions SET revoked_at = now() WHERE user_id = '${userId}'`,
    ],
    ['a session deleted', ({ userId }) => `DELETE FROM sessions WHERE user_id = '${userId}'`],
    [
      'a session given a new id',
      ({ userId }) => `UPDATE sessions SET id = gen_random_uuid() WHERE user_id = '${userId}'`,
    ],
    [
      'a session revoked, restored and revoked again in one transaction',
      ({ userId }) =>
        `BEGIN;
         UPDATE sessions SET revoked_at = now() WHERE user_id = '${userId}';
         UPDATE sessions SET revoked_at = NULL WHERE user_id = '${userId}';
         UPDATE sessions SET revoked_at = now() WHERE user_id = '${userId}';
         COMMIT`,
    ],
    [
      'an access token blocklisted',
      ({ userId, jti }) =>
        `INSERT INTO revoked_access_tokens (jti, user_id, expires_at)
         VALUES ('${jti}', '${userId}', now() + interval '1 hour')`,
    ],
    [
      'a user deactivated',
      ({ userId }) => `UPDATE users SET is_active = false WHERE id = '${userId}'`,
    ],
    ['a role changed', ({ userId }) => `UPDATE users SET role = 'admin' WHERE id = '${userId}'`],
    ['a user deleted', ({ userId }) => `DELETE FROM users WHERE id = '${userId}'`],
  ])('refuses on both instances within one second: %s by plain SQL', async (_name, statement) => {
    const kept = await signedIn();
    const { tokens, userId, claims } = await signedIn();
    await sql(database.url, statement({ userId, jti: claims.jti }));
    await refusedEverywhere(tokens.access_token);
    for (const server of servers) expect(await me(server, kept.tokens.access_token)).toBe(200);
  });

  it('shows a profile change on the next request to the instance that made it, and within a second on the other', async () => {
    const { tokens } = await signedIn();
    const b = new Http(servers[1].url);
    const patched = await a.patch(ME, { token: tokens.access_token, body: { name: 'Ada' } });
    expect(patched.status).toBe(200);
    expect((await a.get(ME, { token: tokens.access_token })).body.name).toBe('Ada');
    await within(
      1000,
      async () => (await b.get(ME, { token: tokens.access_token })).body.name === 'Ada',
    );
  });

  it('raises no notification for a login or a refresh, and one for a logout', async () => {
    const user = await registerUser(a);
    const listener = await listen(database.url);
    try {
      await listener.until();
      const tokens = await login(a, user);
      const refreshed = await a.post('/api/v1/auth/refresh', {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(refreshed.status).toBe(200);
      expect(await listener.until()).toEqual([]);

      const logout = await a.post('/api/v1/auth/logout', { token: refreshed.body.access_token });
      expect(logout.status).toBe(204);
      const kinds = (await listener.until()).map((payload) => JSON.parse(payload).kind);
      expect(kinds.sort()).toEqual(['session', 'token']);
    } finally {
      await listener.end();
    }
  });

  it('ignores a NOTIFY by hand that is not ours, and still refuses revoked sessions', async () => {
    const kept = await signedIn();
    const { tokens, userId } = await signedIn();
    await sql(database.url, `NOTIFY auth_state, 'not json'`);
    await sql(database.url, `SELECT pg_notify('auth_state', '{"kind":"other"}')`);
    await sql(database.url, 'UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [userId]);
    await refusedEverywhere(tokens.access_token);
    for (const server of servers) expect(await me(server, kept.tokens.access_token)).toBe(200);
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
    for (const server of servers) {
      expectProblem(
        await new Http(server.url).get(ME, { token: tokens.access_token }),
        401,
        'token-revoked',
      );
    }
  }, 30_000);
  // Last: tokens issued in the seconds after a TRUNCATE are checked with the database.
  it('refuses every older token on both instances after a TRUNCATE of sessions, and takes new logins at once', async () => {
    const older = await signedIn();
    await sql(database.url, 'TRUNCATE sessions CASCADE');
    await refusedEverywhere(older.tokens.access_token);
    const fresh = await login(a, older.user);
    for (const server of servers) expect(await me(server, fresh.access_token)).toBe(200);
  });
});

describe('PostgreSQL restarted under load (e2e)', () => {
  let postgres: ThrowAwayPostgres;
  let servers: Server[];

  beforeAll(async () => {
    buildOnce();
    postgres = await startThrowAwayPostgres();
    const env = { DATABASE_URL: postgres.url, DATABASE_DIRECT_URL: '' };
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
    let answered = 0;
    const load = Array.from({ length: 6 }, async (_, i) => {
      while (running) {
        const status = await me(servers[i % 2], tokens.access_token, 5000);
        const key = status ?? 0;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        answered += 1;
      }
    });

    await within(5000, () => Promise.resolve(answered > 20));
    await postgres.stop();
    await within(10_000, () => Promise.resolve((statuses.get(503) ?? 0) > 0));
    await postgres.restart();
    await within(15_000, async () => {
      const replies = await Promise.all(servers.map((server) => me(server, tokens.access_token)));
      return replies.every((status) => status === 200);
    });
    const settled = answered;
    await within(5000, () => Promise.resolve(answered > settled + 20));
    running = false;
    await Promise.all(load);

    const seen = [...statuses.keys()].sort();
    expect(seen.every((status) => status === 200 || status === 503)).toBe(true);

    // The feeds are back: a revocation by SQL reaches both within one second.
    await sql(postgres.url, 'UPDATE sessions SET revoked_at = now()');
    for (const server of servers) {
      await within(1000, async () => (await me(server, tokens.access_token)) === 401);
    }
  }, 60_000);
});
