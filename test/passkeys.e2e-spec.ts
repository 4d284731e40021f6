import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { Http, login, signUp, type Tokens } from './support/app.js';
import { useBrowser } from './support/browser.js';
import { overtakenBy, sql } from './support/database.js';
import { PasskeyPage } from './support/passkey-browser.js';
import { within } from './support/poll.js';
import { awayFromStepBoundary, codeAt, currentStep } from './support/totp.js';
import { buildOnce, type Server, startServer } from './support/server.js';

const A = '/a/api/v1';
const B = '/b/api/v1';
const SIGN_IN = '/auth/passkeys/authentication';

/** A copy of a browser credential with one byte of a base64url member changed. */
function tampered(credential: Record<string, any>, member: string): Record<string, any> {
  const bytes = Buffer.from(credential.response[member] as string, 'base64url');
  bytes[bytes.length - 1] ^= 0x01;
  return {
    ...credential,
    response: { ...credential.response, [member]: bytes.toString('base64url') },
  };
}

// Real Chromium with a CDP virtual authenticator, against two server processes on one database.
describe('Passkeys in a browser (e2e)', () => {
  const browser = useBrowser();
  const page = new PasskeyPage();
  let first: Server;
  let second: Server;
  let a: Http;
  let b: Http;
  const directUrl = () => process.env.E2E_DIRECT_URL ?? process.env.DATABASE_URL!;

  beforeAll(async () => {
    buildOnce();
    await page.listen();
    const env = { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: page.origin };
    // Settled, so that one that started is stopped in afterAll even if the other failed.
    const started = await Promise.allSettled([startServer(env), startServer(env)]);
    [first, second] = started.map((result) =>
      result.status === 'fulfilled' ? result.value : (undefined as unknown as Server),
    );
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    page.route('a', first.url);
    page.route('b', second.url);
    a = new Http(first.url);
    b = new Http(second.url);
    await page.open(await browser.context());
    // A build, two instances and a browser on a busy 2-core machine.
  }, 180_000);

  afterAll(async () => {
    await page.close();
    await Promise.all([first?.stop(), second?.stop()]);
  });

  beforeEach(() => page.freshAuthenticator());

  /** A user signed in with a password who registers a passkey in the browser. */
  async function withPasskey(name?: string) {
    const { user, tokens } = await signUp(a);
    const reply = await page.registerPasskey(A, tokens.access_token, name);
    expect(reply.status).toBe(201);
    return { user, tokens, passkey: reply.body as { id: string; name: string } };
  }

  const eventsOf = async (tokens: Tokens) =>
    ((await a.get('/api/v1/users/me/security-events', { token: tokens.access_token })).body
      .data as { type: string; details: Record<string, unknown> }[]) ?? [];

  /** Turns TOTP on for a user signed in with `tokens` (which it ends, as every session). */
  async function turnOnTotp(user: { password: string }, tokens: Tokens) {
    const started = await a.post('/api/v1/auth/mfa/totp', {
      token: tokens.access_token,
      body: { password: user.password },
    });
    expect(started.status).toBe(201);
    await awayFromStepBoundary();
    const confirmed = await a.post('/api/v1/auth/mfa/totp/confirm', {
      token: tokens.access_token,
      body: { code: codeAt(started.body.secret as string, currentStep()) },
    });
    expect(confirmed.status).toBe(200);
  }

  async function mfaRequired(user: { email: string; password: string }): Promise<string> {
    const reply = await a.post('/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.type).toMatch(/mfa-required$/);
    expect(reply.body.methods).toEqual(['totp', 'recovery_code', 'passkey']);
    return reply.body.mfaToken as string;
  }

  it('answers the mfa-required of a password login: aal2 with pwd and hwk, the mfaToken spent', async () => {
    const { user, tokens } = await withPasskey();
    await turnOnTotp(user, tokens);
    const mfaToken = await mfaRequired(user);

    // Options from one instance, the answer to the other.
    const reply = await page.secondFactor(B, mfaToken);
    expect(reply.status).toBe(200);
    expect(decodeJwt(reply.body.access_token as string)).toMatchObject({
      sub: user.id,
      amr: ['pwd', 'hwk', 'user'],
      aal: 'aal2',
    });
    const me = await a.get('/api/v1/users/me', { token: reply.body.access_token as string });
    expect(me.status).toBe(200);

    const again = await page.secondFactor(A, mfaToken);
    expect(again.status).toBe(401);
    expect(again.body.type).toMatch(/mfa-token-invalid$/);
  });

  it('refuses an assertion not made for the mfaToken, and counts it against the token', async () => {
    const { user, tokens } = await withPasskey();
    await turnOnTotp(user, tokens);
    const mfaToken = await mfaRequired(user);

    // The user's own passkey, but asserted for passwordless options: not bound to this login.
    const passwordless = await page.assertPasskey(A);
    const reply = await page.post(`${A}${SIGN_IN}`, { response: passwordless, mfaToken });
    expect(reply.status).toBe(401);
    expect(reply.body.type).toMatch(/passkey-invalid$/);
    const failed = await sql(
      directUrl(),
      `SELECT failed_attempts FROM mfa_challenges WHERE user_id = $1`,
      [user.id],
    );
    expect(failed.rows).toEqual([{ failed_attempts: 1 }]);

    // Options asked with the token, and the answer: the login finishes.
    const own = await page.secondFactor(A, mfaToken);
    expect(own.status).toBe(200);
  });

  it("an admin's MFA reset removes the user's passkeys with their TOTP", async () => {
    const { user, tokens } = await withPasskey();
    await turnOnTotp(user, tokens);
    const admin = await signUp(a);
    await sql(directUrl(), `UPDATE users SET role = 'admin' WHERE id = $1`, [admin.user.id]);
    const adminTokens = await login(a, admin.user);

    const reset = await a.delete(`/api/v1/users/${user.id}/mfa`, {
      token: adminTokens.access_token,
    });
    expect(reset.status).toBe(204);
    const left = await sql(
      directUrl(),
      `SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1`,
      [user.id],
    );
    expect(left.rows).toEqual([{ n: 0 }]);
    // The password alone signs in again.
    await login(a, user);
  });

  it('refuses options for an unknown mfaToken', async () => {
    const reply = await page.post(`${A}${SIGN_IN}/options`, { mfaToken: 'not-a-token' });
    expect(reply.status).toBe(401);
    expect(reply.body.type).toMatch(/mfa-token-invalid$/);
  });

  it('registers a passkey, lists it and records the registration', async () => {
    const { tokens, passkey } = await withPasskey('Laptop');
    expect(passkey).toEqual({
      id: expect.any(String),
      name: 'Laptop',
      createdAt: expect.any(String),
      lastUsedAt: null,
    });

    const list = await a.get('/api/v1/auth/passkeys', { token: tokens.access_token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([passkey]);
    expect((await eventsOf(tokens)).map((event) => event.type)).toContain('passkey.registered');
  });

  it('refuses a second answer to the same creation options', async () => {
    const { tokens } = await signUp(a);
    const response = await page.createPasskey(A, tokens.access_token);
    const register = () =>
      a.post('/api/v1/auth/passkeys/registration', {
        token: tokens.access_token,
        body: { response },
      });
    expect((await register()).status).toBe(201);
    const again = await register();
    expect({ status: again.status, type: again.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
  });

  it('signs in without a password: aal2 with amr hwk+user, kept by a refresh', async () => {
    const { user, tokens } = await withPasskey();
    const reply = await page.signIn(A);
    expect(reply.status).toBe(200);
    expect(reply.body.user.id).toBe(user.id);
    expect(decodeJwt(reply.body.access_token)).toMatchObject({
      sub: user.id,
      amr: ['hwk', 'user'],
      aal: 'aal2',
    });
    expect((await a.get('/api/v1/users/me', { token: reply.body.access_token })).status).toBe(200);

    const refreshed = await a.post('/api/v1/auth/refresh', {
      body: { refresh_token: reply.body.refresh_token },
    });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({
      amr: ['hwk', 'user'],
      aal: 'aal2',
    });
    // A password login says so.
    expect(decodeJwt(tokens.access_token)).toMatchObject({ amr: ['pwd'], aal: 'aal1' });

    const [listed] = (await a.get('/api/v1/auth/passkeys', { token: tokens.access_token })).body;
    expect(listed.lastUsedAt).toEqual(expect.any(String));
    const used = (await eventsOf(tokens)).find((event) => event.type === 'passkey.used');
    expect(used?.details).toMatchObject({ userVerified: true });
  });

  it('opens no session for a sign-in whose passkey is removed as its session starts', async () => {
    const { user } = await withPasskey();
    const credential = await page.assertPasskey(A);
    const liveSessions = async () =>
      (
        await sql(
          directUrl(),
          'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
          [user.id],
        )
      ).rows[0].n as number;
    const before = await liveSessions();

    // What the user's removal of the passkey, or an admin's MFA reset, commits meanwhile.
    const reply = await overtakenBy(
      user.id,
      { sql: 'DELETE FROM passkeys WHERE user_id = $1' },
      () => page.post(`${A}${SIGN_IN}`, { response: credential }),
      directUrl(),
    );

    expect({ status: reply.status, type: reply.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
    expect(await liveSessions()).toBe(before);
  });

  it('takes options from one instance and the assertion on the other', async () => {
    const { user } = await withPasskey();
    const credential = await page.assertPasskey(A);
    const reply = await page.post(`${B}${SIGN_IN}`, { response: credential });
    expect(reply.status).toBe(200);
    expect(reply.body.user.id).toBe(user.id);
  });

  it('refuses a replayed assertion, and an authenticator whose counter went back', async () => {
    await withPasskey();
    const credential = await page.assertPasskey(A);
    expect((await page.post(`${A}${SIGN_IN}`, { response: credential })).status).toBe(200);
    const replayed = await page.post(`${B}${SIGN_IN}`, { response: credential });
    expect({ status: replayed.status, type: replayed.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });

    // A clone of the authenticator: the stored counter is ahead of what it reports next.
    const [held] = await page.credentials();
    expect(held.signCount).toBeGreaterThan(0);
    await sql(directUrl(), 'UPDATE passkeys SET counter = $2 WHERE credential_id = $1', [
      held.credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      held.signCount + 10,
    ]);
    const cloned = await page.signIn(A);
    expect({ status: cloned.status, type: cloned.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
  });

  it('lets only one of two assertions with one counter, at once on two instances, in', async () => {
    // Two clones of one authenticator sign in at the same moment, reporting the same counter.
    const { user } = await withPasskey();
    const [before] = await page.credentials();
    const first = await page.assertPasskey(A);
    await page.rewindCounter(before.signCount);
    const second = await page.assertPasskey(B);
    const [held] = await page.credentials();
    expect(held.signCount).toBe(before.signCount + 1);

    const replies = await Promise.all([
      page.post(`${A}${SIGN_IN}`, { response: first }),
      page.post(`${B}${SIGN_IN}`, { response: second }),
    ]);

    const [signedIn, refused] = replies[0].status === 200 ? replies : [replies[1], replies[0]];
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(user.id);
    expect({ status: refused.status, type: refused.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
  });

  it('refuses a forged signature, and its challenge is spent', async () => {
    const { tokens } = await withPasskey();
    const credential = await page.assertPasskey(A);
    const forged = await page.post(`${A}${SIGN_IN}`, {
      response: tampered(credential, 'signature'),
    });
    expect({ status: forged.status, type: forged.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
    expect((await page.post(`${A}${SIGN_IN}`, { response: credential })).status).toBe(401);
    // Failures are written after the answer (they change nothing).
    let reasons: unknown[] = [];
    await within(5000, async () => {
      const events = await eventsOf(tokens);
      reasons = events.filter((e) => e.type === 'passkey.failed').map((e) => e.details.reason);
      return reasons.length === 2;
    });
    expect(reasons.sort()).toEqual(['challenge', 'verification']);
  });

  it('refuses an expired challenge', async () => {
    await withPasskey();
    const credential = await page.assertPasskey(A);
    const { challenge } = JSON.parse(
      Buffer.from(credential.response.clientDataJSON, 'base64url').toString('utf8'),
    );
    await sql(
      directUrl(),
      "UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1",
      [challenge],
    );
    expect((await page.post(`${A}${SIGN_IN}`, { response: credential })).status).toBe(401);
  });

  it('a deleted passkey signs in no more', async () => {
    const { tokens, passkey } = await withPasskey();
    const remove = () =>
      b.delete(`/api/v1/auth/passkeys/${passkey.id}`, { token: tokens.access_token });
    expect((await remove()).status).toBe(204);
    expect((await remove()).status).toBe(404);
    expect((await a.get('/api/v1/auth/passkeys', { token: tokens.access_token })).body).toEqual([]);

    const reply = await page.signIn(A);
    expect({ status: reply.status, type: reply.body.type }).toEqual({
      status: 401,
      type: '/problems/passkey-invalid',
    });
    expect((await eventsOf(tokens)).map((event) => event.type)).toContain('passkey.deleted');
  });

  it("cannot delete another user's passkey", async () => {
    const { passkey } = await withPasskey();
    const { tokens: other } = await signUp(a);
    const reply = await a.delete(`/api/v1/auth/passkeys/${passkey.id}`, {
      token: other.access_token,
    });
    expect(reply.status).toBe(404);
  });

  it('answers garbage with 401 or 400, never 500', async () => {
    const bodies = [
      { response: {} },
      { response: { id: 'x', response: { clientDataJSON: 'not json' } } },
      {
        response: {
          id: 'x',
          response: { clientDataJSON: Buffer.from('{}').toString('base64url') },
        },
      },
      { response: 'string' },
      {},
      { response: {}, mfaToken: 5 },
    ];
    for (const body of bodies) {
      const reply = await a.post(`/api/v1${SIGN_IN}`, { body });
      expect([400, 401]).toContain(reply.status);
    }
  });
});
