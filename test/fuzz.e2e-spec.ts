import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createAdmin, login, Reply, TestUser, useApp } from './support/app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Route {
  method: Method;
  /** `:id` is replaced by a random string. */
  path: string;
  /** Field names of the documented body, so random values also land in known fields. */
  fields?: string[];
  query?: string[];
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/auth/register',
    fields: ['email', 'username', 'password', 'name'],
  },
  { method: 'POST', path: '/api/v1/auth/login', fields: ['email', 'username', 'password'] },
  { method: 'POST', path: '/api/v1/auth/refresh', fields: ['refresh_token'] },
  { method: 'POST', path: '/api/v1/auth/logout', query: ['scope'] },
  { method: 'POST', path: '/api/v1/auth/password', fields: ['currentPassword', 'newPassword'] },
  { method: 'GET', path: '/api/v1/auth/sessions' },
  { method: 'DELETE', path: '/api/v1/auth/sessions/:id' },
  { method: 'POST', path: '/api/v1/auth/introspect', fields: ['token'] },
  { method: 'POST', path: '/api/v1/auth/password/forgot', fields: ['email'] },
  { method: 'POST', path: '/api/v1/auth/password/reset', fields: ['token', 'newPassword'] },
  { method: 'POST', path: '/api/v1/auth/email/verify', fields: ['token'] },
  { method: 'POST', path: '/api/v1/auth/email/verify/resend' },
  { method: 'GET', path: '/api/v1/users/me' },
  { method: 'PATCH', path: '/api/v1/users/me', fields: ['name', 'username'] },
  { method: 'DELETE', path: '/api/v1/users/me', fields: ['password'] },
  { method: 'GET', path: '/api/v1/users/me/message' },
  { method: 'GET', path: '/api/v1/users', query: ['page', 'limit', 'q'] },
  { method: 'GET', path: '/api/v1/users/:id' },
  { method: 'PATCH', path: '/api/v1/users/:id', fields: ['role', 'isActive', 'name'] },
  { method: 'DELETE', path: '/api/v1/users/:id' },
  { method: 'POST', path: '/api/v1/templates', fields: ['name', 'content'] },
  { method: 'GET', path: '/api/v1/templates', query: ['page', 'limit', 'q', 'sort'] },
  { method: 'GET', path: '/api/v1/templates/:id' },
  { method: 'PATCH', path: '/api/v1/templates/:id', fields: ['name', 'content'] },
  { method: 'DELETE', path: '/api/v1/templates/:id' },
  { method: 'GET', path: '/api/v1/users/me/security-events', query: ['page', 'limit'] },
  {
    method: 'GET',
    path: '/api/v1/audit-events',
    query: ['page', 'limit', 'userId', 'type', 'since', 'until'],
  },
  { method: 'GET', path: '/metrics' },
];

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Text with lone halves of surrogate pairs, which have no UTF-8 form and trip some validators. */
const unpairedText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
    fc.string({ maxLength: 20 }),
  )
  .map((parts) => parts.join(''));

/** Arrays and objects nested up to far past any sane depth (the stack overflowed at 1,500). */
const deepValue = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean(), fc.jsonValue({ maxDepth: 1 }))
  .map(([levels, arrays, leaf]) => {
    let value: unknown = leaf;
    for (let i = 0; i < levels; i++) value = arrays ? [value] : { x: value };
    return value;
  });

/** Every JSON type a field can hold, plus the strings that used to break the server. */
const anyValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', [], {}),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  deepValue,
  unpairedText,
  fc.string({ unit: 'binary' }),
  fc.string({ maxLength: 300 }),
);

/**
 * Random JSON as text: anything at all, or an object whose keys (known fields, random names,
 * and the names of Object internals) hold any value. Written by hand so that keys such as
 * `__proto__` reach the server as keys, as a hostile client sends them.
 */
const bodyOf = (fields: string[] = []) =>
  fc.oneof(
    anyValue.map((value) => JSON.stringify(value) ?? 'null'),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            ...(fields.length ? [fc.constantFrom(...fields)] : []),
            fc.constantFrom('__proto__', 'constructor', 'prototype'),
            fc.string(),
            unpairedText,
          ),
          anyValue,
        ),
        { maxLength: 6 },
      )
      .map(
        (entries) =>
          `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`,
      ),
  );

const queryOf = (names: string[] = []) =>
  fc.dictionary(
    fc.constantFrom('page', 'limit', 'q', 'sort', ...names),
    fc.oneof(fc.string({ unit: 'binary' }), unpairedText),
    {
      maxKeys: 4,
    },
  );

/** A path segment: percent-encoded as UTF-8 bytes (lone surrogates too), or raw as given. */
function pathSegment(id: string | { raw: string }): string {
  if (typeof id !== 'string') return id.raw;
  const encoded = [...Buffer.from(id, 'utf8')]
    .map((byte) => `%${byte.toString(16).padStart(2, '0')}`)
    .join('');
  return encoded || '%20';
}

function expectProblemOrSuccess(reply: Reply, context: string): void {
  if (reply.status >= 500) throw new Error(`${context} answered ${reply.status}: ${reply.text}`);
  if (reply.status >= 400) {
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const member of ['type', 'title', 'status', 'detail', 'instance', 'requestId']) {
      expect(reply.body).toHaveProperty(member);
    }
    expect(reply.body.status).toBe(reply.status);
  }
}

describe('Random input never yields a 5xx (e2e, fast-check)', () => {
  const suite = useApp();
  const { http } = suite;
  let user: TestUser;
  /** A real id, so that random bodies and queries also reach existing rows. */
  let templateId: string;

  beforeAll(async () => {
    // An admin, so that the admin routes get past the roles guard to their validation.
    user = await createAdmin(suite.app());
    const { access_token } = await login(http, user);
    const created = await http.post('/api/v1/templates', {
      token: access_token,
      body: { name: 'fuzzed', content: 'text' },
    });
    templateId = created.body.id;
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(
          bodyOf(route.fields),
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 60 }),
            fc.string({ maxLength: 600 }),
            unpairedText,
            fc.constantFrom('%FF', '%E0%A4%A', '%', '%u0041').map((raw) => ({ raw })),
            fc.constant('').map(() => templateId),
            fc.constant('').map(() => user.id),
          ),
          queryOf(route.query),
          async (body, id, query) => {
            // A fresh session per run: a random logout must not starve the other runs.
            const { access_token } = await login(http, user);
            const url = route.path.replace(':id', pathSegment(id));
            const reply = await http.request(route.method, url, {
              token: access_token,
              query,
              body: route.fields ? body : undefined,
            });
            expectProblemOrSuccess(reply, `${route.method} ${url}`);
          },
        ),
        { numRuns: RUNS },
      );
    },
  );
});
