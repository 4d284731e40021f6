import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import {
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  useApp,
} from './support/app.js';
import { algorithm, claimsOf, decodePart, headerOf, signWithAppKey } from './support/tokens.js';

const AUTH = '/api/v1/auth';
const ME = '/api/v1/users/me';

describe('Auth (e2e)', () => {
  // Strict reuse detection; the grace for racing clients has its own suite (refresh.e2e-spec.ts).
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });

  describe('POST /auth/register', () => {
    it('creates a user with role user, email lower-cased, no password in the answer', async () => {
      const reply = await http.post(`${AUTH}/register`, {
        body: {
          email: '  Grace.Hopper@Example.COM ',
          username: 'Grace_H',
          password: 'cobol is forever',
          name: 'Grace',
        },
      });
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'grace.hopper@example.com',
        username: 'Grace_H',
        name: 'Grace',
        role: 'user',
        isActive: true,
        emailVerified: false,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
      expect(JSON.stringify(reply.body)).not.toMatch(/password|cobol/i);
    });

    it('answers 409 naming the field for a taken email or username, ignoring case', async () => {
      const user = await registerUser(http);
      const sameEmail = await http.post(`${AUTH}/register`, {
        body: {
          email: user.email.toUpperCase(),
          username: 'fresh_name1',
          password: 'long enough pw',
        },
      });
      expectProblem(sameEmail, 409, 'conflict');
      expect(sameEmail.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);

      const sameUsername = await http.post(`${AUTH}/register`, {
        body: {
          email: 'other-address@example.com',
          username: user.username.toUpperCase(),
          password: 'long enough pw',
        },
      });
      expectProblem(sameUsername, 409, 'conflict');
      expect(sameUsername.body.errors).toEqual([expect.objectContaining({ field: 'username' })]);
    });

    it.each([
      ['email', { email: 'not-an-email', username: 'valid_one', password: 'long enough pw' }],
      [
        'email',
        { email: `${'a'.repeat(250)}@x.io`, username: 'valid_one', password: 'long enough pw' },
      ],
      ['username', { email: 'v1@example.com', username: 'ab', password: 'long enough pw' }],
      ['username', { email: 'v1@example.com', username: 'has space', password: 'long enough pw' }],
      [
        'username',
        { email: 'v1@example.com', username: 'x'.repeat(33), password: 'long enough pw' },
      ],
      ['password', { email: 'v1@example.com', username: 'valid_one', password: 'short' }],
      ['password', { email: 'v1@example.com', username: 'valid_one', password: 'é'.repeat(37) }],
      ['password', { email: 'v1@example.com', username: 'valid_one', password: 'V1@EXAMPLE.COM' }],
      ['password', { email: 'v1@example.com', username: 'valid_one_x', password: 'VALID_ONE_X' }],
      ['password', { email: 'v1@example.com', username: 'valid_one', password: 'Password1' }],
      ['password', { email: 'v1@example.com', username: 'valid_one', password: 'qwertyuiop' }],
      [
        'name',
        {
          email: 'v1@example.com',
          username: 'valid_one',
          password: 'long enough pw',
          name: 'n'.repeat(101),
        },
      ],
      [
        'name',
        { email: 'v1@example.com', username: 'valid_one', password: 'long pw!', name: 'a\u0000b' },
      ],
      [
        'name',
        {
          email: 'v1@example.com',
          username: 'valid_one',
          password: 'long pw!',
          name: '😀'.repeat(51),
        },
      ],
      [
        'role',
        {
          email: 'v1@example.com',
          username: 'valid_one',
          password: 'long enough pw',
          role: 'admin',
        },
      ],
      [
        'isAdmin',
        {
          email: 'v1@example.com',
          username: 'valid_one',
          password: 'long enough pw',
          isAdmin: true,
        },
      ],
      [
        'id',
        { email: 'v1@example.com', username: 'valid_one', password: 'long enough pw', id: 'x' },
      ],
    ])('refuses a bad %s with a field error and creates nothing', async (field, body) => {
      const reply = await http.post(`${AUTH}/register`, { body });
      expectFieldError(reply, field);
      const retry = await http.post(`${AUTH}/login`, {
        body: { email: 'v1@example.com', password: 'long enough pw' },
      });
      expectProblem(retry, 401, 'invalid-credentials');
    });

    it('lets exactly one of concurrent duplicate registrations succeed', async () => {
      const body = { email: 'race@example.com', username: 'racer', password: 'long enough pw' };
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          http.post(`${AUTH}/register`, {
            body: i % 2 ? body : { ...body, email: 'RACE@example.com', username: 'RACER' },
          }),
        ),
      );
      expect(replies.map((reply) => reply.status).sort()).toEqual([
        201, 409, 409, 409, 409, 409, 409, 409,
      ]);
      for (const reply of replies.filter((r) => r.status === 409)) {
        expectProblem(reply, 409, 'conflict');
      }
    });

    it('accepts a 72-byte password and refuses 73 bytes (never truncated)', async () => {
      const ok = await registerUser(http, { password: 'p'.repeat(72) });
      await login(http, ok);
      const tooLong = await http.post(`${AUTH}/register`, {
        body: { email: 'long-pw@example.com', username: 'long_pw', password: 'p'.repeat(73) },
      });
      expectFieldError(tooLong, 'password');
    });

    it('answers malformed JSON, a non-object body, a wrong media type and a huge body', async () => {
      await expectBodyRefusals(http, 'POST', `${AUTH}/register`);
      expectProblem(
        await http.post(`${AUTH}/register`, {
          body: '',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'malformed-request',
      );
      expectFieldError(await http.post(`${AUTH}/register`, { body: '"text"' }), 'body');
    });
  });

  describe('POST /auth/login', () => {
    it('logs in by email or username, ignoring case, with the documented token response', async () => {
      const user = await registerUser(http);
      for (const body of [
        { email: user.email.toUpperCase(), password: user.password },
        { username: user.username.toUpperCase(), password: user.password },
      ]) {
        const reply = await http.post(`${AUTH}/login`, { body });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
          access_token: expect.any(String),
          token_type: 'Bearer',
          expires_in: 900,
          expires_at: expect.any(Number),
          refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
          user: expect.objectContaining({ id: user.id, role: 'user' }),
        });
        const now = Math.floor(Date.now() / 1000);
        expect(Math.abs(reply.body.expires_at - (now + 900))).toBeLessThanOrEqual(2);
      }
    });

    it('issues an at+jwt access token with the documented claims', async () => {
      const { user, tokens } = await signUp(http);
      const [header, payload] = [headerOf(tokens.access_token), claimsOf(tokens.access_token)];
      expect(header).toEqual(expect.objectContaining({ alg: algorithm, typ: 'at+jwt' }));
      expect(payload).toEqual({
        iss: 'auth-service',
        aud: 'auth-service-api',
        sub: user.id,
        sid: expect.any(String),
        jti: expect.any(String),
        iat: expect.any(Number),
        exp: payload.iat + 900,
        role: 'user',
        username: user.username,
      });
    });

    it('gives the same 401 for a wrong password and an unknown user', async () => {
      const user = await registerUser(http);
      const wrong = await http.post(`${AUTH}/login`, {
        body: { email: user.email, password: 'not the password' },
      });
      const unknown = await http.post(`${AUTH}/login`, {
        body: { email: 'nobody@example.com', password: 'not the password' },
      });
      expectProblem(wrong, 401, 'invalid-credentials');
      expectProblem(unknown, 401, 'invalid-credentials');
      expect(wrong.body.detail).toBe(unknown.body.detail);
      expect(wrong.headers['www-authenticate']).toBe('Bearer');
    });

    it('refuses text PostgreSQL cannot hold with a field error, not a 500', async () => {
      expectFieldError(
        await http.post(`${AUTH}/login`, {
          body: { email: 'a\u0000@example.com', password: 'whatever1' },
        }),
        'email',
      );
      expectFieldError(
        await http.post(`${AUTH}/login`, {
          body: { username: 'nul\u0000', password: 'whatever1' },
        }),
        'username',
      );
    });

    it('needs exactly one of email and username', async () => {
      expectFieldError(
        await http.post(`${AUTH}/login`, { body: { password: 'whatever1' } }),
        'email',
      );
      expectFieldError(
        await http.post(`${AUTH}/login`, {
          body: { email: 'a@example.com', username: 'abc', password: 'whatever1' },
        }),
        'email',
      );
      expectFieldError(
        await http.post(`${AUTH}/login`, { body: { email: 'a@example.com' } }),
        'password',
      );
    });
  });

  describe('bearer tokens', () => {
    it('accepts Authorization: Bearer and x-access-token; Authorization wins', async () => {
      const { user, tokens } = await signUp(http);
      const bearer = await http.get(ME, { token: tokens.access_token });
      expect(bearer.status).toBe(200);
      expect(bearer.body.id).toBe(user.id);
      const legacy = await http.get(ME, { headers: { 'x-access-token': tokens.access_token } });
      expect(legacy.body.id).toBe(user.id);
      const both = await http.get(ME, {
        token: tokens.access_token,
        headers: { 'x-access-token': 'garbage' },
      });
      expect(both.status).toBe(200);
    });

    it('answers token-missing without a bearer token, for Basic and for an empty Bearer', async () => {
      for (const headers of [
        {},
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer ' },
      ] as Record<string, string>[]) {
        const reply = await http.get(ME, { headers });
        expectProblem(reply, 401, 'token-missing');
        expect(reply.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('answers token-invalid for garbage, a bad signature, a wrong iss/aud/typ/alg or a huge token', async () => {
      const { tokens } = await signUp(http);
      const claims = decodePart(tokens.access_token, 1);
      const foreignKey = new Uint8Array(64).fill(7);
      const forged = [
        'not.a.jwt',
        `${tokens.access_token.slice(0, -4)}AAAA`,
        await signWithAppKey({ ...claims, iss: 'someone-else' }),
        await signWithAppKey({ ...claims, aud: 'another-api' }),
        await signWithAppKey(claims, 'JWT'),
        await signWithAppKey({ ...claims, sub: 'not-a-uuid' }),
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt' })
          .sign(foreignKey),
        `eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.${tokens.access_token.split('.')[1]}.`,
        'a'.repeat(9000),
      ];
      if (algorithm !== 'HS256') {
        // Algorithm confusion: HS256 keyed by the published public key.
        forged.push(
          await new SignJWT(claims)
            .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
            .sign(new TextEncoder().encode(process.env.JWT_PUBLIC_KEY)),
        );
      }
      for (const token of forged) {
        const reply = await http.get(ME, { token });
        expectProblem(reply, 401, 'token-invalid');
        expect(reply.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      }
    });

    it('answers token-expired once exp has passed', async () => {
      const { tokens } = await signUp(http);
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = await signWithAppKey({
        ...decodePart(tokens.access_token, 1),
        iat: past - 900,
        exp: past,
      });
      expectProblem(await http.get(ME, { token: expired }), 401, 'token-expired');
    });

    it('answers token-invalid once the user is gone', async () => {
      const { tokens } = await signUp(http);
      const ghost = await signWithAppKey({
        ...decodePart(tokens.access_token, 1),
        sub: '00000000-0000-4000-8000-000000000000',
      });
      expectProblem(await http.get(ME, { token: ghost }), 401, 'token-invalid');
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair in the same session; the old access token stays valid', async () => {
      const { tokens } = await signUp(http);
      const reply = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.refresh_token).not.toBe(tokens.refresh_token);
      const sid = (token: string) => claimsOf(token).sid;
      expect(sid(reply.body.access_token)).toBe(sid(tokens.access_token));
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
      expect((await http.get(ME, { token: reply.body.access_token })).status).toBe(200);
    });

    it('with the grace off, treats a second use as reuse: 401 and the whole session is revoked', async () => {
      const { tokens } = await signUp(http);
      const first = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(first.status).toBe(200);
      const reuse = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expectProblem(reuse, 401, 'refresh-token-invalid');
      expectProblem(await http.get(ME, { token: first.body.access_token }), 401, 'token-revoked');
      expectProblem(await http.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: first.body.refresh_token } }),
        401,
        'refresh-token-invalid',
      );
    });

    it('with the grace off, lets exactly one of concurrent refreshes of one token win', async () => {
      const { tokens } = await signUp(http);
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          http.post(`${AUTH}/refresh`, { body: { refresh_token: tokens.refresh_token } }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    });

    it('refuses an unknown token and a missing one', async () => {
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: 'x'.repeat(43) } }),
        401,
        'refresh-token-invalid',
      );
      expectFieldError(await http.post(`${AUTH}/refresh`, { body: {} }), 'refresh_token');
      expectFieldError(
        await http.post(`${AUTH}/refresh`, { body: { refreshToken: 'camel' } }),
        'refreshToken',
      );
    });
  });

  describe('POST /auth/logout', () => {
    it('local: this session and this access token stop working; others go on', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      const reply = await http.post(`${AUTH}/logout`, { token: a.access_token });
      expect(reply.status).toBe(204);
      expectProblem(await http.get(ME, { token: a.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: a.refresh_token } }),
        401,
        'refresh-token-invalid',
      );
      expect((await http.get(ME, { token: b.access_token })).status).toBe(200);
    });

    it('global: every session and access token of the user', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      expect(
        (await http.post(`${AUTH}/logout`, { token: a.access_token, query: { scope: 'global' } }))
          .status,
      ).toBe(204);
      for (const tokens of [a, b]) {
        expectProblem(await http.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
        expectProblem(
          await http.post(`${AUTH}/refresh`, { body: { refresh_token: tokens.refresh_token } }),
          401,
          'refresh-token-invalid',
        );
      }
      expect((await http.get(ME, { token: (await login(http, user)).access_token })).status).toBe(
        200,
      );
    });

    it('others: every session but this one', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      expect(
        (await http.post(`${AUTH}/logout`, { token: a.access_token, query: { scope: 'others' } }))
          .status,
      ).toBe(204);
      expect((await http.get(ME, { token: a.access_token })).status).toBe(200);
      expectProblem(await http.get(ME, { token: b.access_token }), 401, 'token-revoked');
    });

    it('refuses an unknown scope and needs a token', async () => {
      const { tokens } = await signUp(http);
      expectFieldError(
        await http.post(`${AUTH}/logout`, { token: tokens.access_token, query: { scope: 'all' } }),
        'scope',
      );
      expectProblem(await http.post(`${AUTH}/logout`), 401, 'token-missing');
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
    });
  });

  describe('POST /auth/password', () => {
    it('changes the password, keeps this session and revokes the others', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      const reply = await http.post(`${AUTH}/password`, {
        token: a.access_token,
        body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
      });
      expect(reply.status).toBe(204);
      expect((await http.get(ME, { token: a.access_token })).status).toBe(200);
      expectProblem(await http.get(ME, { token: b.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } }),
        401,
        'invalid-credentials',
      );
      await login(http, { email: user.email, password: 'a brand new passphrase' });
    });

    it('answers a wrong currentPassword with a field error and keeps the session', async () => {
      const { user, tokens } = await signUp(http);
      const reply = await http.post(`${AUTH}/password`, {
        token: tokens.access_token,
        body: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
      });
      expectFieldError(reply, 'currentPassword');
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
      await login(http, user);
    });

    it('applies the password rules to newPassword', async () => {
      const { user, tokens } = await signUp(http);
      for (const newPassword of [
        'short',
        'q'.repeat(73),
        user.username.toUpperCase(),
        'football',
      ]) {
        expectFieldError(
          await http.post(`${AUTH}/password`, {
            token: tokens.access_token,
            body: { currentPassword: user.password, newPassword },
          }),
          'newPassword',
        );
      }
      expectProblem(
        await http.post(`${AUTH}/password`, { body: { currentPassword: 'a', newPassword: 'b' } }),
        401,
        'token-missing',
      );
    });
  });

  describe('sessions', () => {
    it('lists active sessions, newest first, marking the current one', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await http.post(`${AUTH}/login`, {
        body: { email: user.email, password: user.password },
        headers: { 'user-agent': 'second-device/1.0' },
      });
      const revoked = await login(http, user);
      await http.post(`${AUTH}/logout`, { token: revoked.access_token });

      const reply = await http.get(`${AUTH}/sessions`, { token: a.access_token });
      expect(reply.status).toBe(200);
      expect(reply.body).toHaveLength(2);
      expect(reply.body[0]).toEqual({
        id: expect.any(String),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
        userAgent: 'second-device/1.0',
        ip: expect.any(String),
        current: false,
      });
      expect(reply.body[1].current).toBe(true);
      expect(b.status).toBe(200);
    });

    it("revokes one of the caller's sessions; another user's is 404", async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      const stranger = await signUp(http);
      const sessions = await http.get(`${AUTH}/sessions`, { token: a.access_token });
      const other = sessions.body.find((s: { current: boolean }) => !s.current);

      expectProblem(
        await http.delete(`${AUTH}/sessions/${other.id}`, { token: stranger.tokens.access_token }),
        404,
        'not-found',
      );
      expect((await http.get(ME, { token: b.access_token })).status).toBe(200);

      const reply = await http.delete(`${AUTH}/sessions/${other.id}`, { token: a.access_token });
      expect(reply.status).toBe(204);
      expectProblem(await http.get(ME, { token: b.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.delete(`${AUTH}/sessions/${other.id}`, { token: a.access_token }),
        404,
        'not-found',
      );
      expectFieldError(
        await http.delete(`${AUTH}/sessions/not-a-uuid`, { token: a.access_token }),
        'id',
      );
    });
  });

  describe('POST /auth/introspect', () => {
    it('describes a live access token', async () => {
      const { user, tokens } = await signUp(http);
      const reply = await http.post(`${AUTH}/introspect`, { body: { token: tokens.access_token } });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        active: true,
        sub: user.id,
        username: user.username,
        role: 'user',
        sid: expect.any(String),
        jti: expect.any(String),
        iat: expect.any(Number),
        exp: expect.any(Number),
        token_type: 'access_token',
      });
    });

    it('answers active:false for garbage, a refresh token and a revoked token', async () => {
      const { tokens } = await signUp(http);
      await http.post(`${AUTH}/logout`, { token: tokens.access_token });
      for (const token of [
        'garbage',
        tokens.refresh_token,
        tokens.access_token,
        'x'.repeat(9000),
      ]) {
        const reply = await http.post(`${AUTH}/introspect`, { body: { token } });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ active: false });
      }
    });

    it('needs a token', async () => {
      expectFieldError(await http.post(`${AUTH}/introspect`, { body: {} }), 'token');
      expectFieldError(await http.post(`${AUTH}/introspect`, { body: { token: 42 } }), 'token');
    });
  });
});
