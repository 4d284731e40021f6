import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Problem } from '../src/common/errors/problem.js';
import { NO_CLIENT } from '../src/common/principal/client-info.js';
import {
  type AccessTokenClaims,
  type AuthenticatedUser,
  type Principal,
  Role,
} from '../src/common/principal/principal.js';
import { UsersService } from '../src/users/users.service.js';
import {
  createAdmin,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  resetDatabase,
  signUp,
  signUpAdmin,
  useApp,
  expectSessionRefused,
} from './support/app.js';
import { claimsOf } from './support/tokens.js';

const AUTH = '/api/v1/auth';
const USERS = '/api/v1/users';
const ME = `${USERS}/me`;

/** An admin acting through the service itself, past the HTTP guards. */
const asAdmin = (admin: { id: string }): AuthenticatedUser => ({
  user: { id: admin.id, role: Role.Admin } as Principal,
  token: { sub: admin.id, sid: randomUUID() } as AccessTokenClaims,
});

describe('Users (e2e)', () => {
  // Most rules here depend on how many active admins exist: every test starts from none.
  const suite = useApp({}, { resetBeforeEach: true });
  const { http } = suite;

  async function activeAdminIds(): Promise<string[]> {
    const rows: { id: string }[] = await suite
      .app()
      .get(DataSource)
      .query(`SELECT id FROM users WHERE role = 'admin' AND is_active`);
    return rows.map((row) => row.id);
  }

  describe('PATCH /users/:id', () => {
    it('changes a name without ending any session', async () => {
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);

      const reply = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'admin' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.role).toBe('admin');
      for (const tokens of [a, b]) await expectSessionRefused(http, tokens, 'token-revoked');

      const fresh = await login(http, user);
      expect(claimsOf(fresh.access_token).role).toBe('admin');
      expect((await http.get(USERS, { token: fresh.access_token })).status).toBe(200);
      expect((await http.get(ME, { token: admin.tokens.access_token })).status).toBe(200);
    });

    it('demotes an admin and revokes their sessions and tokens at once', async () => {
      const admin = await signUpAdmin(suite.app(), http);
      const other = await signUpAdmin(suite.app(), http);

      const reply = await http.patch(`${USERS}/${other.user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'user' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.role).toBe('user');
      await expectSessionRefused(http, other.tokens, 'token-revoked');
      const fresh = await login(http, other.user);
      expect(claimsOf(fresh.access_token).role).toBe('user');
      expectProblem(await http.get(USERS, { token: fresh.access_token }), 403, 'forbidden');
    });

    it('deactivates a user: tokens revoked, login refused; reactivation lets them log in', async () => {
      const admin = await signUpAdmin(suite.app(), http);
      const { user, tokens } = await signUp(http);

      const off = await http.patch(`${USERS}/${user.id}`, {
        token: admin.tokens.access_token,
        body: { isActive: false },
      });
      expect(off.status).toBe(200);
      expect(off.body.isActive).toBe(false);
      await expectSessionRefused(http, tokens, 'token-revoked');
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
      await expectSessionRefused(http, tokens, 'token-revoked');
      expect((await http.get(ME, { token: (await login(http, user)).access_token })).status).toBe(
        200,
      );
    });

    it('keeps the sessions when the role sent is the current one', async () => {
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
      const { user, tokens } = await signUp(http);
      const reply = await http.delete(`${USERS}/${user.id}`, { token: admin.tokens.access_token });
      expect(reply.status).toBe(204);
      await expectSessionRefused(http, tokens, 'token-invalid');
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
      const admin = await signUpAdmin(suite.app(), http);
      const other = await signUpAdmin(suite.app(), http);
      const reply = await http.delete(`${USERS}/${other.user.id}`, {
        token: admin.tokens.access_token,
      });
      expect(reply.status).toBe(204);
      expect(await activeAdminIds()).toEqual([admin.user.id]);
    });

    it('answers 400 for a malformed id', async () => {
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
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
      const admin = await signUpAdmin(suite.app(), http);
      const dormant = await createAdmin(suite.app());
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
      const admin = await signUpAdmin(suite.app(), http);
      const reply = await http.patch(`${USERS}/${admin.user.id}`, {
        token: admin.tokens.access_token,
        body: { name: 'Root', role: 'admin', isActive: true },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(expect.objectContaining({ name: 'Root', role: 'admin' }));
      await expectStillTheAdmin(admin);
    });

    it('may step down or leave once another active admin exists', async () => {
      const first = await signUpAdmin(suite.app(), http);
      const second = await signUpAdmin(suite.app(), http);
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
            await resetDatabase(suite.app());
            const a = await signUpAdmin(suite.app(), http);
            const b = await signUpAdmin(suite.app(), http);
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
        const users = suite.app().get(UsersService);
        for (let round = 0; round < 5; round++) {
          await resetDatabase(suite.app());
          const a = await createAdmin(suite.app());
          const b = await createAdmin(suite.app());
          const results = await Promise.allSettled([
            users.update(a.id, { role: Role.User }, asAdmin(b), NO_CLIENT),
            users.update(b.id, { role: Role.User }, asAdmin(a), NO_CLIENT),
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
