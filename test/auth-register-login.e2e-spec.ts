import { describe, expect, it } from '@jest/globals';
import {
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  useApp,
} from './support/app.js';
import { algorithm, claimsOf, headerOf } from './support/tokens.js';

const AUTH = '/api/v1/auth';

describe('Auth (e2e)', () => {
  // Strict reuse detection; the grace for racing clients has its own suite (refresh.e2e-spec.ts).
  // Lockout off: the refusal cases below retry one login name far more than 10 times (lockout has
  // its own spec, lockout.e2e-spec.ts).
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '0', LOCKOUT_THRESHOLD: '0' });

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
        amr: ['pwd'],
        aal: 'aal1',
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
});
