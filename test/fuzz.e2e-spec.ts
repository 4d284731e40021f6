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

/** Random JSON: anything at all, or an object whose known fields hold random values. */
const bodyOf = (fields: string[] = []) =>
  fc.oneof(
    fc.jsonValue(),
    fc.dictionary(
      fields.length ? fc.oneof(fc.constantFrom(...fields), fc.string()) : fc.string(),
      fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' }), fc.string({ maxLength: 300 })),
      { maxKeys: 6 },
    ),
  );

const queryOf = (names: string[] = []) =>
  fc.dictionary(
    fc.constantFrom('page', 'limit', 'q', 'sort', ...names),
    fc.string({ unit: 'binary' }),
    {
      maxKeys: 4,
    },
  );

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
            fc.constant('').map(() => templateId),
            fc.constant('').map(() => user.id),
          ),
          queryOf(route.query),
          async (body, id, query) => {
            // A fresh session per run: a random logout must not starve the other runs.
            const { access_token } = await login(http, user);
            const url = route.path.replace(':id', encodeURIComponent(id) || '%20');
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
