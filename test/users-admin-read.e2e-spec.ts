import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  createAdmin,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  signUpAdmin,
  useApp,
} from './support/app.js';
import { claimsOf } from './support/tokens.js';

const USERS = '/api/v1/users';
const ME = `${USERS}/me`;

describe('Users (e2e)', () => {
  // Most rules here depend on how many active admins exist: every test starts from none.
  const suite = useApp({}, { resetBeforeEach: true });
  const { http } = suite;

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
      await createAdmin(suite.app());
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
      const first = await signUpAdmin(suite.app(), http);
      const second = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
      expectFieldError(await http.get(USERS, { token: admin.tokens.access_token, query }), field);
    });

    it('accepts the largest page size', async () => {
      const admin = await signUpAdmin(suite.app(), http);
      const reply = await http.get(USERS, {
        token: admin.tokens.access_token,
        query: { limit: '100' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.meta.limit).toBe(100);
    });

    it('filters by a case-insensitive part of the email or username, % and _ taken literally', async () => {
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
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
});
