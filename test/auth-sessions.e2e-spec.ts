import { describe, expect, it } from '@jest/globals';
import {
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  useApp,
} from './support/app.js';

const AUTH = '/api/v1/auth';
const ME = '/api/v1/users/me';

describe('Auth (e2e)', () => {
  // Strict reuse detection; the grace for racing clients has its own suite (refresh.e2e-spec.ts).
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });

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
