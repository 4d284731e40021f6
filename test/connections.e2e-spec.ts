import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import pg from 'pg';
import { expectProblem, Http, login, registerUser, Reply, startApp } from './support/app.js';
import { lockWaiters } from './support/database.js';
import { within } from './support/poll.js';
import { buildOnce, startServer } from './support/server.js';

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** How long the server kept the connection, from the first byte sent. */
  ms: number;
}

/** Sends bytes over a socket of its own and reads until the server closes it. */
function rawRequest(port: number, text: string, keepOpenMs = 60_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${keepOpenMs} ms`));
    }, keepOpenMs);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      const [head, ...rest] = received.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const at = line.indexOf(':');
          return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
        }),
      );
      const text = rest.join('\r\n\r\n');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text for the assertion to show
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body,
        ms: Date.now() - started,
      });
    });
  });
}

function expectRawProblem(reply: RawReply, status: number, type: string): void {
  expect({ status: reply.status, type: reply.body?.type }).toEqual({
    status,
    type: `/problems/${type}`,
  });
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.body).toEqual(
    expect.objectContaining({
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      requestId: reply.headers['x-request-id'],
    }),
  );
}

describe('Connections and refusals before our code runs (e2e, real sockets)', () => {
  let app: NestFastifyApplication;
  let port: number;
  let http: Http;

  beforeAll(async () => {
    app = await startApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.getHttpServer().address() as { port: number }).port;
    http = new Http(`http://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers an over-long path parameter with a 414 problem that does not echo it', async () => {
    const id = `evil${'a'.repeat(600)}`;
    const reply = await http.get(`/api/v1/templates/${id}`);
    expectProblem(reply, 414, 'uri-too-long');
    expect(reply.text).not.toContain('a'.repeat(300));
  });

  it('answers bad percent-encoding in the path with a 400 problem', async () => {
    for (const path of ['/api/v1/templates/%FF', '/api/v1/users/%E0%A4%A']) {
      const reply = await http.get(path);
      expectProblem(reply, 400, 'validation-failed');
      expect(reply.body.errors).toEqual([{ field: 'path', message: expect.any(String) }]);
    }
  });

  it('answers huge headers (431) and a request that is not HTTP (400) with problems', async () => {
    const huge = await rawRequest(
      port,
      `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expectRawProblem(huge, 431, 'headers-too-large');
    const garbage = await rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nHo st\r\n\r\n');
    expectRawProblem(garbage, 400, 'malformed-request');
  });

  it('cuts a request whose body never finishes within seconds, with a 408 problem', async () => {
    const reply = await rawRequest(
      port,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"email":',
      30_000,
    );
    expectRawProblem(reply, 408, 'request-timeout');
    expect(reply.ms).toBeLessThan(20_000);
  }, 40_000);

  it('cuts a client that never finishes its headers within seconds', async () => {
    const reply = await rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n', 30_000);
    expectRawProblem(reply, 408, 'request-timeout');
    expect(reply.ms).toBeLessThan(15_000);
  }, 40_000);

  it('closes an idle keep-alive connection within seconds', async () => {
    const reply = await rawRequest(
      port,
      'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n',
      30_000,
    );
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeLessThan(15_000);
  }, 40_000);

  it('still serves ordinary requests', async () => {
    const user = await registerUser(http);
    await login(http, user);
  });
});

describe('Shutdown (e2e, a server process)', () => {
  beforeAll(() => buildOnce(), 120_000);

  it('finishes a request in flight after SIGTERM, refuses new ones, then stops', async () => {
    const server = await startServer();
    const http = new Http(server.url);
    const user = await registerUser(http);
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      // The login's user lookup waits on this lock: a request held in flight, which still
      // needs the database after it (the session insert).
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const inFlight = http.post('/api/v1/auth/login', {
        body: { email: user.email, password: user.password },
      });
      await waitForLockWaiter(inFlight);
      const stopped = server.stop();
      // New connections are refused once the signal is handled...
      await within(5000, () =>
        fetch(`${server.url}/api/v1/health`).then(
          () => false,
          () => true,
        ),
      );
      // ...while the request in flight still finishes, with the database it needs.
      await blocker.query('COMMIT');
      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.body.access_token).toEqual(expect.any(String));
      await stopped;
    } finally {
      await blocker.end();
    }
  }, 60_000);
});

async function waitForLockWaiter(request: Promise<Reply>): Promise<void> {
  let answered: Reply | undefined;
  void request.then((reply) => (answered = reply));
  await within(
    20_000,
    async () => {
      if (answered) {
        throw new Error(
          `the request was answered before it waited: ${answered.status} ${answered.text}`,
        );
      }
      return (await lockWaiters(String(process.env.E2E_DIRECT_URL))) > 0;
    },
    { message: 'the request never waited on the lock' },
  );
}
