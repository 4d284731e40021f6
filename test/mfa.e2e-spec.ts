import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ActionTokenPurpose } from '../src/account/action-token.entity.js';
import { ActionTokensService } from '../src/account/action-tokens.service.js';
import {
  createAdmin,
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  expectSessionRefused,
  Http,
  login,
  registerUser,
  TestUser,
  Tokens,
  useApp,
} from './support/app.js';
import {
  ConnectionEnv,
  createSeparateDatabase,
  lockWaiters,
  overtakenBy,
  sessionCount,
  sql,
  TestDatabase,
} from './support/database.js';
import { within } from './support/poll.js';
import { buildOnce, Server, startServer } from './support/server.js';
import { awayFromStepBoundary, codeAt, currentStep } from './support/totp.js';

const MFA = '/api/v1/auth/mfa';
const LOGIN = '/api/v1/auth/login';

interface Enrolled {
  user: TestUser;
  secret: string;
  tokens: Tokens;
  recoveryCodes: string[];
}

async function enrol(http: Http, user: TestUser): Promise<Enrolled> {
  const first = await login(http, user);
  const started = await http.post(`${MFA}/totp`, {
    token: first.access_token,
    body: { password: user.password },
  });
  expect(started.status).toBe(201);
  const { secret } = started.body;
  await awayFromStepBoundary();
  const confirmed = await http.post(`${MFA}/totp/confirm`, {
    token: first.access_token,
    body: { code: codeAt(secret, currentStep() - 1) },
  });
  expect(confirmed.status).toBe(200);
  const { recoveryCodes, ...tokens } = confirmed.body;
  return { user, secret, tokens: tokens as Tokens, recoveryCodes };
}

async function mfaToken(http: Http, user: TestUser): Promise<string> {
  const reply = await http.post(LOGIN, { body: { email: user.email, password: user.password } });
  expectProblem(reply, 403, 'mfa-required');
  return reply.body.mfaToken;
}

const claims = (tokens: { access_token: string }) => decodeJwt(tokens.access_token);

/** What a password reset does to the user's row, for `overtakenBy`. */
const PASSWORD_RESET = {
  sql: `UPDATE users SET password_hash = 'the reset''s hash' WHERE id = $1`,
};

/** What an admin's reset of the factors does to the user's TOTP, for `overtakenBy`. */
const FACTORS_RESET = { sql: `DELETE FROM mfa_totp WHERE user_id = $1` };

describe('Multi-factor authentication: TOTP and recovery codes (e2e)', () => {
  const suite = useApp();
  const { http } = suite;
  let user: TestUser;

  beforeEach(async () => {
    user = await registerUser(http);
  });

  it('enrols: secret, otpauth URI and QR code; confirm answers an aal2 session and ten recovery codes', async () => {
    const first = await login(http, user);
    expect(claims(first)).toMatchObject({ amr: ['pwd'], aal: 'aal1' });
    const other = await login(http, user);

    const started = await http.post(`${MFA}/totp`, {
      token: first.access_token,
      body: { password: user.password },
    });
    expect(started.status).toBe(201);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);
    expect(uri.searchParams.get('issuer')).toBe('auth-service');
    expect(uri.searchParams.get('secret')).toBe(started.body.secret);
    expect(started.body.qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    // Pending: not on yet, and asking again replaces the secret.
    expect((await http.get(MFA, { token: first.access_token })).body).toEqual({
      totp: { enabled: false, createdAt: null },
      recoveryCodesLeft: 0,
      passkeys: 0,
    });
    expect((await login(http, user)).access_token).toBeDefined();
    const again = await http.post(`${MFA}/totp`, {
      token: first.access_token,
      body: { password: user.password },
    });
    expect(again.body.secret).not.toBe(started.body.secret);
    const { secret } = again.body;

    await awayFromStepBoundary();
    const wrong = await http.post(`${MFA}/totp/confirm`, {
      token: first.access_token,
      body: { code: codeAt(started.body.secret, currentStep()) },
    });
    expectProblem(wrong, 401, 'mfa-code-invalid');

    const confirmed = await http.post(`${MFA}/totp/confirm`, {
      token: first.access_token,
      body: { code: codeAt(secret, currentStep()) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ token_type: 'Bearer', user: { id: user.id } });
    expect(claims(confirmed.body)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);

    // Every earlier session ended; the new one works.
    await expectSessionRefused(http, first, 'token-revoked');
    await expectSessionRefused(http, other, 'token-revoked');
    const status = await http.get(MFA, { token: confirmed.body.access_token });
    expect(status.body).toEqual({
      totp: { enabled: true, createdAt: expect.any(String) },
      recoveryCodesLeft: 10,
      passkeys: 0,
    });
    // Enabled: a new enrolment is a conflict.
    expectProblem(
      await http.post(`${MFA}/totp`, {
        token: confirmed.body.access_token,
        body: { password: user.password },
      }),
      409,
      'conflict',
    );
  });

  it('asks the password again at enrolment, and validates bodies', async () => {
    const tokens = await login(http, user);
    expectFieldError(
      await http.post(`${MFA}/totp`, {
        token: tokens.access_token,
        body: { password: 'wrong!!!' },
      }),
      'password',
    );
    expectProblem(
      await http.post(`${MFA}/totp`, { body: { password: 'x' } }),
      401,
      'token-missing',
    );
    await expectBodyRefusals(http, 'POST', `${MFA}/totp`, tokens.access_token);
    await expectBodyRefusals(http, 'POST', `${MFA}/challenge`);
    expectFieldError(
      await http.post(`${MFA}/totp/confirm`, {
        token: tokens.access_token,
        body: { code: 123456 },
      }),
      'code',
    );
    expectFieldError(
      await http.post(`${MFA}/totp/confirm`, {
        token: tokens.access_token,
        body: { code: '123456', role: 'admin' },
      }),
      'role',
    );
    expectProblem(
      await http.post(`${MFA}/totp/confirm`, {
        token: tokens.access_token,
        body: { code: '123456' },
      }),
      404,
      'not-found',
    );
  });

  it('login answers mfa-required with an mfaToken and methods; the challenge finishes it (aal2)', async () => {
    const { secret } = await enrol(http, user);
    const reply = await http.post(LOGIN, {
      body: { username: user.username, password: user.password },
    });
    expectProblem(reply, 403, 'mfa-required');
    expect(reply.body.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(reply.body.methods).toEqual(['totp', 'recovery_code']);
    expect(reply.body.access_token).toBeUndefined();

    // A wrong password still says nothing about MFA.
    expectProblem(
      await http.post(LOGIN, { body: { email: user.email, password: 'not the password' } }),
      401,
      'invalid-credentials',
    );

    await awayFromStepBoundary();
    const done = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: reply.body.mfaToken, code: codeAt(secret, currentStep() + 1) },
    });
    expect(done.status).toBe(200);
    expect(claims(done.body)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
    expect((await http.get('/api/v1/users/me', { token: done.body.access_token })).status).toBe(
      200,
    );

    // The mfaToken is spent.
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: reply.body.mfaToken, code: codeAt(secret, currentStep()) },
      }),
      401,
      'mfa-token-invalid',
    );

    // A refreshed token keeps the session's amr and aal.
    const refreshed = await http.post('/api/v1/auth/refresh', {
      body: { refresh_token: done.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expect(claims(refreshed.body)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
  });

  it('counts a login that needs its second factor as mfa_required, not as a refusal', async () => {
    await enrol(http, user);
    const logins = async () => {
      const text = (await http.get('/metrics')).text;
      const count = (outcome: string) =>
        Number(
          new RegExp(`^auth_logins_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ??
            0,
        );
      return { mfaRequired: count('mfa_required'), rejected: count('rejected') };
    };
    const before = await logins();
    await mfaToken(http, user);
    await mfaToken(http, user);
    const after = await logins();
    expect(after.mfaRequired - before.mfaRequired).toBe(2);
    expect(after.rejected).toBe(before.rejected);
  });

  it('accepts a code once, and no code of an earlier step after it', async () => {
    const { secret } = await enrol(http, user);
    await awayFromStepBoundary();
    const now = currentStep();
    // Confirm used step now-1; a code of that step is refused.
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: await mfaToken(http, user), code: codeAt(secret, now - 1) },
      }),
      401,
      'mfa-code-invalid',
    );
    const ok = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: await mfaToken(http, user), code: codeAt(secret, now) },
    });
    expect(ok.status).toBe(200);
    for (const step of [now, now - 1]) {
      expectProblem(
        await http.post(`${MFA}/challenge`, {
          body: { mfaToken: await mfaToken(http, user), code: codeAt(secret, step) },
        }),
        401,
        'mfa-code-invalid',
      );
    }
    // Outside the one step of skew.
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: await mfaToken(http, user), code: codeAt(secret, now + 2) },
      }),
      401,
      'mfa-code-invalid',
    );
    // The same code sent twice at once: one login.
    const token1 = await mfaToken(http, user);
    const token2 = await mfaToken(http, user);
    const code = codeAt(secret, now + 1);
    const both = await Promise.all(
      [token1, token2].map((t) => http.post(`${MFA}/challenge`, { body: { mfaToken: t, code } })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('voids the mfaToken after five wrong codes, and records the failures', async () => {
    const { secret } = await enrol(http, user);
    const token = await mfaToken(http, user);
    for (const code of ['000000', 'abcdef', '12345', '999999', '1 2 3 4 5 6']) {
      expectProblem(
        await http.post(`${MFA}/challenge`, { body: { mfaToken: token, code } }),
        401,
        'mfa-code-invalid',
      );
    }
    await awayFromStepBoundary();
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: token, code: codeAt(secret, currentStep()) },
      }),
      401,
      'mfa-token-invalid',
    );
    expectProblem(
      await http.post(`${MFA}/challenge`, { body: { mfaToken: 'made-up', code: '123456' } }),
      401,
      'mfa-token-invalid',
    );
    expectFieldError(await http.post(`${MFA}/challenge`, { body: { mfaToken: token } }), 'code');
    expectFieldError(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: token, code: '123456', recoveryCode: 'abcd-efgh-ijkm' },
      }),
      'code',
    );

    const { rows } = await sql(
      process.env.E2E_DIRECT_URL!,
      `SELECT details FROM security_events WHERE user_id = $1 AND type = 'mfa.challenge.failed'
       ORDER BY at`,
      [user.id],
    );
    expect(rows.map((row) => row.details.attemptsLeft)).toEqual([4, 3, 2, 1, 0]);
  });

  it('a recovery code logs in once; new codes need a TOTP code and void the old ones', async () => {
    const { secret, recoveryCodes, tokens } = await enrol(http, user);
    const [first, second] = recoveryCodes;
    const done = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: await mfaToken(http, user), recoveryCode: first.toUpperCase() },
    });
    expect(done.status).toBe(200);
    expect(claims(done.body)).toMatchObject({ aal: 'aal2' });
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: await mfaToken(http, user), recoveryCode: first },
      }),
      401,
      'mfa-code-invalid',
    );
    expect((await http.get(MFA, { token: done.body.access_token })).body.recoveryCodesLeft).toBe(9);

    expectProblem(
      await http.post(`${MFA}/recovery-codes`, {
        token: tokens.access_token,
        body: { code: '000000' },
      }),
      401,
      'mfa-code-invalid',
    );
    await awayFromStepBoundary();
    const renewed = await http.post(`${MFA}/recovery-codes`, {
      token: tokens.access_token,
      body: { code: codeAt(secret, currentStep()) },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    expectProblem(
      await http.post(`${MFA}/challenge`, {
        body: { mfaToken: await mfaToken(http, user), recoveryCode: second },
      }),
      401,
      'mfa-code-invalid',
    );
    const withNew = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: await mfaToken(http, user), recoveryCode: renewed.body.recoveryCodes[0] },
    });
    expect(withNew.status).toBe(200);

    const { rows } = await sql(
      process.env.E2E_DIRECT_URL!,
      `SELECT type FROM security_events WHERE user_id = $1 AND type LIKE 'mfa.%' ORDER BY at`,
      [user.id],
    );
    expect(rows.map((row) => row.type)).toEqual([
      'mfa.enabled',
      'mfa.recovery_code.used',
      'mfa.challenge.failed',
      'mfa.recovery_codes.regenerated',
      'mfa.challenge.failed',
      'mfa.recovery_code.used',
    ]);
  });

  it('turning TOTP off needs the password and a code; other sessions end, this one stays', async () => {
    const { secret, tokens, recoveryCodes } = await enrol(http, user);
    const otherDone = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: await mfaToken(http, user), recoveryCode: recoveryCodes[0] },
    });
    expect(otherDone.status).toBe(200);

    expectFieldError(
      await http.delete(`${MFA}/totp`, {
        token: tokens.access_token,
        body: { password: 'not the password', code: '123456' },
      }),
      'password',
    );
    expectProblem(
      await http.delete(`${MFA}/totp`, {
        token: tokens.access_token,
        body: { password: user.password, code: '000000' },
      }),
      401,
      'mfa-code-invalid',
    );
    await awayFromStepBoundary();
    const off = await http.delete(`${MFA}/totp`, {
      token: tokens.access_token,
      body: { password: user.password, code: codeAt(secret, currentStep()) },
    });
    expect(off.status).toBe(204);
    await expectSessionRefused(http, otherDone.body, 'token-revoked');
    expect((await http.get(MFA, { token: tokens.access_token })).body).toEqual({
      totp: { enabled: false, createdAt: null },
      recoveryCodesLeft: 0,
      passkeys: 0,
    });
    const plain = await login(http, user);
    expect(claims(plain)).toMatchObject({ amr: ['pwd'], aal: 'aal1' });

    const { rows } = await sql(
      process.env.E2E_DIRECT_URL!,
      `SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1`,
      [user.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('keeps TOTP on when a reset commits while turning it off waits', async () => {
    const { tokens, recoveryCodes } = await enrol(http, user);

    const off = await overtakenBy(user.id, PASSWORD_RESET, () =>
      http.delete(`${MFA}/totp`, {
        token: tokens.access_token,
        body: { password: user.password, code: recoveryCodes[3] },
      }),
    );

    expectFieldError(off, 'password');
    expect((await http.get(MFA, { token: tokens.access_token })).body).toMatchObject({
      totp: { enabled: true },
      recoveryCodesLeft: 10,
    });
  });

  it('turns TOTP off with a recovery code as the code', async () => {
    const { tokens, recoveryCodes } = await enrol(http, user);
    const off = await http.delete(`${MFA}/totp`, {
      token: tokens.access_token,
      body: { password: user.password, code: recoveryCodes[3] },
    });
    expect(off.status).toBe(204);
  });

  it('issues the enrolment’s tokens with the role set while the confirmation waited', async () => {
    const admin = await createAdmin(suite.app());
    const first = await login(http, admin);
    const started = await http.post(`${MFA}/totp`, {
      token: first.access_token,
      body: { password: admin.password },
    });
    expect(started.status).toBe(201);
    await awayFromStepBoundary();

    const confirmed = await overtakenBy(
      admin.id,
      { sql: "UPDATE users SET role = 'user' WHERE id = $1" },
      () =>
        http.post(`${MFA}/totp/confirm`, {
          token: first.access_token,
          body: { code: codeAt(started.body.secret as string, currentStep()) },
        }),
    );

    expect(confirmed.status).toBe(200);
    expect(confirmed.body.user.role).toBe('user');
    expect(claims(confirmed.body).role).toBe('user');
  });

  it("an admin resets a user's factors: sessions end, the next login needs the password only", async () => {
    const { tokens } = await enrol(http, user);
    const admin = await createAdmin(suite.app());
    const adminTokens = await login(http, admin);

    expectProblem(
      await http.delete(`/api/v1/users/${user.id}/mfa`, { token: tokens.access_token }),
      403,
      'forbidden',
    );
    expectProblem(
      await http.delete(`/api/v1/users/not-a-uuid/mfa`, { token: adminTokens.access_token }),
      400,
      'validation-failed',
    );
    expectProblem(
      await http.delete(`/api/v1/users/00000000-0000-4000-8000-000000000000/mfa`, {
        token: adminTokens.access_token,
      }),
      404,
      'not-found',
    );
    const reset = await http.delete(`/api/v1/users/${user.id}/mfa`, {
      token: adminTokens.access_token,
    });
    expect(reset.status).toBe(204);
    await expectSessionRefused(http, tokens, 'token-revoked');
    expect(claims(await login(http, user))).toMatchObject({ aal: 'aal1' });

    const events = await http.get('/api/v1/audit-events', {
      token: adminTokens.access_token,
      query: { userId: user.id, type: 'mfa.reset_by_admin' },
    });
    expect(events.body.data).toEqual([
      expect.objectContaining({ actorId: admin.id, userId: user.id }),
    ]);
  });

  it('a password reset by mail leaves MFA on', async () => {
    const { secret } = await enrol(http, user);
    const token = await suite
      .app()
      .get(ActionTokensService)
      .issue(user.id, ActionTokenPurpose.PasswordReset);
    const reset = await http.post('/api/v1/auth/password/reset', {
      body: { token, newPassword: 'a brand new passphrase' },
    });
    expect(reset.status).toBe(204);
    const reply = await http.post(LOGIN, {
      body: { email: user.email, password: 'a brand new passphrase' },
    });
    expectProblem(reply, 403, 'mfa-required');
    await awayFromStepBoundary();
    const done = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: reply.body.mfaToken, code: codeAt(secret, currentStep()) },
    });
    expect(done.status).toBe(200);
  });

  it('voids a pending mfaToken once the password changes, spending no code on it', async () => {
    const { tokens, recoveryCodes } = await enrol(http, user);
    const pending = await mfaToken(http, user);
    const newPassword = 'a brand new passphrase';
    const changed = await http.post('/api/v1/auth/password', {
      token: tokens.access_token,
      body: { currentPassword: user.password, newPassword },
    });
    expect(changed.status).toBe(204);

    const answered = await http.post(`${MFA}/challenge`, {
      body: { mfaToken: pending, recoveryCode: recoveryCodes[0] },
    });
    expectProblem(answered, 401, 'mfa-token-invalid');
    // The code was not spent on the void token: it finishes a login with the new password.
    const done = await http.post(`${MFA}/challenge`, {
      body: {
        mfaToken: await mfaToken(http, { ...user, password: newPassword }),
        recoveryCode: recoveryCodes[0],
      },
    });
    expect(done.status).toBe(200);
  });

  it('starts no session for a challenge answered while a reset commits', async () => {
    const { recoveryCodes } = await enrol(http, user);
    const pending = await mfaToken(http, user);
    const before = await sessionCount(user.id);

    const answered = await overtakenBy(user.id, PASSWORD_RESET, () =>
      http.post(`${MFA}/challenge`, {
        body: { mfaToken: pending, recoveryCode: recoveryCodes[0] },
      }),
    );

    expectProblem(answered, 401, 'mfa-token-invalid');
    expect(await sessionCount(user.id)).toBe(before);
  });

  it('starts no session for a challenge answered while an admin resets the factors', async () => {
    const { secret } = await enrol(http, user);
    const pending = await mfaToken(http, user);
    const before = await sessionCount(user.id);
    await awayFromStepBoundary();

    const answered = await overtakenBy(user.id, FACTORS_RESET, () =>
      http.post(`${MFA}/challenge`, {
        body: { mfaToken: pending, code: codeAt(secret, currentStep()) },
      }),
    );

    expectProblem(answered, 401, 'mfa-token-invalid');
    expect(await sessionCount(user.id)).toBe(before);
  });

  it("an admin's reset waits for a login holding the user, then ends the session it started", async () => {
    await enrol(http, user);
    const admin = await createAdmin(suite.app());
    const adminTokens = await login(http, admin);
    const url = String(process.env.E2E_DIRECT_URL);
    // What a login does while its session starts (AuthService.startSession): it holds the
    // user's row in share mode and inserts the session, committing both together.
    const starting = new pg.Client({ connectionString: url });
    await starting.connect();
    try {
      await starting.query('BEGIN');
      await starting.query('SELECT 1 FROM users WHERE id = $1 FOR SHARE', [user.id]);
      const {
        rows: [session],
      } = await starting.query(
        `INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at, amr, aal)
         VALUES (gen_random_uuid(), $1, $2, now(), now(), now() + interval '1 day', '{pwd,otp}', 'aal2')
         RETURNING id`,
        [user.id, randomBytes(32).toString('hex')],
      );
      const reset = http.delete(`/api/v1/users/${user.id}/mfa`, {
        token: adminTokens.access_token,
      });
      await within(10_000, async () => (await lockWaiters(url)) > 0, {
        message: 'the reset never waited for the login holding the user',
      });
      await starting.query('COMMIT');

      expect((await reset).status).toBe(204);
      const { rows } = await sql(url, 'SELECT revoked_at FROM sessions WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0].revoked_at).not.toBeNull();
    } finally {
      await starting.end();
    }
  });

  it.each([
    ['an admin resets the factors', 'reset'],
    ['the user turns TOTP off', 'disable'],
  ])('takes the locks in the order a second step does when %s: no deadlock', async (_, removal) => {
    const { secret, tokens } = await enrol(http, user);
    await mfaToken(http, user);
    const admin = removal === 'reset' ? await login(http, await createAdmin(suite.app())) : null;
    const url = String(process.env.E2E_DIRECT_URL);
    // What a second step does (MfaService.redeemChallenge): it locks its challenge, then
    // the TOTP factor, to spend the code's step.
    const answering = new pg.Client({ connectionString: url });
    await answering.connect();
    try {
      await answering.query('BEGIN');
      await answering.query('SELECT 1 FROM mfa_challenges WHERE user_id = $1 FOR UPDATE', [
        user.id,
      ]);
      await awayFromStepBoundary();
      const removed =
        removal === 'reset'
          ? http.delete(`/api/v1/users/${user.id}/mfa`, { token: admin!.access_token })
          : http.delete(`${MFA}/totp`, {
              token: tokens.access_token,
              body: { password: user.password, code: codeAt(secret, currentStep()) },
            });
      await within(10_000, async () => (await lockWaiters(url)) > 0, {
        message: 'the removal never waited for the challenge',
      });
      // Fails with a deadlock (40P01) if the removal holds the factor while it waits.
      await answering.query('UPDATE mfa_totp SET last_used_step = 0 WHERE user_id = $1', [user.id]);
      await answering.query('COMMIT');
      expect((await removed).status).toBe(204);
    } finally {
      await answering.end();
    }
  });

  it('keeps secrets sealed and codes hashed in the database, and out of events', async () => {
    const { secret, recoveryCodes } = await enrol(http, user);
    const url = process.env.E2E_DIRECT_URL!;
    const totp = await sql(url, `SELECT secret_ciphertext FROM mfa_totp WHERE user_id = $1`, [
      user.id,
    ]);
    expect(totp.rows[0].secret_ciphertext).not.toContain(secret);
    expect(totp.rows[0].secret_ciphertext).toMatch(/^v1\./);
    const codes = await sql(url, `SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1`, [
      user.id,
    ]);
    const stored = codes.rows.map((row) => row.code_hash as string).join(' ');
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
    const events = await sql(url, `SELECT details::text AS d FROM security_events`);
    const all = events.rows.map((row) => row.d as string).join(' ');
    expect(all).not.toContain(secret);
    for (const code of recoveryCodes) expect(all).not.toContain(code);
  });

  it('documents the flow in the OpenAPI document', async () => {
    const doc = await http.get('/docs-json');
    const paths = doc.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        `${MFA}`,
        `${MFA}/totp`,
        `${MFA}/totp/confirm`,
        `${MFA}/challenge`,
        `${MFA}/recovery-codes`,
        '/api/v1/users/{id}/mfa',
      ]),
    );
    expect(JSON.stringify(paths[LOGIN].post.responses['403'])).toContain('/problems/mfa-required');
    expect(JSON.stringify(paths[`${MFA}/challenge`].post.responses['401'])).toContain(
      '/problems/mfa-token-invalid',
    );
  });
});

describe('MFA login limits (e2e)', () => {
  const { http } = useApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN_IP: '6' });

  it('counts challenge attempts against the per-IP login limit', async () => {
    const user = await registerUser(http);
    const other = await registerUser(http);
    await enrol(http, user);
    const token = await mfaToken(http, user);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const reply = await http.post(`${MFA}/challenge`, {
        body: { mfaToken: token, code: '000000' },
      });
      statuses.push(reply.status);
    }
    // The enrolment's login and confirm and the login that gave the mfaToken came first: 6 in all.
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Logins from that IP share the count, whatever the name.
    const login = await http.post(LOGIN, {
      body: { email: other.email, password: other.password },
    });
    expectProblem(login, 429, 'too-many-requests');
    expect(Number(login.headers['retry-after'])).toBeGreaterThan(0);
  });
});

// Two processes on one database: a code accepted by one is refused by the other.
describe('MFA across two instances (e2e)', () => {
  let database: TestDatabase & { env: ConnectionEnv };
  let first: Server;
  let second: Server;

  // Compiling dist/ takes its own while on a busy machine: not out of the servers' time.
  beforeAll(() => buildOnce(), 180_000);

  beforeAll(async () => {
    database = await createSeparateDatabase();
    [first, second] = await Promise.all([startServer(database.env), startServer(database.env)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  });

  it('accepts one code once, whichever instance sees it', async () => {
    const a = new Http(first.url);
    const b = new Http(second.url);
    const user = await registerUser(a);
    const { secret } = await enrol(a, user);
    await awayFromStepBoundary();
    const code = codeAt(secret, currentStep());
    const [tokenA, tokenB] = [await mfaToken(a, user), await mfaToken(b, user)];
    const both = await Promise.all([
      a.post(`${MFA}/challenge`, { body: { mfaToken: tokenA, code } }),
      b.post(`${MFA}/challenge`, { body: { mfaToken: tokenB, code } }),
    ]);
    const answers = both.map((reply) => `${reply.status} ${reply.body?.type ?? ''}`).sort();
    expect(answers).toEqual(['200 ', '401 /problems/mfa-code-invalid']);
    const later = await b.post(`${MFA}/challenge`, {
      body: { mfaToken: await mfaToken(b, user), code },
    });
    expectProblem(later, 401, 'mfa-code-invalid');
  });
});
