import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createAdmin, login, registerUser, Reply, TestUser, useApp } from './support/app.js';
import { awayFromStepBoundary, codeAt, currentStep } from './support/totp.js';

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
  {
    method: 'POST',
    path: '/api/v1/auth/introspect',
    fields: ['token', 'client_id'],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/revoke',
    fields: ['token', 'token_type_hint', 'client_id'],
  },
  { method: 'POST', path: '/api/v1/auth/password/forgot', fields: ['email'] },
  { method: 'POST', path: '/api/v1/auth/password/reset', fields: ['token', 'newPassword'] },
  { method: 'POST', path: '/api/v1/auth/email/verify', fields: ['token'] },
  { method: 'POST', path: '/api/v1/auth/email/verify/resend' },
  { method: 'GET', path: '/api/v1/auth/mfa' },
  { method: 'POST', path: '/api/v1/auth/mfa/totp', fields: ['password'] },
  { method: 'POST', path: '/api/v1/auth/mfa/totp/confirm', fields: ['code'] },
  { method: 'DELETE', path: '/api/v1/auth/mfa/totp', fields: ['password', 'code'] },
  { method: 'POST', path: '/api/v1/auth/mfa/recovery-codes', fields: ['code'] },
  {
    method: 'POST',
    path: '/api/v1/auth/mfa/challenge',
    fields: ['mfaToken', 'code', 'recoveryCode'],
  },
  { method: 'DELETE', path: '/api/v1/users/:id/mfa' },
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

/** ISO 8601 shapes `Date` cannot read (these once reached PostgreSQL and answered 500). */
const DATE_SHAPES = [
  '20240101T000000Z',
  '2024-W01-1',
  '20240101',
  '2024-01-01T10:00:00,5Z',
  '2024-001',
  '2024-02-30T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01',
  '0000-01-01T00:00:00Z',
  '2024-01-01T10:00:00.5+02:00',
];

/** Percent-encoded as hostile clients send them: lone surrogates as their 3 bytes (not UTF-8). */
const RAW_QUERY_VALUES = ['%ED%A0%80', '%ED%BF%BF', '%FF', '%C0%AF', '%E0%A4%A', '%', '%u0041'];

/**
 * Percent-encodes every UTF-16 unit or pair as bytes: a pair as UTF-8, a lone surrogate as the
 * 3 bytes it would have if it were a character (bytes no UTF-8 decoder accepts).
 */
function percentEncode(text: string): string {
  let encoded = '';
  for (const char of text) {
    const unit = char.codePointAt(0)!;
    const bytes =
      unit >= 0xd800 && unit <= 0xdfff
        ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        : [...Buffer.from(char, 'utf8')];
    encoded += bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
  return encoded;
}

/** A query value: any JSON value as text, numbers at the edges, dates, huge, empty, raw bytes. */
const queryValue = fc.oneof(
  anyValue.map((value) => percentEncode(JSON.stringify(value) ?? 'null')),
  fc.string({ unit: 'binary', maxLength: 200 }).map(percentEncode),
  fc
    .constantFrom(
      '',
      '0',
      '-1',
      '1.5',
      '1e3',
      '0x10',
      ' 1',
      'NaN',
      'Infinity',
      '2147483648',
      '9007199254740993',
      'name',
      '-createdAt',
      'global',
      ...DATE_SHAPES,
    )
    .map(percentEncode),
  fc.integer({ min: 1, max: 12_000 }).map((length) => '9'.repeat(length)),
  unpairedText.map(percentEncode),
  fc.constantFrom(...RAW_QUERY_VALUES),
);

/**
 * A raw query string: up to 6 pairs over the route's parameters (so a name may come twice, as
 * `?since=a&since=b`), the list parameters, bracketed and Object-internal names.
 */
const queryOf = (names: string[] = []) =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'page',
          'limit',
          'q',
          'sort',
          ...names,
          ...names.map((name) => `${name}[]`),
          '__proto__',
          'constructor',
        ),
        queryValue,
      ),
      { maxLength: 6 },
    )
    .map((pairs) => pairs.map(([name, value]) => `${percentEncode(name)}=${value}`).join('&'));

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

  /** Each hostile shape in each documented query parameter, alone and repeated. */
  it.each(
    ROUTES.filter((route) => route.query).map(
      (route) => [`${route.method} ${route.path}`, route] as const,
    ),
  )('every query parameter of %s', async (_name, route) => {
    const { access_token } = await login(http, user);
    const values = [
      ...['', '{}', '[]', '{"a":1}', '[1,2]', 'null', 'true', '1e308', '-0'].map(percentEncode),
      ...DATE_SHAPES.map(percentEncode),
      ...RAW_QUERY_VALUES,
      percentEncode('\ud800'),
      '9'.repeat(12_000),
    ];
    for (const name of route.query!) {
      const queries = [
        ...values.map((value) => `${name}=${value}`),
        `${name}=a&${name}=b`,
        `${name}=2024-01-01T00:00:00Z&${name}=2024-01-02T00:00:00Z`,
        `${name}[]=1`,
        `${name}[a]=1`,
        name,
      ];
      for (const query of queries) {
        const url = `${route.path}?${query}`;
        const reply = await http.request(route.method, url, { token: access_token });
        expectProblemOrSuccess(reply, `${route.method} ${url.slice(0, 200)}`);
      }
    }
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
            const path = route.path.replace(':id', pathSegment(id));
            const url = query ? `${path}?${query}` : path;
            const reply = await http.request(route.method, url, {
              token: access_token,
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

// The MFA routes again, past their first checks: a user with TOTP on, a live mfaToken, and any
// value where a code goes.
describe('Random codes for a user with TOTP on never yield a 5xx (e2e, fast-check)', () => {
  const { http } = useApp();
  let user: TestUser;
  let access: string;

  beforeAll(async () => {
    user = await registerUser(http);
    const { access_token } = await login(http, user);
    const started = await http.post('/api/v1/auth/mfa/totp', {
      token: access_token,
      body: { password: user.password },
    });
    await awayFromStepBoundary();
    const confirmed = await http.post('/api/v1/auth/mfa/totp/confirm', {
      token: access_token,
      body: { code: codeAt(started.body.secret, currentStep()) },
    });
    expect(confirmed.status).toBe(200);
    access = confirmed.body.access_token;
  });

  const codeValue = fc.oneof(
    anyValue,
    fc.stringMatching(/^\d{6}$/),
    fc.stringMatching(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/),
  );

  it('POST /auth/mfa/challenge with a live mfaToken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('code', 'recoveryCode'), codeValue, async (field, value) => {
        const started = await http.post('/api/v1/auth/login', {
          body: { email: user.email, password: user.password },
        });
        expect(started.status).toBe(403);
        const body = JSON.stringify({ mfaToken: started.body.mfaToken, [field]: value });
        const reply = await http.post('/api/v1/auth/mfa/challenge', { body });
        expectProblemOrSuccess(reply, `challenge ${body.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['POST', '/api/v1/auth/mfa/recovery-codes', {}],
    ['POST', '/api/v1/auth/mfa/totp/confirm', {}],
    ['DELETE', '/api/v1/auth/mfa/totp', { password: 'not the password' }],
  ] as const)('%s %s with any code', async (method, path, rest) => {
    await fc.assert(
      fc.asyncProperty(codeValue, async (code) => {
        const body = JSON.stringify({ ...rest, code });
        const reply = await http.request(method, path, { token: access, body });
        expectProblemOrSuccess(reply, `${method} ${path} ${body.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });
});
