import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, Http, login, registerUser } from './support/app.js';
import { MIGRATIONS } from '../src/database/data-source.js';
import { createSeparateDatabase, sql, TestDatabase } from './support/database.js';
import { within } from './support/poll.js';
import { buildOnce, Server, startServer } from './support/server.js';

const ME = '/api/v1/users/me';
/** Short, so that reuse after the grace can be shown; long enough for a noisy machine. */
const GRACE_SECONDS = 2;

// Two processes, as in production: nothing is shared but the database.
describe('Two instances on one database (e2e)', () => {
  let database: TestDatabase;
  let first: Server;
  let second: Server;
  let a: Http;
  let b: Http;

  beforeAll(async () => {
    buildOnce();
    // An empty database, so that both instances start by migrating it at the same moment
    // (through the run's pooler when it has one).
    const separate = await createSeparateDatabase();
    database = separate;
    const env = { ...separate.env, JWT_REFRESH_REUSE_GRACE: String(GRACE_SECONDS) };
    [first, second] = await Promise.all([startServer(env), startServer(env)]);
    a = new Http(first.url);
    b = new Http(second.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  });

  it('both start on an empty database, applying each migration once', async () => {
    const { rows } = await sql(database.url, 'SELECT name FROM migrations');
    expect(rows.map((row) => row.name).sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
  });

  it('a logout on one instance is refused by the other within one second', async () => {
    const user = await registerUser(a);
    const tokens = await login(a, user);
    expect((await b.get(ME, { token: tokens.access_token })).status).toBe(200);

    expect((await a.post('/api/v1/auth/logout', { token: tokens.access_token })).status).toBe(204);
    const took = await within(1000, async () => {
      const reply = await b.get(ME, { token: tokens.access_token });
      return reply.status === 401 && reply.body.type === '/problems/token-revoked';
    });
    expect(took).toBeLessThan(1000);
  });

  it('a global logout on one instance ends the sessions used on the other', async () => {
    const user = await registerUser(b);
    const onFirst = await login(a, user);
    const onSecond = await login(b, user);
    await b.post('/api/v1/auth/logout', {
      token: onSecond.access_token,
      query: { scope: 'global' },
    });
    expectProblem(await a.get(ME, { token: onFirst.access_token }), 401, 'token-revoked');
    expectProblem(
      await a.post('/api/v1/auth/refresh', { body: { refresh_token: onFirst.refresh_token } }),
      401,
      'refresh-token-invalid',
    );
  });

  it('catches refresh-token reuse across instances and revokes the session on both', async () => {
    const user = await registerUser(a);
    const tokens = await login(a, user);
    const rotated = await a.post('/api/v1/auth/refresh', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(rotated.status).toBe(200);
    // Its rotation moved back past the grace, rather than a sleep that outlasts it.
    await sql(
      database.url,
      `UPDATE retired_refresh_tokens SET retired_at = retired_at - make_interval(secs => $1)`,
      [GRACE_SECONDS + 1],
    );

    expectProblem(
      await b.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }),
      401,
      'refresh-token-invalid',
    );
    expectProblem(await a.get(ME, { token: rotated.body.access_token }), 401, 'token-revoked');
    expectProblem(await b.get(ME, { token: rotated.body.access_token }), 401, 'token-revoked');
    expectProblem(
      await a.post('/api/v1/auth/refresh', { body: { refresh_token: rotated.body.refresh_token } }),
      401,
      'refresh-token-invalid',
    );
  });

  it('rotates once for two concurrent refreshes on different instances: both get its token', async () => {
    const user = await registerUser(a);
    const tokens = await login(a, user);
    const replies = await Promise.all([
      a.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }),
      b.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    const [current, other] = replies.map((reply) => reply.body.refresh_token as string);
    expect(other).toBe(current);
    expect(current).not.toBe(tokens.refresh_token);
    expect((await a.get(ME, { token: replies[1].body.access_token })).status).toBe(200);
    expect((await b.get(ME, { token: replies[0].body.access_token })).status).toBe(200);
    const next = await b.post('/api/v1/auth/refresh', { body: { refresh_token: current } });
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(current);
  });
});
