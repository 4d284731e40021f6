import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { MIGRATIONS } from '../src/database/data-source.js';
import { expectProblem, Http, login, registerUser } from './support/app.js';
import {
  createSeparateDatabase,
  lockWaiters,
  pooledWithoutDirectUrl,
  sql,
  TestDatabase,
} from './support/database.js';
import { within } from './support/poll.js';
import { buildOnce, Server, startServer } from './support/server.js';

const ME = '/api/v1/users/me';
/** The warning an instance logs when notifications do not reach it. */
const NO_DIRECT_URL = /DATABASE_DIRECT_URL/;

// Runs only in `npm run test:e2e:pooler` (TEST_POOLER_URL: a PgBouncer in transaction mode with
// stock settings), with TEST_POOLER_DIRECT=true and without.
describe(`Behind a transaction pooler, ${pooledWithoutDirectUrl() ? 'without' : 'with'} DATABASE_DIRECT_URL (e2e)`, () => {
  let database: TestDatabase;
  let servers: Server[];
  let a: Http;

  beforeAll(async () => {
    if (!process.env.TEST_POOLER_URL) throw new Error('run with npm run test:e2e:pooler');
    buildOnce();
    const separate = await createSeparateDatabase();
    database = separate;
    expect(separate.env.DATABASE_URL).not.toBe(separate.url);
    // Both at the same moment, on an empty database: both migrate it through the pooler.
    const env = { ...separate.env, DATABASE_TIMEOUT: '2', LOG_LEVEL: 'warn' };
    servers = await Promise.all([startServer(env), startServer(env)]);
    a = new Http(servers[0].url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await database?.drop();
  });

  async function signedIn() {
    const user = await registerUser(a);
    const tokens = await login(a, user);
    for (const server of servers) {
      expect((await new Http(server.url).get(ME, { token: tokens.access_token })).status).toBe(200);
    }
    return { user, tokens };
  }

  async function refusedEverywhere(token: string): Promise<void> {
    for (const server of servers) {
      const took = await within(1000, async () => {
        const reply = await new Http(server.url).get(ME, { token });
        return reply.status === 401;
      });
      expect(took).toBeLessThan(1000);
    }
  }

  it('starts two instances together on a fresh database, each migration applied once', async () => {
    const { rows } = await sql(database.url, 'SELECT name FROM migrations');
    expect(rows.map((row) => row.name).sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    for (const server of servers) {
      expect((await new Http(server.url).get('/api/v1/health')).status).toBe(200);
    }
  });

  it(
    pooledWithoutDirectUrl()
      ? 'warns once, naming DATABASE_DIRECT_URL, that it checks the database on every request'
      : 'listens over the direct connection, with no warning',
    () => {
      for (const server of servers) {
        const warnings = server
          .output()
          .split('\n')
          .filter((line) => NO_DIRECT_URL.test(line));
        expect(warnings).toHaveLength(pooledWithoutDirectUrl() ? 1 : 0);
      }
    },
  );

  it('refuses a logged-out token on the instance that answered at once, and on the other within a second', async () => {
    const { tokens } = await signedIn();
    expect((await a.post('/api/v1/auth/logout', { token: tokens.access_token })).status).toBe(204);
    expectProblem(await a.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
    await refusedEverywhere(tokens.access_token);
  });

  it('refuses a session revoked by plain SQL on both instances within a second', async () => {
    const kept = await signedIn();
    const { user, tokens } = await signedIn();
    await sql(
      database.url,
      `UPDATE sessions SET revoked_at = now()
        WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
      [user.email.toLowerCase()],
    );
    await refusedEverywhere(tokens.access_token);
    expect((await a.get(ME, { token: kept.tokens.access_token })).status).toBe(200);
  });

  it('answers 503 for a statement held by a lock past DATABASE_TIMEOUT, and cancels it through the pooler', async () => {
    const user = await registerUser(a);
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const reply = await a.post('/api/v1/auth/login', {
        body: { email: user.email, password: user.password },
      });
      expectProblem(reply, 503, 'service-unavailable');
      expect(Date.now() - started).toBeLessThan(6000);
      await within(3000, async () => (await lockWaiters(database.url)) === 0);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await login(a, user);
  }, 30_000);
});
