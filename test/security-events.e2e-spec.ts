import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import {
  expectFieldError,
  expectProblem,
  Http,
  login,
  registerUser,
  signUp,
  signUpAdmin,
  useApp,
} from './support/app.js';
import { DetachedEvents } from '../src/security-events/detached-events.js';
import { within } from './support/poll.js';
import { claimsOf } from './support/tokens.js';

const MINE = '/api/v1/users/me/security-events';
const AUDIT = '/api/v1/audit-events';

interface Event {
  id: string;
  type: string;
  at: string;
  userId: string | null;
  actorId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** The caller's own events, once `type` has shown up (detached events land a moment later). */
async function myEvents(http: Http, token: string, until?: string): Promise<Event[]> {
  for (let attempt = 0; ; attempt += 1) {
    const reply = await http.get(MINE, { token, query: { limit: '100' } });
    expect(reply.status).toBe(200);
    const events = reply.body.data as Event[];
    if (!until || events.some((event) => event.type === until) || attempt === 50) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Security events (e2e)', () => {
  const suite = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });
  const { http } = suite;

  it("records a user's registration, logins, failed login and logout, for them only", async () => {
    const user = await registerUser(http);
    const tokens = await login(http, user);
    const failed = await http.post('/api/v1/auth/login', {
      body: { username: user.username, password: 'a wrong guess at it' },
      headers: { 'user-agent': 'e2e-browser/1.0', 'x-request-id': 'req-failed-login-1' },
    });
    expect(failed.status).toBe(401);
    const second = await login(http, user);
    expect(
      (
        await http.post('/api/v1/auth/logout', {
          token: tokens.access_token,
          query: { scope: 'local' },
        })
      ).status,
    ).toBe(204);

    const events = await myEvents(http, second.access_token, 'auth.login.failed');
    expect(events.map((event) => event.type).sort()).toEqual(
      [
        'auth.registered',
        'auth.login.succeeded',
        'auth.login.failed',
        'auth.login.succeeded',
        'auth.logout',
      ].sort(),
    );
    expect(events.every((event) => event.userId === user.id)).toBe(true);
    const ats = events.map((event) => event.at);
    expect([...ats].sort().reverse()).toEqual(ats);

    const failure = events.find((event) => event.type === 'auth.login.failed')!;
    expect(failure).toMatchObject({
      actorId: null,
      userAgent: 'e2e-browser/1.0',
      requestId: 'req-failed-login-1',
      ip: expect.any(String),
      details: { identifier: user.username, reason: 'wrong_password' },
    });
    const logout = events.find((event) => event.type === 'auth.logout')!;
    expect(logout).toMatchObject({ actorId: user.id, details: { scope: 'local' } });
    const payload = claimsOf(tokens.access_token) as { sid: string };
    expect(logout.sessionId).toBe(payload.sid);

    const text = JSON.stringify(events);
    for (const secret of [
      user.password,
      'a wrong guess at it',
      tokens.access_token,
      tokens.refresh_token,
      second.refresh_token,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\$2[aby]\$/);
    const keys = events.flatMap((event) => [...Object.keys(event), ...Object.keys(event.details)]);
    expect(keys.filter((key) => /password|hash|token|secret/i.test(key))).toEqual([]);

    const other = await signUp(http);
    const theirs = await myEvents(http, other.tokens.access_token);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((event) => event.userId === other.user.id)).toBe(true);
  });

  it('records an admin changing a role, deactivating and activating, with the admin as actor', async () => {
    const admin = await signUpAdmin(suite.app(), http);
    const target = await signUp(http);
    const patch = (body: object) =>
      http.patch(`/api/v1/users/${target.user.id}`, { token: admin.tokens.access_token, body });
    expect((await patch({ role: 'admin' })).status).toBe(200);
    expect((await patch({ isActive: false })).status).toBe(200);
    expect((await patch({ isActive: true })).status).toBe(200);

    const reply = await http.get(AUDIT, {
      token: admin.tokens.access_token,
      query: { userId: target.user.id },
    });
    expect(reply.status).toBe(200);
    const byType = new Map((reply.body.data as Event[]).map((event) => [event.type, event]));
    expect(byType.get('user.role.changed')).toMatchObject({
      userId: target.user.id,
      actorId: admin.user.id,
      details: { from: 'user', to: 'admin' },
    });
    expect(byType.get('user.deactivated')).toMatchObject({ actorId: admin.user.id });
    expect(byType.get('user.activated')).toMatchObject({ actorId: admin.user.id });

    // The target sees what was done to them, and by whom.
    const relogin = await login(http, target.user);
    const own = await myEvents(http, relogin.access_token);
    expect(own.find((event) => event.type === 'user.role.changed')?.actorId).toBe(admin.user.id);
  });

  it('records where each change came from, also for work done after the answer', async () => {
    const admin = await signUpAdmin(suite.app(), http);
    const target = await signUp(http);
    const changed = await http.patch(`/api/v1/users/${target.user.id}`, {
      token: admin.tokens.access_token,
      body: { role: 'admin' },
      headers: { 'user-agent': 'admin-console/2.0', 'x-request-id': 'req-role-change-1' },
    });
    expect(changed.status).toBe(200);
    // The reset-requested event is written by the mail work that runs after the 202.
    const forgot = await http.post('/api/v1/auth/password/forgot', {
      body: { email: target.user.email },
      headers: { 'user-agent': 'mail-app/3.1', 'x-request-id': 'req-forgot-1' },
    });
    expect(forgot.status).toBe(202);

    const trail = async (type: string) => {
      for (let attempt = 0; ; attempt += 1) {
        const reply = await http.get(AUDIT, {
          token: admin.tokens.access_token,
          query: { userId: target.user.id, type },
        });
        const events = reply.body.data as Event[];
        if (events.length || attempt === 50) return events;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    expect(await trail('user.role.changed')).toEqual([
      expect.objectContaining({
        actorId: admin.user.id,
        sessionId: (claimsOf(admin.tokens.access_token) as { sid: string }).sid,
        userAgent: 'admin-console/2.0',
        requestId: 'req-role-change-1',
        ip: expect.any(String),
      }),
    ]);
    expect(await trail('auth.password.reset_requested')).toEqual([
      expect.objectContaining({
        actorId: null,
        sessionId: null,
        userAgent: 'mail-app/3.1',
        requestId: 'req-forgot-1',
        ip: expect.any(String),
      }),
    ]);
  });

  it('records a password change, a revoked session, refresh-token reuse and a deletion', async () => {
    const { user, tokens } = await signUp(http);
    const other = await login(http, user);
    const sessions = await http.get('/api/v1/auth/sessions', { token: tokens.access_token });
    const otherSession = (sessions.body as { id: string; current: boolean }[]).find(
      (session) => !session.current,
    )!;
    expect(
      (
        await http.delete(`/api/v1/auth/sessions/${otherSession.id}`, {
          token: tokens.access_token,
        })
      ).status,
    ).toBe(204);
    const refreshed = await http.post('/api/v1/auth/refresh', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const reused = await http.post('/api/v1/auth/refresh', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(reused.status).toBe(401);
    const fresh = await login(http, user);
    expect(
      (
        await http.post('/api/v1/auth/password', {
          token: fresh.access_token,
          body: { currentPassword: user.password, newPassword: 'a different long passphrase' },
        })
      ).status,
    ).toBe(204);

    const events = await myEvents(http, fresh.access_token);
    const types = events.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'auth.session.revoked',
        'auth.refresh.reuse_detected',
        'auth.password.changed',
      ]),
    );
    expect(events.find((event) => event.type === 'auth.session.revoked')?.details).toEqual({
      revokedSessionId: otherSession.id,
    });
    expect(JSON.stringify(events)).not.toContain(other.refresh_token);

    const admin = await signUpAdmin(suite.app(), http);
    expect(
      (await http.delete(`/api/v1/users/${user.id}`, { token: admin.tokens.access_token })).status,
    ).toBe(204);
    const deleted = await http.get(AUDIT, {
      token: admin.tokens.access_token,
      query: { userId: user.id, type: 'user.deleted' },
    });
    expect(deleted.body.data).toEqual([
      expect.objectContaining({ userId: user.id, actorId: admin.user.id }),
    ]);
  });

  it('keeps the audit trail to admins', async () => {
    const { tokens } = await signUp(http);
    expectProblem(await http.get(AUDIT, { token: tokens.access_token }), 403, 'forbidden');
    expectProblem(await http.get(AUDIT), 401, 'token-missing');
    expectProblem(await http.get(MINE), 401, 'token-missing');
  });

  it('filters the audit trail by user, type and time, and pages it newest first', async () => {
    const admin = await signUpAdmin(suite.app(), http);
    const token = admin.tokens.access_token;
    const { user } = await signUp(http);
    for (let i = 0; i < 3; i += 1) await login(http, user);

    const all = await http.get(AUDIT, {
      token,
      query: { userId: user.id, type: 'auth.login.succeeded' },
    });
    expect(all.status).toBe(200);
    expect(all.body.meta).toEqual({ page: 1, limit: 20, total: 4, totalPages: 1 });
    const events = all.body.data as Event[];
    expect(events.every((event) => event.userId === user.id)).toBe(true);
    expect(events.every((event) => event.type === 'auth.login.succeeded')).toBe(true);

    const page2 = await http.get(AUDIT, {
      token,
      query: { userId: user.id, type: 'auth.login.succeeded', limit: '3', page: '2' },
    });
    expect(page2.body.meta).toEqual({ page: 2, limit: 3, total: 4, totalPages: 2 });
    expect((page2.body.data as Event[]).map((event) => event.id)).toEqual([events[3].id]);

    const middle = events[2].at;
    const since = await http.get(AUDIT, {
      token,
      query: { userId: user.id, type: 'auth.login.succeeded', since: middle },
    });
    expect((since.body.data as Event[]).every((event) => event.at >= middle)).toBe(true);
    expect(since.body.meta.total).toBeGreaterThanOrEqual(3);
    expect(since.body.meta.total).toBeLessThan(4 + 1);
    const until = await http.get(AUDIT, {
      token,
      query: { userId: user.id, until: events[3].at, type: 'auth.login.succeeded' },
    });
    expect((until.body.data as Event[]).every((event) => event.at <= events[3].at)).toBe(true);
    const none = await http.get(AUDIT, {
      token,
      query: { userId: user.id, since: '2000-01-01T00:00:00Z', until: '2000-12-31T00:00:00Z' },
    });
    expect(none.body).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0, totalPages: 0 } });

    expectFieldError(await http.get(AUDIT, { token, query: { userId: 'nope' } }), 'userId');
    expectFieldError(await http.get(AUDIT, { token, query: { type: 'auth.nope' } }), 'type');
    expectFieldError(await http.get(AUDIT, { token, query: { since: 'yesterday' } }), 'since');
    expectFieldError(await http.get(AUDIT, { token, query: { until: '2026-13-01' } }), 'until');
    for (const since of ['0000-01-01T00:00:00Z', '-000001-01-01', '+275760-09-13T00:00:00Z']) {
      const reply = await http.get(AUDIT, { token, query: { since } });
      expect(reply.status).toBeLessThan(500);
    }
    expectFieldError(await http.get(MINE, { token, query: { limit: '101' } }), 'limit');
  });

  it.each([
    ['since', '20240101T000000Z'],
    ['since', '2024-W01-1'],
    ['until', '20240101'],
    ['since', '2024-01-01T10:00:00,5Z'],
    ['since', '2024-001'],
    ['until', '2024-02-30T00:00:00Z'],
    ['since', '2024-01-01T24:00:00Z'],
    ['since', '2024-01-01T10:00:00'],
    ['until', '2024-01-01T10:00Z'],
  ])(
    'refuses %s=%s, an ISO 8601 shape that is not an instant, with 400 naming it',
    async (field, value) => {
      const { tokens } = await signUpAdmin(suite.app(), http);
      const reply = await http.get(AUDIT, {
        token: tokens.access_token,
        query: { [field]: value },
      });
      expectFieldError(reply, field);
    },
  );

  it.each([
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T10:00:00.5+02:00', '2024-01-01T08:00:00.500Z'],
    ['2024-01-01t10:00:00z', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01', '2024-01-01T00:00:00.000Z'],
  ])('takes since=%s as the instant %s', async (since, instant) => {
    const { tokens } = await signUpAdmin(suite.app(), http);
    const dataSource = suite.app().get(DataSource);
    const at = new Date(instant);
    const rows: { id: string }[] = await dataSource.query(
      `INSERT INTO security_events (type, at, details) VALUES ('auth.logout', $1, '{"probe":true}'),
         ('auth.logout', $2, '{"probe":true}') RETURNING id`,
      [at, new Date(at.getTime() - 1)],
    );
    const reply = await http.get(AUDIT, {
      token: tokens.access_token,
      query: { since, until: instant, type: 'auth.logout' },
    });
    expect(reply.status).toBe(200);
    expect((reply.body.data as Event[]).map((event) => event.id)).toEqual([rows[0].id]);
    await dataSource.query(`DELETE FROM security_events WHERE details ? 'probe'`);
  });

  it('rolls a change back when its event cannot be written', async () => {
    const admin = await signUpAdmin(suite.app(), http);
    const target = await signUp(http);
    const dataSource = suite.app().get(DataSource);
    await dataSource.query(`
      CREATE FUNCTION refuse_role_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'security_events refused in a test'; END $$`);
    await dataSource.query(`
      CREATE TRIGGER refuse_role_events BEFORE INSERT ON security_events
      FOR EACH ROW WHEN (NEW.type = 'user.role.changed') EXECUTE FUNCTION refuse_role_events()`);
    try {
      const reply = await http.patch(`/api/v1/users/${target.user.id}`, {
        token: admin.tokens.access_token,
        body: { role: 'admin' },
      });
      expectProblem(reply, 500, 'internal-error');
    } finally {
      await dataSource.query('DROP TRIGGER refuse_role_events ON security_events');
      await dataSource.query('DROP FUNCTION refuse_role_events()');
    }
    const after = await http.get(`/api/v1/users/${target.user.id}`, {
      token: admin.tokens.access_token,
    });
    expect(after.body.role).toBe('user');
    // The sessions revoked in the same transaction are live again: nothing was committed.
    expect((await http.get('/api/v1/users/me', { token: target.tokens.access_token })).status).toBe(
      200,
    );
  });
});

/** Rate-limit events of the trail, once `count` refusals in all have been written. */
async function rateLimitedRows(dataSource: DataSource, count: number) {
  let rows: RateLimitedRow[] = [];
  await within(
    10_000,
    async () => {
      rows = await dataSource.query(
        `SELECT actor_id, session_id, request_id, details, at FROM security_events
         WHERE type = 'auth.rate_limited' ORDER BY at`,
      );
      return rows.reduce((sum, row) => sum + Number(row.details.count), 0) >= count;
    },
    { message: `${count} rate-limited requests were not written in time` },
  );
  return rows;
}

interface RateLimitedRow {
  actor_id: string | null;
  session_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  at: Date;
}

describe('Security events of rate limiting (e2e)', () => {
  // A window of 1 s: the trail writes each key's refusals once its window is over.
  const suite = useApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_LOGIN: '1',
    RATE_LIMIT_WINDOW: '1',
  });
  const { http } = suite;

  it('records a rate-limit hit with the identifier tried, never the password', async () => {
    const { user } = await signUp(http);
    const limited = await http.post('/api/v1/auth/login', {
      body: { email: user.email, password: 'guess number two' },
      headers: { 'x-request-id': 'req-limited-1' },
    });
    expectProblem(limited, 429, 'too-many-requests');

    const admin = await signUpAdmin(suite.app(), http);
    await rateLimitedRows(suite.app().get(DataSource), 1);
    const reply = await http.get(AUDIT, {
      token: admin.tokens.access_token,
      query: { type: 'auth.rate_limited' },
    });
    expect(reply.body.data).toEqual([
      expect.objectContaining({
        userId: null,
        actorId: null,
        requestId: 'req-limited-1',
        details: {
          bucket: 'login',
          route: '/api/v1/auth/login',
          identifier: user.email,
          count: 1,
          lastAt: expect.any(String),
        },
      }),
    ]);
    expect(JSON.stringify(reply.body)).not.toContain('guess number two');
  });
});

describe('Security events of a rate-limit flood (e2e)', () => {
  // The default window (60 s): the test writes the count itself, as a shutdown does.
  const suite = useApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_LOGIN: '1',
    RATE_LIMIT_LOGIN_IP: '5',
  });
  const { http } = suite;

  it('writes one event per client and window, with the count of refusals, whatever the names', async () => {
    const attempt = (i: number) =>
      http.post('/api/v1/auth/login', {
        body: { email: `flood-${i % 7}@example.com`, password: 'wrong password' },
        remoteAddress: '10.9.0.1',
      });
    const replies = [];
    for (let batch = 0; batch < 6; batch++) {
      replies.push(
        ...(await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(batch * 20 + i)))),
      );
    }
    const refused = replies.filter((reply) => reply.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(120 - 5);
    const dataSource = suite.app().get(DataSource);
    const [{ written }] = await dataSource.query(
      `SELECT count(*)::int AS written FROM security_events WHERE type = 'auth.rate_limited'`,
    );
    expect(written).toBe(0);
    await suite.app().get(DetachedEvents).flush();

    const rows = await rateLimitedRows(dataSource, refused);
    expect(rows).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ bucket: 'login', count: refused }),
      }),
    ]);
    const { lastAt } = rows[0].details;
    expect(new Date(String(lastAt)).getTime()).toBeGreaterThanOrEqual(rows[0].at.getTime());
  });
});

describe('Security events of rate limiting on a route that needs a token (e2e)', () => {
  const suite = useApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_AUTH: '1',
    RATE_LIMIT_WINDOW: '1',
  });
  const { http } = suite;

  it('names the signed-in caller and their session as the actor', async () => {
    const { user, tokens } = await signUp(http);
    const resend = () =>
      http.post('/api/v1/auth/email/verify/resend', { token: tokens.access_token });
    expect((await resend()).status).toBe(202);
    expectProblem(await resend(), 429, 'too-many-requests');

    const rows = await rateLimitedRows(suite.app().get(DataSource), 1);
    expect(rows).toEqual([
      expect.objectContaining({
        actor_id: user.id,
        session_id: (claimsOf(tokens.access_token) as { sid: string }).sid,
      }),
    ]);
  });
});
