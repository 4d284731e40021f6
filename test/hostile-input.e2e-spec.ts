import { beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import {
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUpAdmin,
  Tokens,
  useApp,
} from './support/app.js';
import { overtakenBy, sessionCount } from './support/database.js';

/** Every JSON-body route, with the text fields its body documents. */
const BODY_ROUTES = [
  {
    method: 'POST',
    path: '/api/v1/auth/register',
    fields: ['email', 'username', 'password', 'name'],
  },
  { method: 'POST', path: '/api/v1/auth/login', fields: ['email', 'username', 'password'] },
  { method: 'POST', path: '/api/v1/auth/refresh', fields: ['refresh_token'] },
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
  { method: 'POST', path: '/api/v1/auth/password', fields: ['currentPassword', 'newPassword'] },
  { method: 'PATCH', path: '/api/v1/users/me', fields: ['name', 'username'] },
  { method: 'DELETE', path: '/api/v1/users/me', fields: ['password'] },
  { method: 'PATCH', path: '/api/v1/users/:userId', fields: ['role', 'name'] },
  { method: 'POST', path: '/api/v1/templates', fields: ['name', 'content'] },
  { method: 'PATCH', path: '/api/v1/templates/:templateId', fields: ['name', 'content'] },
] as const;

/** `[[[ ... 'x' ... ]]]`, `levels` deep, as text: building it as a value would overflow too. */
const nested = (levels: number) => `${'['.repeat(levels)}"x"${']'.repeat(levels)}`;

describe('Hostile input (e2e)', () => {
  const suite = useApp();
  const { http } = suite;
  let admin: { tokens: Tokens };
  let userId: string;
  let templateId: string;

  const url = (path: string) => path.replace(':userId', userId).replace(':templateId', templateId);

  beforeAll(async () => {
    admin = await signUpAdmin(suite.app(), http);
    userId = (await registerUser(http)).id;
    const created = await http.post('/api/v1/templates', {
      token: admin.tokens.access_token,
      body: { name: 'hostile', content: 'text' },
    });
    templateId = created.body.id;
  });

  describe('login names of the wrong type', () => {
    it('refuses a null email or username as a wrong type, not a server error or a 401', async () => {
      const user = await registerUser(http);
      for (const field of ['email', 'username']) {
        const reply = await http.post('/api/v1/auth/login', {
          body: { [field]: null, password: user.password },
        });
        expectFieldError(reply, field);
      }
    });
  });

  describe('unpaired surrogates', () => {
    it.each(BODY_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
      'are refused in every text field of %s',
      async (_name, route) => {
        for (const field of route.fields) {
          for (const value of ['\ud800', 'ada\udc00@example.com', 'a\ud83d']) {
            const reply = await http.request(route.method, url(route.path), {
              token: admin.tokens.access_token,
              // JSON.stringify writes the surrogate as an escape, `"\ud800"`, as attackers do.
              body: { [field]: value },
            });
            expectFieldError(reply, field);
          }
        }
      },
    );

    it('are refused in the email on register, where the email check used to throw', async () => {
      const body =
        '{"email":"\\ud800@example.com","username":"sur_ok","password":"a long password"}';
      const reply = await http.post('/api/v1/auth/register', { body });
      expectFieldError(reply, 'email');
      expect(reply.body.errors).toEqual([
        { field: 'email', message: 'email must not contain unpaired surrogates' },
      ]);
    });

    it('cannot reach query text such as ?q= (a URL has no form for them)', async () => {
      // CESU-8 and a UTF-16 escape of a lone high surrogate: both arrive as U+FFFD or as is.
      for (const path of ['/api/v1/templates', '/api/v1/users']) {
        for (const q of ['%ED%A0%80', '%uD800', '%F0%9F']) {
          const reply = await http.get(`${path}?q=${q}`, { token: admin.tokens.access_token });
          expect(reply.status).toBe(200);
        }
      }
    });
  });

  describe('deeply nested JSON', () => {
    it.each(BODY_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
      'is refused in every field of %s',
      async (_name, route) => {
        for (const field of route.fields) {
          const reply = await http.request(route.method, url(route.path), {
            token: admin.tokens.access_token,
            body: `{${JSON.stringify(field)}:${nested(1500)}}`,
          });
          expectFieldError(reply, field);
        }
        const topLevel = await http.request(route.method, url(route.path), {
          token: admin.tokens.access_token,
          body: `{"x":${'{"x":'.repeat(3000)}1${'}'.repeat(3001)}`,
        });
        expectFieldError(topLevel, 'x');
      },
    );
  });

  describe('keys that name Object internals', () => {
    it.each([
      [
        '/api/v1/auth/register',
        { email: 'proto@example.com', username: 'proto', password: 'a long password' },
      ],
      ['/api/v1/templates', { name: 'proto', content: 'text' }],
    ])('are unknown fields on %s', async (path, valid) => {
      for (const key of ['constructor', '__proto__']) {
        const body = JSON.stringify(valid).replace(/^\{/, `{"${key}":{"role":"admin"},`);
        const reply = await http.post(path, { token: admin.tokens.access_token, body });
        expectFieldError(reply, key);
        expect(reply.body.errors).toEqual([
          { field: key, message: `property ${key} should not exist` },
        ]);
      }
    });
  });

  describe('a login racing a change of its account', () => {
    const logIn = (user: { email: string; password: string }) => () =>
      http.post('/api/v1/auth/login', { body: { email: user.email, password: user.password } });

    it.each([
      ['deleted', 'DELETE FROM users WHERE id = $1'],
      ['deactivated', 'UPDATE users SET is_active = false WHERE id = $1'],
    ])(
      'answers 401 and opens no session for an account %s between check and session',
      async (_, sql) => {
        const user = await registerUser(http);
        const reply = await overtakenBy(user.id, { sql }, logIn(user));
        expectProblem(reply, 401, 'invalid-credentials');
        expect(await sessionCount(user.id, { live: true })).toBe(0);
      },
    );

    it('issues tokens with the role set between check and session', async () => {
      const { user } = await signUpAdmin(suite.app(), http);
      const reply = await overtakenBy(
        user.id,
        { sql: "UPDATE users SET role = 'user' WHERE id = $1" },
        logIn(user),
      );
      expect(reply.status).toBe(200);
      expect(reply.body.user.role).toBe('user');
      expect(decodeJwt(reply.body.access_token as string).role).toBe('user');
    });

    it('never answers 500 when logins and the deletion race freely', async () => {
      for (let round = 0; round < 5; round++) {
        const user = await registerUser(http);
        const { access_token } = await login(http, user);
        const [, ...logins] = await Promise.all([
          http.delete('/api/v1/users/me', {
            token: access_token,
            body: { password: user.password },
          }),
          ...Array.from({ length: 4 }, () =>
            http.post('/api/v1/auth/login', {
              body: { email: user.email, password: user.password },
            }),
          ),
        ]);
        for (const reply of logins) {
          if (reply.status !== 200) expectProblem(reply, 401, 'invalid-credentials');
        }
      }
    });
  });
});
