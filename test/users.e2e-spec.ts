import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Problem } from '../src/common/errors/problem.js';
import { Role } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import {
  createAdmin,
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  Http,
  login,
  registerUser,
  resetDatabase,
  signUp,
  signUpAdmin,
  startApp,
  type Tokens,
} from './support/app.js';
import { claimsOf } from './support/tokens.js';

const AUTH = '/api/v1/auth';
const USERS = '/api/v1/users';
const ME = `${USERS}/me`;

describe('Users (e2e)', () => {
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    app = await startApp();
    http = new Http(app);
  });

  // Most rules here depend on how many active admins exist: every test starts from none.
  beforeEach(async () => {
    await resetDatabase(app);
  });

  afterAll(async () => {
    await app.close();
  });

  async function activeAdminIds(): Promise<string[]> {
    const rows: { id: string }[] = await app
      .get(DataSource)
      .query(`SELECT id FROM users WHERE role = 'admin' AND is_active`);
    return rows.map((row) => row.id);
  }

  async function expectRefused(tokens: Tokens, type: string) {
    expectProblem(await http.get(ME, { token: tokens.access_token }), 401, type);
    expectProblem(
      await http.post(`${AUTH}/refresh`, { body: { refresh_token: tokens.refresh_token } }),
      401,
      'refresh-token-invalid',
    );
  }

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
  });

  describe('PATCH /users/me', () => {
    it('changes the name and the username; the new username logs in', async () => {
      const { user, tokens } = await signUp(http);
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
      const admin = await signUpAdmin(app, http);
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

      for (const tokens of [a, b]) await expectRefused(tokens, 'token-invalid');
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
      const sessions: unknown[] = await app
        .get(DataSource)
        .query('SELECT id FROM sessions WHERE user_id = $1', [user.id]);
      expect(sessions).toEqual([]);
      const templates: unknown[] = await app
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
      const { user, tokens } = await signUpAdmin(app, http);
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

  describe('admin routes', () => {
    const adminRoutes = (id: string) =>
      [
        ['GET', USERS, undefined],
        ['GET', `${USERS}/${id}`, undefined],
        ['PATCH', `${USERS}/${id}`, { role: 'admin' }],
        ['PATCH', `${USERS}/${id}`, { isActive: false }],
        ['DELETE', `${USERS}/${id}`, undefined],
      ] as const;

    it('answers 403 forbidden to a plain user on every admin route, and changes nothing', async () => {
      await createAdmin(app);
      const { user, tokens } = await signUp(http);
      const other = await registerUser(http);
      for (const id of [user.id, other.id]) {
        for (const [method, url, body] of adminRoutes(id)) {
          const reply = await http.request(method, url, { token: tokens.access_token, body });
          expectProblem(reply, 403, 'forbidden');
        }
      }
      const me = await http.get(ME, { token: tokens.access_token });
      expect(me.body).toEqual(expect.objectContaining({ role: 'user', isActive: true }));
      await login(http, other);
    });

    it('answers 401 without a token on every admin route', async () => {
      for (const [method, url, body] of adminRoutes(randomUUID())) {
        expectProblem(await http.request(method, url, { body }), 401, 'token-missing');
      }
    });

    it('goes by the current role: a token issued to an admin stops working as one at demotion', async () => {
      const first = await signUpAdmin(app, http);
      const second = await signUpAdmin(app, http);
      expect(claimsOf(second.tokens.access_token).role).toBe('admin');
      await http.patch(`${USERS}/${second.user.id}`, {
        token: first.tokens.access_token,
        body: { role: 'user' },
      });
      const reply = await http.get(USERS, { token: second.tokens.access_token });
      expect(reply.status).toBe(401);
      const relogged = await login(http, second.user);
      expectProblem(await http.get(USERS, { token: relogged.access_token }), 403, 'forbidden');
    });
  });

  describe('GET /users', () => {
    it('lists every user newest first, paginated', async () => {
      const admin = await signUpAdmin(app, http);
      const created = [];
      for (let i = 0; i < 5; i++) created.push(await registerUser(http));
      const newestFirst = [...created.reverse().map((u) => u.id), admin.user.id];

      const all = await http.get(USERS, { token: admin.tokens.access_token });
      expect(all.status).toBe(200);
      expect(all.body.meta).toEqual({ page: 1, limit: 20, total: 6, totalPages: 1 });
      expect(all.body.data.map((u: { id: string }) => u.id)).toEqual(newestFirst);
      expect(all.body.data[0]).toEqual({
        id: created[0].id,
        email: created[0].email,
        username: created[0].username,
        name: null,
        role: 'user',
        isActive: true,
        emailVerified: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(all.body)).not.toMatch(/password/i);

      const second = await http.get(USERS, {
        token: admin.tokens.access_token,
        query: { page: '2', limit: '4', unknown: 'ignored' },
      });
      expect(second.status).toBe(200);
      expect(second.body.meta).toEqual({ page: 2, limit: 4, total: 6, totalPages: 2 });
      expect(second.body.data.map((u: { id: string }) => u.id)).toEqual(newestFirst.slice(4));

      const past = await http.get(USERS, {
        token: admin.tokens.access_token,
        query: { page: '3', limit: '4' },
      });
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ data: [], meta: { page: 3, limit: 4, total: 6, totalPages: 2 } });
    });

    it.each([
      ['page', { page: '0' }],
      ['page', { page: 'two' }],
      ['page', { page: '1.5' }],
      ['limit', { limit: '0' }],
      ['limit', { limit: '101' }],
    ])('refuses a bad %s with 400', async (field, query) => {
      const admin = await signUpAdmin(app, http);
      expectFieldError(await http.get(USERS, { token: admin.tokens.access_token, query }), field);
    });

    it('accepts the largest page size', async () => {
      const admin = await signUpAdmin(app, http);
      const reply = await http.get(USERS, {
        token: admin.tokens.access_token,
        query: { limit: '100' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.meta.limit).toBe(100);
    });

    it('filters by a case-insensitive part of the email or username, % and _ taken literally', async () => {
      const admin = await signUpAdmin(app, http);
      const percent = await registerUser(http, {
        email: 'per%cent@example.org',
        username: 'percent_one',
      });
      await registerUser(http, { email: 'perXcent@example.org', username: 'percentXtwo' });
      const underscore = await registerUser(http, {
        email: 'plain1@example.net',
        username: 'under_score',
      });
      await registerUser(http, { email: 'plain2@example.net', username: 'underXscore' });

      const search = async (q: string) => {
        const reply = await http.get(USERS, { token: admin.tokens.access_token, query: { q } });
        expect(reply.status).toBe(200);
        expect(reply.body.meta.total).toBe(reply.body.data.length);
        return reply.body.data.map((u: { username: string }) => u.username).sort();
      };

      expect(await search('r%c')).toEqual([percent.username]);
      expect(await search('r_s')).toEqual([underscore.username]);
      expect(await search('EXAMPLE.ORG')).toEqual(['percentXtwo', 'percent_one']);
      expect(await search('UNDER')).toEqual(['underXscore', 'under_score']);
      // Unescaped, "_" would also match the "two" of percentXtwo.
      expect(await search('t_o')).toEqual([percent.username]);
      expect(await search('\\')).toEqual([]);
      expect(await search('%')).toEqual([percent.username]);
    });
  });

  describe('GET /users/:id', () => {
    it('answers one user, 404 for an unknown id and 400 for a malformed one', async () => {
      const admin = await signUpAdmin(app, http);
      const user = await registerUser(http);
      const reply = await http.get(`${USERS}/${user.id}`, { token: admin.tokens.access_token });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(
        expect.objectContaining({ id: user.id, email: user.email, role: 'user' }),
      );
      expectProblem(
        await http.get(`${USERS}/${randomUUID()}`, { token: admin.tokens.access_token }),
        404,
        'not-found',
      );
      expectFieldError(
        await http.get(`${USERS}/not-a-uuid`, { token: admin.tokens.access_token }),
        'id',
      );
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes a name without ending any session', async () => {
      const admin = await signUpAdmin(app, http);
      const { user, tokens } = await signUp(http);
      const reply = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { name: 'Renamed' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(
        expect.objectContaining({ id: user.id, name: 'Renamed', role: 'user', isActive: true }),
      );
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
    });

    it('promotes a user and revokes their sessions and tokens at once', async () => {
      const admin = await signUpAdmin(app, http);
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);

      const reply = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'admin' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.role).toBe('admin');
      for (const tokens of [a, b]) await expectRefused(tokens, 'token-revoked');

      const fresh = await login(http, user);
      expect(claimsOf(fresh.access_token).role).toBe('admin');
      expect((await http.get(USERS, { token: fresh.access_token })).status).toBe(200);
      expect((await http.get(ME, { token: admin.tokens.access_token })).status).toBe(200);
    });

    it('demotes an admin and revokes their sessions and tokens at once', async () => {
      const admin = await signUpAdmin(app, http);
      const other = await signUpAdmin(app, http);

      const reply = await http.patch(`${USERS}/${other.user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'user' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.role).toBe('user');
      await expectRefused(other.tokens, 'token-revoked');
      const fresh = await login(http, other.user);
      expect(claimsOf(fresh.access_token).role).toBe('user');
      expectProblem(await http.get(USERS, { token: fresh.access_token }), 403, 'forbidden');
    });

    it('deactivates a user: tokens revoked, login refused; reactivation lets them log in', async () => {
      const admin = await signUpAdmin(app, http);
      const { user, tokens } = await signUp(http);

      const off = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { isActive: false },
      });
      expect(off.status).toBe(200);
      expect(off.body.isActive).toBe(false);
      await expectRefused(tokens, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } }),
        401,
        'invalid-credentials',
      );

      const on = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { isActive: true },
      });
      expect(on.body.isActive).toBe(true);
      await expectRefused(tokens, 'token-revoked');
      expect((await http.get(ME, { token: (await login(http, user)).access_token })).status).toBe(
        200,
      );
    });

    it('keeps the sessions when the role sent is the current one', async () => {
      const admin = await signUpAdmin(app, http);
      const { user, tokens } = await signUp(http);
      const reply = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'user', isActive: true },
      });
      expect(reply.status).toBe(200);
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
    });

    it.each([
      ['body', {}],
      ['role', { role: 'superuser' }],
      ['role', { role: null }],
      ['isActive', { isActive: 'false' }],
      ['isActive', { isActive: null }],
      ['name', { name: 'n'.repeat(101) }],
      ['email', { email: 'x@example.com' }],
      ['username', { username: 'renamed' }],
      ['password', { password: 'a new password' }],
      ['id', { id: randomUUID() }],
    ])('refuses a bad or undocumented %s with 400 and changes nothing', async (field, body) => {
      const admin = await signUpAdmin(app, http);
      const { user, tokens } = await signUp(http);
      expectFieldError(
        await http.patch(`${USERS}/${user.id}`, { token: admin.tokens.access_token, body }),
        field,
      );
      const reply = await http.get(`${USERS}/${user.id}`, { token: admin.tokens.access_token });
      expect(reply.body).toEqual(
        expect.objectContaining({ role: 'user', isActive: true, name: null, email: user.email }),
      );
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const admin = await signUpAdmin(app, http);
      expectProblem(
        await http.patch(`${USERS}/${randomUUID()}`, {
          token: admin.tokens.access_token,
          body: { name: 'x' },
        }),
        404,
        'not-found',
      );
      expectFieldError(
        await http.patch(`${USERS}/12345`, {
          token: admin.tokens.access_token,
          body: { name: 'x' },
        }),
        'id',
      );
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes a user; their tokens answer token-invalid (user gone)', async () => {
      const admin = await signUpAdmin(app, http);
      const { user, tokens } = await signUp(http);
      const reply = await http.delete(`${USERS}/${user.id}`, { token: admin.tokens.access_token });
      expect(reply.status).toBe(204);
      await expectRefused(tokens, 'token-invalid');
      expectProblem(
        await http.get(`${USERS}/${user.id}`, { token: admin.tokens.access_token }),
        404,
        'not-found',
      );
      expectProblem(
        await http.delete(`${USERS}/${user.id}`, { token: admin.tokens.access_token }),
        404,
        'not-found',
      );
    });

    it('lets an admin delete another admin', async () => {
      const admin = await signUpAdmin(app, http);
      const other = await signUpAdmin(app, http);
      const reply = await http.delete(`${USERS}/${other.user.id}`, {
        token: admin.tokens.access_token,
      });
      expect(reply.status).toBe(204);
      expect(await activeAdminIds()).toEqual([admin.user.id]);
    });

    it('answers 400 for a malformed id', async () => {
      const admin = await signUpAdmin(app, http);
      expectFieldError(
        await http.delete(`${USERS}/not-a-uuid`, { token: admin.tokens.access_token }),
        'id',
      );
    });
  });

  describe('the last active admin', () => {
    async function expectStillTheAdmin(admin: Awaited<ReturnType<typeof signUpAdmin>>) {
      expect(await activeAdminIds()).toEqual([admin.user.id]);
      expect((await http.get(USERS, { token: admin.tokens.access_token })).status).toBe(200);
    }

    it('cannot be demoted, deactivated or deleted by any route (409)', async () => {
      const admin = await signUpAdmin(app, http);
      const token = admin.tokens.access_token;
      const url = `${USERS}/${admin.user.id}`;
      for (const body of [
        { role: 'user' },
        { isActive: false },
        { role: 'user', isActive: false },
      ]) {
        expectProblem(await http.patch(url, { token, body }), 409, 'conflict');
      }
      expectProblem(await http.delete(url, { token }), 409, 'conflict');
      expectProblem(
        await http.delete(ME, { token, body: { password: admin.user.password } }),
        409,
        'conflict',
      );
      await expectStillTheAdmin(admin);
    });

    it('counts only active admins: an inactive admin does not stand in', async () => {
      const admin = await signUpAdmin(app, http);
      const dormant = await createAdmin(app);
      const off = await http.patch(`${USERS}/${dormant.id}`, {
        token: admin.tokens.access_token,
        body: { isActive: false },
      });
      expect(off.status).toBe(200);
      expectProblem(
        await http.patch(`${USERS}/${admin.user.id}`, {
          token: admin.tokens.access_token,
          body: { role: 'user' },
        }),
        409,
        'conflict',
      );
      // The inactive admin itself may go: it is not an active admin.
      const removed = await http.delete(`${USERS}/${dormant.id}`, {
        token: admin.tokens.access_token,
      });
      expect(removed.status).toBe(204);
      await expectStillTheAdmin(admin);
    });

    it('may still change their own name', async () => {
      const admin = await signUpAdmin(app, http);
      const reply = await http.patch(`${USERS}/${admin.user.id}`, {
        token: admin.tokens.access_token,
        body: { name: 'Root', role: 'admin', isActive: true },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(expect.objectContaining({ name: 'Root', role: 'admin' }));
      await expectStillTheAdmin(admin);
    });

    it('may step down or leave once another active admin exists', async () => {
      const first = await signUpAdmin(app, http);
      const second = await signUpAdmin(app, http);
      const down = await http.patch(`${USERS}/${first.user.id}`, {
        token: first.tokens.access_token,
        body: { role: 'user' },
      });
      expect(down.status).toBe(200);
      // Stepping down revokes the caller's own sessions too.
      expectProblem(await http.get(ME, { token: first.tokens.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.delete(ME, {
          token: second.tokens.access_token,
          body: { password: second.user.password },
        }),
        409,
        'conflict',
      );
      await expectStillTheAdmin(second);
    });

    describe('under concurrency', () => {
      type Action = (id: string) => [method: 'PATCH' | 'DELETE', url: string, body?: object];
      const actions: [string, Action][] = [
        ['demote', (id) => ['PATCH', `${USERS}/${id}`, { role: 'user' }]],
        ['deactivate', (id) => ['PATCH', `${USERS}/${id}`, { isActive: false }]],
        ['delete', (id) => ['DELETE', `${USERS}/${id}`]],
      ];

      it.each(actions)(
        'keeps an active admin when two admins %s each other at the same moment',
        async (_, action) => {
          for (let round = 0; round < 5; round++) {
            await resetDatabase(app);
            const a = await signUpAdmin(app, http);
            const b = await signUpAdmin(app, http);
            const [first, second] = await Promise.all(
              [
                [a, b],
                [b, a],
              ].map(([caller, target]) => {
                const [method, url, body] = action(target.user.id);
                return http.request(method, url, { token: caller.tokens.access_token, body });
              }),
            );
            const statuses = [first.status, second.status].sort();
            // One wins; the other is refused as the last admin (409), or, if the winner
            // committed before it was authenticated, for no longer being an admin (401/403).
            expect(statuses[0]).toBeLessThan(300);
            expect([401, 403, 409]).toContain(statuses[1]);
            expect(await activeAdminIds()).toHaveLength(1);
          }
        },
      );

      it('decides inside the transaction: concurrent demotions past the HTTP checks leave one admin', async () => {
        const users = app.get(UsersService);
        for (let round = 0; round < 5; round++) {
          await resetDatabase(app);
          const a = await createAdmin(app);
          const b = await createAdmin(app);
          const results = await Promise.allSettled([
            users.update(a.id, { role: Role.User }),
            users.update(b.id, { role: Role.User }),
          ]);
          const refused = results.filter((r) => r.status === 'rejected');
          expect(refused).toHaveLength(1);
          expect(refused[0].reason).toMatchObject({
            problem: Problem.Conflict,
          });
          expect(await activeAdminIds()).toHaveLength(1);
        }
      });
    });
  });
});
