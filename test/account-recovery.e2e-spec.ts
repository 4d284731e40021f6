import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  createAdmin,
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  TestUser,
} from './support/app.js';
import { tokenIn } from './support/smtp.js';
import { RESET_URL, settled, useMailServer, VERIFY_URL } from './support/mail-app.js';

const AUTH = '/api/v1/auth';

const { smtp, useMailApp } = useMailServer();

describe('Account recovery and email verification (e2e, real SMTP)', () => {
  const suite = useMailApp();
  const { http } = suite;

  async function forgot(email: string) {
    const reply = await http.post(`${AUTH}/password/forgot`, { body: { email } });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    await settled(suite.app());
  }

  async function resetToken(user: TestUser): Promise<string> {
    await forgot(user.email);
    const mails = smtp.to(user.email).filter((mail) => mail.raw.includes(RESET_URL));
    expect(mails.length).toBeGreaterThan(0);
    return tokenIn(mails[mails.length - 1], RESET_URL);
  }

  const reset = (token: string, newPassword = 'a brand new passphrase') =>
    http.post(`${AUTH}/password/reset`, { body: { token, newPassword } });

  it('documents the routes and their problems in the OpenAPI document', async () => {
    const doc = await http.get('/docs-json');
    const route = (path: string) => doc.body.paths[`/api/v1/auth/${path}`].post;
    const problemTypes = (operation: { responses: Record<string, unknown> }, status: string) =>
      JSON.stringify(operation.responses[status]);

    expect(Object.keys(route('password/forgot').responses)).toEqual(
      expect.arrayContaining(['202', '400', '413', '415', '429']),
    );
    for (const path of ['password/reset', 'email/verify']) {
      expect(Object.keys(route(path).responses)).toEqual(
        expect.arrayContaining(['204', '400', '413', '415', '429']),
      );
      expect(problemTypes(route(path), '400')).toContain('/problems/action-token-invalid');
    }
    const resend = route('email/verify/resend');
    expect(resend.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(resend.responses)).toEqual(expect.arrayContaining(['202', '401', '429']));
    expect(problemTypes(route('login'), '403')).toContain('/problems/email-not-verified');
    const schemas = doc.body.components.schemas;
    expect(schemas.ResetPasswordDto.properties.token.example).toBeDefined();
    expect(schemas.ResetPasswordDto.properties.newPassword.example).toBeDefined();
    expect(schemas.ForgotPasswordDto.properties.email.example).toBeDefined();
    expect(schemas.UserDto.required).toContain('emailVerified');
  });

  describe('POST /auth/password/forgot and /auth/password/reset', () => {
    it('mails a link; the reset sets the new password and ends every session', async () => {
      const { user, tokens } = await signUp(http);
      const other = await login(http, user);
      const token = await resetToken(user);

      const [mail] = smtp.to(user.email).filter((m) => m.raw.includes(RESET_URL));
      expect(mail.from).toBe('auth@example.com');
      expect(mail.raw).toMatch(/^From: Auth Tests <auth@example\.com>/m);
      expect(mail.raw).toMatch(/^Subject: Reset your password/m);
      expect(mail.raw).toMatch(/Content-Type: text\/plain/);
      expect(mail.raw).toMatch(/Content-Type: text\/html/);
      expect(mail.raw).toContain(`href="${RESET_URL}?token=${token}"`);
      expect(mail.raw).toContain(user.username);

      expect((await reset(token)).status).toBe(204);

      expectProblem(
        await http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } }),
        401,
        'invalid-credentials',
      );
      const fresh = await login(http, { email: user.email, password: 'a brand new passphrase' });
      const events = await http.get('/api/v1/users/me/security-events', {
        token: fresh.access_token,
      });
      const types = (events.body.data as { type: string; actorId: string | null }[]).map(
        (event) => [event.type, event.actorId],
      );
      expect(types).toEqual(
        expect.arrayContaining([
          ['auth.password.reset_requested', null],
          ['auth.password.reset', user.id],
        ]),
      );
      expect(events.text).not.toContain(token);
      for (const session of [tokens, other]) {
        expectProblem(
          await http.get('/api/v1/users/me', { token: session.access_token }),
          401,
          'token-revoked',
        );
        expectProblem(
          await http.post(`${AUTH}/refresh`, {
            body: { refresh_token: session.refresh_token },
          }),
          401,
          'refresh-token-invalid',
        );
      }
    });

    it('takes a token once', async () => {
      const user = await registerUser(http);
      const token = await resetToken(user);
      expect((await reset(token)).status).toBe(204);
      expectProblem(await reset(token, 'yet another passphrase'), 400, 'action-token-invalid');
      await login(http, { email: user.email, password: 'a brand new passphrase' });
    });

    it('answers 202 and sends nothing for an unknown address', async () => {
      await forgot(`nobody-${randomBytes(4).toString('hex')}@example.com`);
      expect(smtp.mails).toEqual([]);
    });

    it('answers 202 and sends nothing for a deactivated account', async () => {
      const user = await registerUser(http);
      await suite
        .app()
        .get(DataSource)
        .query(`UPDATE users SET is_active = false WHERE id = $1`, [user.id]);
      await settled(suite.app());
      smtp.mails.length = 0;
      await forgot(user.email);
      expect(smtp.mails).toEqual([]);
    });

    it('finds the account ignoring the case of the address', async () => {
      const user = await registerUser(http);
      await forgot(`  ${user.email.toUpperCase()} `);
      expect(smtp.to(user.email).filter((m) => m.raw.includes(RESET_URL))).toHaveLength(1);
    });

    it('voids the older links when a newer one is asked for', async () => {
      const user = await registerUser(http);
      const older = await resetToken(user);
      const newer = await resetToken(user);
      expect(newer).not.toBe(older);
      expectProblem(await reset(older), 400, 'action-token-invalid');
      expect((await reset(newer)).status).toBe(204);
    });

    it('refuses an expired token', async () => {
      const user = await registerUser(http);
      const token = await resetToken(user);
      await suite
        .app()
        .get(DataSource)
        .query(
          `UPDATE account_action_tokens SET expires_at = now() - interval '1 second'
           WHERE user_id = $1 AND purpose = 'password-reset'`,
          [user.id],
        );
      expectProblem(await reset(token), 400, 'action-token-invalid');
      await login(http, user);
    });

    it('stores only a hash of the token', async () => {
      const user = await registerUser(http);
      const token = await resetToken(user);
      const rows: { token_hash: string }[] = await suite
        .app()
        .get(DataSource)
        .query(`SELECT token_hash FROM account_action_tokens WHERE user_id = $1`, [user.id]);
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it.each([
      ['garbage', 'not-a-token'],
      ['empty', ''],
      ['well-formed but unknown', randomBytes(32).toString('base64url')],
    ])('refuses a %s token with 400 action-token-invalid', async (_case, token) => {
      expectProblem(await reset(token), 400, 'action-token-invalid');
    });

    it('keeps the password rules of registration; a refused password keeps the token', async () => {
      const user = await registerUser(http);
      const token = await resetToken(user);
      expectFieldError(await reset(token, 'short'), 'newPassword');
      expectFieldError(await reset(token, user.email.toUpperCase()), 'newPassword');
      expectFieldError(await reset(token, 'password123'), 'newPassword');
      expect((await reset(token)).status).toBe(204);
    });

    it('answers 400 for missing or unknown fields', async () => {
      expectFieldError(await http.post(`${AUTH}/password/forgot`, { body: {} }), 'email');
      expectFieldError(
        await http.post(`${AUTH}/password/forgot`, { body: { email: 'not an email' } }),
        'email',
      );
      expectFieldError(
        await http.post(`${AUTH}/password/forgot`, {
          body: { email: 'a@example.com', role: 'admin' },
        }),
        'role',
      );
      expectFieldError(
        await http.post(`${AUTH}/password/reset`, { body: { newPassword: 'long enough pw' } }),
        'token',
      );
      expectFieldError(
        await http.post(`${AUTH}/password/reset`, { body: { token: 'x' } }),
        'newPassword',
      );
      await expectBodyRefusals(http, 'POST', `${AUTH}/password/forgot`);
      await expectBodyRefusals(http, 'POST', `${AUTH}/password/reset`);
    });
  });

  describe('email verification', () => {
    async function verificationToken(email: string): Promise<string> {
      await settled(suite.app());
      const mails = smtp.to(email).filter((mail) => mail.raw.includes(VERIFY_URL));
      expect(mails.length).toBeGreaterThan(0);
      return tokenIn(mails[mails.length - 1], VERIFY_URL);
    }

    const verify = (token: string) => http.post(`${AUTH}/email/verify`, { body: { token } });

    it('mails a link at registration; following it makes emailVerified true, once', async () => {
      const { user, tokens } = await signUp(http);
      const me = await http.get('/api/v1/users/me', { token: tokens.access_token });
      expect(me.body.emailVerified).toBe(false);

      const token = await verificationToken(user.email);
      const [mail] = smtp.to(user.email);
      expect(mail.raw).toMatch(/^Subject: Confirm your email address/m);
      expect(mail.raw).toMatch(/Content-Type: text\/plain/);
      expect(mail.raw).toMatch(/Content-Type: text\/html/);

      expect((await verify(token)).status).toBe(204);
      const after = await http.get('/api/v1/users/me', { token: tokens.access_token });
      expect(after.body.emailVerified).toBe(true);
      expectProblem(await verify(token), 400, 'action-token-invalid');
      const events = await http.get('/api/v1/users/me/security-events', {
        token: tokens.access_token,
      });
      const verified = (events.body.data as { type: string }[]).filter(
        (event) => event.type === 'auth.email.verified',
      );
      expect(verified).toEqual([expect.objectContaining({ userId: user.id, actorId: user.id })]);
    });

    it('refuses a reset token as a verification token, and the other way round', async () => {
      const user = await registerUser(http);
      const verifyToken = await verificationToken(user.email);
      await http.post(`${AUTH}/password/forgot`, { body: { email: user.email } });
      await settled(suite.app());
      const resetMail = smtp.to(user.email).find((mail) => mail.raw.includes(RESET_URL));
      const reset = tokenIn(resetMail!, RESET_URL);
      expectProblem(await verify(reset), 400, 'action-token-invalid');
      expectProblem(
        await http.post(`${AUTH}/password/reset`, {
          body: { token: verifyToken, newPassword: 'a brand new passphrase' },
        }),
        400,
        'action-token-invalid',
      );
    });

    it('resends while unverified, and sends nothing once verified', async () => {
      const { user, tokens } = await signUp(http);
      const first = await verificationToken(user.email);
      const resend = () => http.post(`${AUTH}/email/verify/resend`, { token: tokens.access_token });

      expect((await resend()).status).toBe(202);
      const second = await verificationToken(user.email);
      expect(second).not.toBe(first);
      expect(smtp.to(user.email)).toHaveLength(2);

      expect((await verify(second)).status).toBe(204);
      expect((await resend()).status).toBe(202);
      await settled(suite.app());
      expect(smtp.to(user.email)).toHaveLength(2);
    });

    it('needs a bearer token to resend', async () => {
      expectProblem(await http.post(`${AUTH}/email/verify/resend`), 401, 'token-missing');
    });

    it('refuses bad tokens and bad bodies', async () => {
      expectProblem(await verify('nope'), 400, 'action-token-invalid');
      expectFieldError(await http.post(`${AUTH}/email/verify`, { body: {} }), 'token');
      expectFieldError(await http.post(`${AUTH}/email/verify`, { body: { token: 7 } }), 'token');
      await expectBodyRefusals(http, 'POST', `${AUTH}/email/verify`);
    });

    it('takes the first admin as verified', async () => {
      const admin = await createAdmin(suite.app());
      const tokens = await login(http, admin);
      const me = await http.get('/api/v1/users/me', { token: tokens.access_token });
      expect(me.body.emailVerified).toBe(true);
    });

    it('counts a password reset as proof of the address', async () => {
      const user = await registerUser(http);
      const token = await resetToken(user);
      expect((await reset(token)).status).toBe(204);
      const tokens = await login(http, { email: user.email, password: 'a brand new passphrase' });
      const me = await http.get('/api/v1/users/me', { token: tokens.access_token });
      expect(me.body.emailVerified).toBe(true);
    });
  });
});
