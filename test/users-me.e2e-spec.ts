import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  signUpAdmin,
  useApp,
  expectSessionRefused,
} from './support/app.js';
import { claimsOf } from './support/tokens.js';
import { BearerLookup } from '../src/bearer/bearer-lookup.repository.js';

const AUTH = '/api/v1/auth';
const USERS = '/api/v1/users';
const ME = `${USERS}/me`;

describe('Users (e2e)', () => {
  // Most rules here depend on how many active admins exist: every test starts from none.
  const suite = useApp({}, { resetBeforeEach: true });
  const { http } = suite;

  describe('GET /users/me', () => {
    it('answers the caller, without any password', async () => {
      const { user, tokens } = await signUp(http);
      const reply = await http.get(ME, { token: tokens.access_token });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        id: user.id,
        email: user.email,
        username: user.username,
        name: null,
        role: 'user',
        isActive: true,
        emailVerified: false,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
      expect(JSON.stringify(reply.body)).not.toMatch(/password/i);
    });

    it('needs a token', async () => {
      expectProblem(await http.get(ME), 401, 'token-missing');
    });

    it("hands handlers the caller's account frozen, so none can edit what memory keeps", async () => {
      const { tokens } = await signUp(http);
      const { sub, sid, jti } = claimsOf(tokens.access_token);
      const { user } = await suite.app().get(BearerLookup).find({ sub, sid, jti });
      expect(user?.id).toBe(sub);
      expect(Object.isFrozen(user)).toBe(true);
    });
  });

  describe('PATCH /users/me', () => {
    it('changes the name and the username; the new username logs in', async () => {
      const { user, tokens } = await signUp(http);
      // Read first, so that the caller's view is remembered before it changes.
      expect((await http.get(ME, { token: tokens.access_token })).body.username).toBe(
        user.username,
      );
      const reply = await http.patch(ME, {
        token: tokens.access_token,
        body: { name: 'Ada Lovelace', username: 'Ada.Lovelace' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(
        expect.objectContaining({
          id: user.id,
          email: user.email,
          name: 'Ada Lovelace',
          username: 'Ada.Lovelace',
          role: 'user',
        }),
      );
      expect((await http.get(ME, { token: tokens.access_token })).body.username).toBe(
        'Ada.Lovelace',
      );
      const byUsername = await http.post(`${AUTH}/login`, {
        body: { username: 'ada.lovelace', password: user.password },
      });
      expect(byUsername.status).toBe(200);
    });

    it('clears the name with null and keeps what was not sent', async () => {
      const { user, tokens } = await signUp(http);
      await http.patch(ME, { token: tokens.access_token, body: { name: 'Someone' } });
      const reply = await http.patch(ME, { token: tokens.access_token, body: { name: null } });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(expect.objectContaining({ name: null, username: user.username }));
    });

    it("answers 409 naming username for another user's username, ignoring case", async () => {
      const other = await registerUser(http);
      const { user, tokens } = await signUp(http);
      const reply = await http.patch(ME, {
        token: tokens.access_token,
        body: { username: other.username.toUpperCase() },
      });
      expectProblem(reply, 409, 'conflict');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'username' })]);
      expect((await http.get(ME, { token: tokens.access_token })).body.username).toBe(
        user.username,
      );

      const ownInOtherCase = await http.patch(ME, {
        token: tokens.access_token,
        body: { username: user.username.toUpperCase() },
      });
      expect(ownInOtherCase.status).toBe(200);
    });

    it.each([
      ['body', {}],
      ['username', { username: 'no spaces allowed' }],
      ['username', { username: 'ab' }],
      ['username', { username: null }],
      ['name', { name: 'n'.repeat(101) }],
      ['name', { name: 42 }],
      ['role', { role: 'admin' }],
      ['isActive', { isActive: false }],
      ['email', { email: 'new@example.com' }],
      ['password', { password: 'a new password' }],
      ['id', { id: randomUUID() }],
    ])('refuses a bad or undocumented %s with 400 and changes nothing', async (field, body) => {
      const { user, tokens } = await signUp(http);
      expectFieldError(await http.patch(ME, { token: tokens.access_token, body }), field);
      const me = await http.get(ME, { token: tokens.access_token });
      expect(me.body).toEqual(
        expect.objectContaining({ role: 'user', isActive: true, email: user.email, name: null }),
      );
    });

    it('answers malformed JSON and needs a token', async () => {
      const { tokens } = await signUp(http);
      await expectBodyRefusals(http, 'PATCH', ME, tokens.access_token);
      expectProblem(await http.patch(ME, { body: { name: 'x' } }), 401, 'token-missing');
    });
  });

  describe('DELETE /users/me', () => {
    it('removes the user, their sessions and templates; their tokens are refused from then on', async () => {
      const admin = await signUpAdmin(suite.app(), http);
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      const template = await http.post('/api/v1/templates', {
        token: a.access_token,
        body: { name: 'mine', content: 'gone with me' },
      });
      expect(template.status).toBe(201);

      const reply = await http.delete(ME, {
        token: a.access_token,
        body: { password: user.password },
      });
      expect(reply.status).toBe(204);
      expect(reply.body).toBe('');

      for (const tokens of [a, b]) await expectSessionRefused(http, tokens, 'token-invalid');
      expectProblem(
        await http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } }),
        401,
        'invalid-credentials',
      );
      expectProblem(
        await http.get(`${USERS}/${user.id}`, { token: admin.tokens.access_token }),
        404,
        'not-found',
      );
      const sessions: unknown[] = await suite
        .app()
        .get(DataSource)
        .query('SELECT id FROM sessions WHERE user_id = $1', [user.id]);
      expect(sessions).toEqual([]);
      const templates: unknown[] = await suite
        .app()
        .get(DataSource)
        .query('SELECT id FROM templates WHERE owner_id = $1', [user.id]);
      expect(templates).toEqual([]);
    });

    it('answers a wrong or missing password with a field error and keeps the account', async () => {
      const { user, tokens } = await signUp(http);
      expectFieldError(
        await http.delete(ME, { token: tokens.access_token, body: { password: 'not mine!' } }),
        'password',
      );
      expectFieldError(await http.delete(ME, { token: tokens.access_token, body: {} }), 'password');
      expectFieldError(await http.delete(ME, { token: tokens.access_token }), 'password');
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
      await login(http, user);
    });

    it('needs a token', async () => {
      expectProblem(
        await http.delete(ME, { body: { password: 'whatever1' } }),
        401,
        'token-missing',
      );
    });
  });

  describe('GET /users/me/message', () => {
    it('welcomes a user with limited access', async () => {
      const { user, tokens } = await signUp(http);
      const reply = await http.get(`${ME}/message`, { token: tokens.access_token });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        message: `Welcome, ${user.username}! You have limited access.`,
        role: 'user',
      });
    });

    it('welcomes an admin with full access', async () => {
      const { user, tokens } = await signUpAdmin(suite.app(), http);
      const reply = await http.get(`${ME}/message`, { token: tokens.access_token });
      expect(reply.body).toEqual({
        message: `Welcome, ${user.username}! You have full access.`,
        role: 'admin',
      });
    });

    it('needs a token', async () => {
      expectProblem(await http.get(`${ME}/message`), 401, 'token-missing');
    });
  });
});
