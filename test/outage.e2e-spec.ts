import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import pg from 'pg';
import { expectProblem, Http, login, registerUser, startApp } from './support/app.js';
import { lockWaiters, startThrowAwayPostgres, ThrowAwayPostgres } from './support/database.js';
import { within } from './support/poll.js';

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
    // Its own server: no direct URL of the run's database (a pooled run sets one).
    app = await startApp({ DATABASE_URL: postgres.url, DATABASE_DIRECT_URL: '' });
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

    await within(15_000, async () => (await http.get('/api/v1/health')).status === 200, {
      every: 200,
    });
    expect((await http.get('/api/v1/users/me', { token: tokens.access_token })).status).toBe(200);
    await login(http, user);
  }, 60_000);
});

/** A TCP proxy to PostgreSQL that can hang: connections stay open and nothing comes back. */
class HangingProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private hung = false;
  port = 0;

  constructor(private readonly upstream: URL) {
    this.server = createServer((client) => {
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      client.pipe(server).pipe(client);
      for (const socket of [client, server]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
        // After pipe(), which would resume it: a connection made while hung is hung too.
        if (this.hung) socket.pause();
      }
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    const url = new URL(this.upstream);
    url.host = `127.0.0.1:${this.port}`;
    return url.toString();
  }

  hang(): void {
    this.hung = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.hung = false;
    for (const socket of this.sockets) socket.resume();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('A hung database (e2e)', () => {
  let proxy: HangingProxy;
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    proxy = new HangingProxy(new URL(process.env.DATABASE_URL!));
    app = await startApp({ DATABASE_URL: await proxy.start(), DATABASE_TIMEOUT: '2' });
    http = new Http(app);
  }, 60_000);

  afterAll(async () => {
    proxy.resume();
    await app.close();
    await proxy.stop();
  });

  it('answers 503 within the timeout while a lock holds the rows a request needs', async () => {
    const user = await registerUser(http);
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const reply = await timed(() =>
        http.post('/api/v1/auth/login', { body: { email: user.email, password: user.password } }),
      );
      expectProblem(reply.value, 503, 'service-unavailable');
      expect(reply.ms).toBeLessThan(6000);
      // Cancelled on the server too, not only given up by the driver: nothing waits any more.
      await within(3000, async () => (await lockWaiters(String(process.env.E2E_DIRECT_URL))) === 0);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await login(http, user);
  }, 30_000);

  it('answers 503 soon when PostgreSQL takes connections and never answers, then recovers', async () => {
    const user = await registerUser(http);
    const tokens = await login(http, user);
    proxy.hang();
    try {
      for (const call of [
        () =>
          http.post('/api/v1/auth/login', { body: { email: user.email, password: user.password } }),
        () => http.get('/api/v1/users/me', { token: tokens.access_token }),
        () => http.get('/api/v1/templates', { token: tokens.access_token }),
      ]) {
        const reply = await timed(call);
        expectProblem(reply.value, 503, 'service-unavailable');
        expect(reply.ms).toBeLessThan(6000);
      }
    } finally {
      proxy.resume();
    }
    await within(15_000, async () => (await http.get('/api/v1/health')).status === 200, {
      every: 200,
    });
    await login(http, user);
  }, 60_000);
});
