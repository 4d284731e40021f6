import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { connect, createServer, Server, Socket } from 'node:net';
import { freePort } from '../src/database/embedded-postgres.js';
import { ApplicationConfig } from '@nestjs/core';
import { JwtAuthGuard } from '../src/bearer/jwt-auth.guard.js';
import { RolesGuard } from '../src/auth/roles.guard.js';
import { RateLimitGuard } from '../src/rate-limit/rate-limit.guard.js';
import {
  expectFieldError,
  expectProblem,
  Http,
  registerUser,
  signUp,
  startApp,
  useApp,
  withApp,
} from './support/app.js';

// Lockout off: these are the per-IP limits alone (lockout.e2e-spec.ts has the per-name lockout).
const LIMITS = {
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_LOGIN: '10',
  RATE_LIMIT_AUTH: '30',
  LOCKOUT_THRESHOLD: '0',
};

function attempt(http: Http, email: string, ip = '10.0.0.1') {
  return http.post('/api/v1/auth/login', {
    body: { email, password: 'wrong password' },
    remoteAddress: ip,
  });
}

describe('Rate limits, in process (e2e)', () => {
  const { http, app } = useApp(LIMITS);

  it('allows 10 login attempts a minute for one IP and login name, then 429 with Retry-After', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await attempt(http, 'Victim@example.com')).status).toBe(401);
    }
    const limited = await attempt(http, 'victim@EXAMPLE.com');
    expectProblem(limited, 429, 'too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    expect((await attempt(http, 'someone-else@example.com')).status).toBe(401);
    expect((await attempt(http, 'victim@example.com', '10.0.0.2')).status).toBe(401);
  });

  it('counts successful logins too', async () => {
    const user = await registerUser(http);
    for (let i = 0; i < 10; i++) {
      const reply = await http.post('/api/v1/auth/login', {
        body: { username: user.username, password: user.password },
        remoteAddress: '10.0.0.3',
      });
      expect(reply.status).toBe(200);
    }
    const limited = await http.post('/api/v1/auth/login', {
      body: { username: user.username, password: user.password },
      remoteAddress: '10.0.0.3',
    });
    expectProblem(limited, 429, 'too-many-requests');
  });

  it('gives each of register, refresh and introspect its own 30 requests a minute per IP', async () => {
    for (let i = 0; i < 30; i++) {
      const reply = await http.post('/api/v1/auth/introspect', {
        body: { token: 'x' },
        remoteAddress: '10.0.0.4',
      });
      expect(reply.status).toBe(200);
    }
    expectProblem(
      await http.post('/api/v1/auth/introspect', {
        body: { token: 'x' },
        remoteAddress: '10.0.0.4',
      }),
      429,
      'too-many-requests',
    );
    // Refusing one route leaves the others their own 30: a burst on one (sign-ups from an
    // office or a carrier-grade NAT) does not log that IP's users out (refresh).
    expectProblem(
      await http.post('/api/v1/auth/refresh', {
        body: { refresh_token: 'x' },
        remoteAddress: '10.0.0.4',
      }),
      401,
      'refresh-token-invalid',
    );
    expectFieldError(
      await http.post('/api/v1/auth/register', { body: {}, remoteAddress: '10.0.0.4' }),
      'email',
    );
    const other = await http.post('/api/v1/auth/introspect', {
      body: { token: 'x' },
      remoteAddress: '10.0.0.5',
    });
    expect(other.status).toBe(200);
  });

  it('runs after the bearer and roles guards: unauthenticated calls are 401 and not counted', async () => {
    const config = app().get(ApplicationConfig);
    expect(config.getGlobalGuards().map((guard) => guard.constructor)).toEqual([
      JwtAuthGuard,
      RolesGuard,
      RateLimitGuard,
    ]);
    const resend = (token?: string) =>
      http.post('/api/v1/auth/email/verify/resend', { token, remoteAddress: '10.0.0.7' });
    for (let i = 0; i < 31; i++) expectProblem(await resend(), 401, 'token-missing');
    const { tokens } = await signUp(http);
    expect((await resend(tokens.access_token)).status).toBe(202);
  });

  it('does not limit other routes', async () => {
    for (let i = 0; i < 40; i++) {
      expect((await http.get('/api/v1/health', { remoteAddress: '10.0.0.6' })).status).toBe(200);
    }
  });
});

describe('Login attempts per IP across login names (e2e)', () => {
  const { http } = useApp({ ...LIMITS, RATE_LIMIT_LOGIN_IP: '15' });

  it('allows RATE_LIMIT_LOGIN_IP attempts from one IP whatever the names, then 429', async () => {
    for (let i = 0; i < 15; i++) {
      expect((await attempt(http, `made-up-${i}@example.com`, '10.4.0.1')).status).toBe(401);
    }
    const limited = await attempt(http, 'made-up-new@example.com', '10.4.0.1');
    expectProblem(limited, 429, 'too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    expect((await attempt(http, 'made-up-new@example.com', '10.4.0.2')).status).toBe(401);
  });
});

describe('Client IP for rate limits (e2e)', () => {
  const forwarded = (http: Http, from: string) =>
    http.post('/api/v1/auth/login', {
      body: { email: 'proxied@example.com', password: 'wrong password' },
      remoteAddress: '10.3.0.1',
      headers: { 'x-forwarded-for': from },
    });

  it('is the socket address: X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    await withApp({ ...LIMITS, TRUST_PROXY: 'false' }, async (http) => {
      for (let i = 0; i < 10; i++) expect((await forwarded(http, `192.0.2.${i}`)).status).toBe(401);
      expectProblem(await forwarded(http, '192.0.2.99'), 429, 'too-many-requests');
    });
  });

  it('is the forwarded address with TRUST_PROXY', async () => {
    await withApp({ ...LIMITS, TRUST_PROXY: 'true' }, async (http) => {
      for (let i = 0; i < 10; i++) expect((await forwarded(http, '192.0.2.1')).status).toBe(401);
      expectProblem(await forwarded(http, '192.0.2.1'), 429, 'too-many-requests');
      expect((await forwarded(http, '192.0.2.2')).status).toBe(401);
    });
  });
});

describe('Rate limits switched off (e2e)', () => {
  it('RATE_LIMIT_ENABLED=false lets every attempt through', async () => {
    await withApp({ ...LIMITS, RATE_LIMIT_ENABLED: 'false' }, async (http) => {
      for (let i = 0; i < 12; i++) {
        expect((await attempt(http, 'free@example.com', '10.1.0.1')).status).toBe(401);
      }
    });
  });
});

describe('Rate limits shared through Redis (e2e)', () => {
  const redis = {
    ...LIMITS,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    // A fresh key space per run, so that runs never see each other's counters.
    REDIS_KEY_PREFIX: `auth-e2e:${randomBytes(6).toString('hex')}:`,
  };
  let first: NestFastifyApplication;
  let second: NestFastifyApplication;

  beforeAll(async () => {
    first = await startApp(redis);
    second = await startApp(redis);
  });

  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('counts the attempts on both instances against one limit', async () => {
    const a = new Http(first);
    const b = new Http(second);
    for (let i = 0; i < 10; i++) {
      expect((await attempt(i % 2 ? a : b, 'shared@example.com', '10.2.0.1')).status).toBe(401);
    }
    expectProblem(await attempt(a, 'shared@example.com', '10.2.0.1'), 429, 'too-many-requests');
    const limited = await attempt(b, 'shared@example.com', '10.2.0.1');
    expectProblem(limited, 429, 'too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(b, 'other@example.com', '10.2.0.1')).status).toBe(401);
  });
});

describe('Rate limits while Redis is away (e2e)', () => {
  const prefix = `auth-e2e:${randomBytes(6).toString('hex')}:`;
  let port: number;
  let proxy: Server | undefined;
  const sockets = new Set<Socket>();

  /** Lets Redis "return": a proxy to the real one on the port the app was given. */
  const startProxy = () =>
    new Promise<void>((resolve) => {
      const upstream = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      proxy = createServer((client) => {
        const server = connect(Number(upstream.port || 6379), upstream.hostname);
        for (const socket of [client, server]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => sockets.delete(socket));
        }
        client.pipe(server).pipe(client);
      });
      proxy.listen(port, '127.0.0.1', () => resolve());
    });

  beforeAll(async () => {
    port = await freePort();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  });

  it('counts in process at once, never 500, and goes back to Redis when it returns', async () => {
    const env = {
      ...LIMITS,
      RATE_LIMIT_AUTH: '5',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: prefix,
    };
    await withApp(env, async (http) => {
      const calls = [
        () => attempt(http, 'away@example.com', '10.3.0.1'),
        () =>
          http.post('/api/v1/auth/register', {
            body: { email: 'bad', username: 'x', password: 'short' },
            remoteAddress: '10.3.0.2',
          }),
        () =>
          http.post('/api/v1/auth/refresh', {
            body: { refresh_token: 'nope' },
            remoteAddress: '10.3.0.3',
          }),
        () =>
          http.post('/api/v1/auth/introspect', {
            body: { token: 'x' },
            remoteAddress: '10.3.0.4',
          }),
      ];
      for (const call of calls) {
        const started = Date.now();
        const reply = await call();
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(500);
        // Generous for a noisy machine; it used to take up to 6 s and then fail.
        expect(Date.now() - started).toBeLessThan(1500);
      }
      // The limits still hold, counted in this process.
      for (let i = 1; i < 5; i++) {
        const reply = await calls[3]();
        expect(reply.status).toBe(200);
      }
      expectProblem(await calls[3](), 429, 'too-many-requests');

      await startProxy();
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      try {
        const deadline = Date.now() + 20_000;
        let shared = 0;
        for (let ip = 1; shared === 0; ip++) {
          if (Date.now() > deadline) throw new Error('the counters never went back to Redis');
          await new Promise((resolve) => setTimeout(resolve, 200));
          const reply = await http.post('/api/v1/auth/introspect', {
            body: { token: 'x' },
            remoteAddress: `10.4.0.${ip % 250}`,
          });
          expect(reply.status).toBe(200);
          shared = (await redis.keys(`${prefix}*`)).length;
        }
      } finally {
        redis.disconnect();
      }
    });
  }, 40_000);
});
