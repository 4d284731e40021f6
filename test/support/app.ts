import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, Response } from 'light-my-request';
import { DataSource } from 'typeorm';
import { createApp, CreateAppOptions } from '../../src/app.factory.js';
import { validateEnvironment } from '../../src/config/environment.js';
import { UsersService } from '../../src/users/users.service.js';

/** What a test may pass to createApp besides the environment, which startApp builds. */
export type AppOptions = Omit<CreateAppOptions, 'env'>;

/**
 * Boots the real application (AppModule, global guard, pipe and filter) on the test run's
 * environment with `env` over it, validated as main.ts validates its own; `process.env` is left
 * alone. Passport keeps one `jwt` strategy per process: the app started last serves bearer
 * checks for every app in this process. Keep one app with bearer routes alive at a time; to test
 * separate instances, run them as processes (test/support/server.ts).
 */
export async function startApp(
  env: Record<string, string> = {},
  options: AppOptions = {},
): Promise<NestFastifyApplication> {
  return createApp({ ...options, env: validateEnvironment({ ...process.env, ...env }) });
}

export interface AppSuite {
  /** A client of the suite's app, usable once the suite's beforeAll has run. */
  http: Http;
  app(): NestFastifyApplication;
}

/**
 * Boots one app for the enclosing describe block, on emptied tables, and closes it after the
 * block's tests. Hooks the caller registers afterwards run after the app is up.
 */
export function useApp(
  env: Record<string, string> = {},
  { resetBeforeEach = false }: { resetBeforeEach?: boolean } = {},
): AppSuite {
  let started: NestFastifyApplication | undefined;
  beforeAll(async () => {
    started = await startApp(env);
    if (!resetBeforeEach) await resetDatabase(started);
  });
  if (resetBeforeEach) beforeEach(() => resetDatabase(app()));
  afterAll(async () => {
    await started?.close();
  });
  const app = () => {
    if (!started) throw new Error('The app starts in beforeAll; use it inside a hook or test.');
    return started;
  };
  return { app, http: new Http(app) };
}

/** Runs `work` against an app of its own (for settings one test needs), then closes it. */
export async function withApp<T>(
  env: Record<string, string>,
  work: (http: Http, app: NestFastifyApplication) => Promise<T>,
  options: AppOptions = {},
): Promise<T> {
  const app = await startApp(env, options);
  try {
    return await work(new Http(app), app);
  } finally {
    await app.close();
  }
}

/** Empties every table but the migrations bookkeeping, so no spec depends on another's data. */
export async function resetDatabase(app: NestFastifyApplication): Promise<void> {
  const dataSource = app.get(DataSource);
  const tables = dataSource.entityMetadatas.map((entity) => `"${entity.tableName}"`);
  await dataSource.query(`TRUNCATE ${tables.join(', ')} CASCADE`);
}

export interface Reply<T = any> {
  status: number;
  headers: Response['headers'];
  body: T;
  /** The body as sent. */
  text: string;
}

export interface Call {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The client address the server sees (the socket's, as without TRUST_PROXY). */
  remoteAddress?: string;
}

/**
 * A small client for the tests: over Fastify's inject (the full request pipeline, no sockets)
 * when given an app, or over real HTTP when given a base URL (a server in another process).
 */
export class Http {
  constructor(
    private readonly target: NestFastifyApplication | string | (() => NestFastifyApplication),
  ) {}

  get = (url: string, call: Call = {}) => this.request('GET', url, call);
  post = (url: string, call: Call = {}) => this.request('POST', url, call);
  patch = (url: string, call: Call = {}) => this.request('PATCH', url, call);
  delete = (url: string, call: Call = {}) => this.request('DELETE', url, call);

  async request(method: InjectOptions['method'], url: string, call: Call = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...call.headers };
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    let payload: string | undefined;
    if (call.body !== undefined) {
      payload = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
      headers['content-type'] ??= 'application/json';
    }
    const target = typeof this.target === 'function' ? this.target() : this.target;
    const {
      status,
      headers: replyHeaders,
      text,
    } = typeof target === 'string'
      ? await this.overHttp(target, String(method), url, headers, payload, call)
      : await this.overInject(target, method, url, headers, payload, call);
    const type = String(replyHeaders['content-type'] ?? '');
    const body: unknown = type.includes('json') && text ? JSON.parse(text) : text;
    return { status, headers: replyHeaders, body, text };
  }

  private async overInject(
    app: NestFastifyApplication,
    method: InjectOptions['method'],
    url: string,
    headers: Record<string, string>,
    payload: string | undefined,
    call: Call,
  ) {
    const raw = await app.inject({
      method,
      url,
      headers,
      query: call.query,
      remoteAddress: call.remoteAddress,
      payload,
    });
    return { status: raw.statusCode, headers: raw.headers, text: raw.body };
  }

  private async overHttp(
    base: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    payload: string | undefined,
    call: Call,
  ) {
    const target = new URL(url, base);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      target.searchParams.set(name, value);
    }
    const response = await fetch(target, { method, headers, body: payload });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      text: await response.text(),
    };
  }
}

/** Asserts an RFC 9457 problem document of the given status and type. */
export function expectProblem(reply: Reply, status: number, type: string): void {
  expect({ status: reply.status, type: reply.body?.type }).toEqual({
    status,
    type: `/problems/${type}`,
  });
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.body).toEqual(
    expect.objectContaining({
      type: `/problems/${type}`,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      requestId: reply.headers['x-request-id'],
    }),
  );
  if (status === 401) expect(reply.headers['www-authenticate']).toMatch(/^Bearer/);
}

/** Asserts that a session's tokens are both dead: the access token with `type`, the refresh token too. */
export async function expectSessionRefused(
  http: Http,
  tokens: Tokens,
  type: string,
): Promise<void> {
  expectProblem(await http.get('/api/v1/users/me', { token: tokens.access_token }), 401, type);
  expectProblem(
    await http.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }),
    401,
    'refresh-token-invalid',
  );
}

export function expectFieldError(reply: Reply, field: string): void {
  expectProblem(reply, 400, 'validation-failed');
  expect(reply.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ field, message: expect.any(String) })]),
  );
}

/**
 * Asserts the answers every JSON-body route gives before its own rules: unreadable JSON
 * is 400 malformed-request, a `__proto__` key 400 naming it, a JSON array 400 naming `body`, another
 * media type 415, and a body over 256 KiB 413.
 */
export async function expectBodyRefusals(
  http: Http,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token?: string,
): Promise<void> {
  const send = (body: unknown, headers?: Record<string, string>) =>
    http.request(method, url, { token, body, headers });
  expectProblem(await send('{"name":'), 400, 'malformed-request');
  const proto = await send('{"__proto__":{"role":"admin"}}');
  expectFieldError(proto, '__proto__');
  expect(proto.body.errors).toEqual([
    { field: '__proto__', message: 'property __proto__ should not exist' },
  ]);
  expectFieldError(await send('[1,2]'), 'body');
  expectProblem(
    await send('name=a', { 'content-type': 'application/x-www-form-urlencoded' }),
    415,
    'unsupported-media-type',
  );
  expectProblem(
    await send('hello', { 'content-type': 'text/plain' }),
    415,
    'unsupported-media-type',
  );
  expectProblem(await send({ name: 'x'.repeat(300 * 1024) }), 413, 'payload-too-large');
}

let counter = 0;

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
}

/** Registers a user with unique names; returns its id and credentials. */
export async function registerUser(http: Http, overrides: Partial<TestUser> = {}) {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  const user = {
    email: `user${suffix}@example.com`,
    username: `user_${suffix}`,
    password: 'correct horse battery staple',
    ...overrides,
  };
  const reply = await http.post('/api/v1/auth/register', {
    body: { email: user.email, username: user.username, password: user.password },
  });
  expect(reply.status).toBe(201);
  return { ...user, id: reply.body.id as string } satisfies TestUser;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expires_at: number;
  user: { id: string; role: string };
}

export async function login(http: Http, user: Pick<TestUser, 'email' | 'password'>) {
  const reply = await http.post('/api/v1/auth/login', {
    body: { email: user.email, password: user.password },
  });
  expect(reply.status).toBe(200);
  return reply.body as Tokens;
}

/** A registered and logged-in user. */
export async function signUp(http: Http, overrides: Partial<TestUser> = {}) {
  const user = await registerUser(http, overrides);
  return { user, tokens: await login(http, user) };
}

/** An admin made as the CLI makes one (registration never can); returns its credentials. */
export async function createAdmin(app: NestFastifyApplication, overrides: Partial<TestUser> = {}) {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  const admin = {
    email: `admin${suffix}@example.com`,
    username: `admin_${suffix}`,
    password: 'an admin passphrase',
    ...overrides,
  };
  const { user, created } = await app.get(UsersService).createAdmin(admin);
  expect(created).toBe(true);
  return { ...admin, id: user.id } satisfies TestUser;
}

/** A logged-in admin. */
export async function signUpAdmin(app: NestFastifyApplication, http: Http) {
  const user = await createAdmin(app);
  return { user, tokens: await login(http, user) };
}
