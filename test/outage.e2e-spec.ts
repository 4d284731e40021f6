import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectProblem, Http, login, registerUser, startApp } from './support/app.js';
import { startThrowAwayPostgres, ThrowAwayPostgres } from './support/database.js';

/** Polls until `check` holds; fails after `ms`. */
async function eventually(ms: number, check: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

describe('Database outage (e2e)', () => {
  let postgres: ThrowAwayPostgres;
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    // A PostgreSQL this test owns, so it can stop and restart it.
    postgres = await startThrowAwayPostgres();
    app = await startApp({ DATABASE_URL: postgres.url });
    http = new Http(app);
  }, 60_000);

  afterAll(async () => {
    await app.close();
    await postgres.drop();
  });

  it('answers 503 while PostgreSQL is away and recovers without a restart', async () => {
    const user = await registerUser(http);
    const tokens = await login(http, user);
    expect((await http.get('/api/v1/health')).status).toBe(200);

    await postgres.stop();

    const health = await timed(() => http.get('/api/v1/health'));
    expectProblem(health.value, 503, 'service-unavailable');
    expect(health.value.body.info).toEqual({ database: { status: 'down' } });
    expect(health.ms).toBeLessThan(5000);

    for (const call of [
      () => http.get('/api/v1/users/me', { token: tokens.access_token }),
      () =>
        http.post('/api/v1/auth/login', { body: { email: user.email, password: user.password } }),
      () => http.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }),
    ]) {
      const reply = await timed(call);
      expectProblem(reply.value, 503, 'service-unavailable');
      expect(reply.ms).toBeLessThan(5000);
    }

    await postgres.restart();

    await eventually(15_000, async () => (await http.get('/api/v1/health')).status === 200);
    expect((await http.get('/api/v1/users/me', { token: tokens.access_token })).status).toBe(200);
    await login(http, user);
  }, 60_000);
});
