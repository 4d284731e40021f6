import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { DataSource } from 'typeorm';
import { MailOutbox } from '../src/mail/mail-outbox.service.js';
import {
  AppSuite,
  createAdmin,
  expectBodyRefusals,
  expectFieldError,
  expectProblem,
  Http,
  login,
  registerUser,
  resetDatabase,
  signUp,
  startApp,
  TestUser,
  withApp,
} from './support/app.js';
import { TestSmtpServer, tokenIn } from './support/smtp.js';

const AUTH = '/api/v1/auth';
const RESET_URL = 'https://app.example.com/reset-password';
const VERIFY_URL = 'https://app.example.com/verify-email';
const MAIL_FROM = 'Auth Tests <auth@example.com>';

const smtp = new TestSmtpServer();
beforeAll(() => smtp.start());
afterAll(() => smtp.stop());
beforeEach(() => {
  smtp.mails.length = 0;
});

const mailEnv = () => ({
  SMTP_URL: smtp.url,
  MAIL_FROM,
  RESET_PASSWORD_URL: RESET_URL,
  VERIFY_EMAIL_URL: VERIFY_URL,
});

/**
 * An app for the describe block, wired to the test SMTP server, whose port is known only once
 * the server listens (in beforeAll).
 */
function useMailApp(env: Record<string, string> = {}): AppSuite {
  let started: NestFastifyApplication | undefined;
  beforeAll(async () => {
    started = await startApp({ ...mailEnv(), ...env });
    await resetDatabase(started);
  });
  afterAll(async () => {
    await started?.close();
  });
  const app = () => {
    if (!started) throw new Error('The app starts in beforeAll; use it inside a hook or test.');
    return started;
  };
  return { app, http: new Http(app) };
}

/** Waits until every mail the app was asked for is sent (or failed). */
const settled = (app: NestFastifyApplication) => app.get(MailOutbox).drain();

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

describe('REQUIRE_VERIFIED_EMAIL=true (e2e)', () => {
  const suite = useMailApp({ REQUIRE_VERIFIED_EMAIL: 'true' });
  const { http } = suite;

  it('refuses the right password of an unverified address with 403, until verified', async () => {
    const user = await registerUser(http);
    const right = () =>
      http.post(`${AUTH}/login`, { body: { username: user.username, password: user.password } });
    expectProblem(await right(), 403, 'email-not-verified');
    expectProblem(
      await http.post(`${AUTH}/login`, { body: { email: user.email, password: 'wrong password' } }),
      401,
      'invalid-credentials',
    );

    await settled(suite.app());
    const token = tokenIn(smtp.to(user.email)[0], VERIFY_URL);
    expect((await http.post(`${AUTH}/email/verify`, { body: { token } })).status).toBe(204);
    expect((await right()).status).toBe(200);
  });

  it('lets the first admin in', async () => {
    const admin = await createAdmin(suite.app());
    await login(http, admin);
  });
});

describe('Mail limits per address (e2e)', () => {
  const suite = useMailApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_AUTH: '1000',
    RATE_LIMIT_MAIL: '5',
    REDIS_URL: '',
    REDIS_KEY_PREFIX: `account-e2e:${randomBytes(6).toString('hex')}:`,
  });
  const { http } = suite;

  it('answers 429 after 5 mails an hour for one address, from any IP, known or not', async () => {
    for (const email of ['limit-known@example.com', 'limit-unknown@example.com']) {
      if (email.startsWith('limit-known')) {
        await registerUser(http, { email, username: `limit_${randomBytes(3).toString('hex')}` });
      }
      for (let i = 0; i < 5; i++) {
        const reply = await http.post(`${AUTH}/password/forgot`, {
          body: { email },
          remoteAddress: `10.13.0.${i + 1}`,
        });
        expect(reply.status).toBe(202);
      }
      const limited = await http.post(`${AUTH}/password/forgot`, {
        body: { email: email.toUpperCase() },
        remoteAddress: '10.13.1.1',
      });
      expectProblem(limited, 429, 'too-many-requests');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    }
    const other = await http.post(`${AUTH}/password/forgot`, {
      body: { email: 'limit-other@example.com' },
      remoteAddress: '10.13.1.1',
    });
    expect(other.status).toBe(202);
    await settled(suite.app());
    expect(
      smtp.to('limit-known@example.com').filter((m) => m.raw.includes(RESET_URL)),
    ).toHaveLength(5);
  });

  it('counts verification resends against the same address', async () => {
    const { user, tokens } = await signUp(http, {
      username: `resend_${randomBytes(3).toString('hex')}`,
    });
    for (let i = 0; i < 5; i++) {
      const reply = await http.post(`${AUTH}/password/forgot`, {
        body: { email: user.email },
        remoteAddress: `10.14.0.${i + 1}`,
      });
      expect(reply.status).toBe(202);
    }
    const resend = await http.post(`${AUTH}/email/verify/resend`, {
      token: tokens.access_token,
      remoteAddress: '10.14.1.1',
    });
    expectProblem(resend, 429, 'too-many-requests');
  });
});

describe('The per-IP limit on the mail routes (e2e)', () => {
  const suite = useMailApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_AUTH: '2',
    REDIS_URL: '',
    REDIS_KEY_PREFIX: `account-e2e:${randomBytes(6).toString('hex')}:`,
  });
  const { http } = suite;

  it.each([
    ['forgot', `${AUTH}/password/forgot`, (i: number) => ({ email: `ip-${i}@example.com` })],
    ['reset', `${AUTH}/password/reset`, () => ({ token: 'x', newPassword: 'long enough pw' })],
    ['verify', `${AUTH}/email/verify`, () => ({ token: 'x' })],
  ])('applies to %s, whatever the address', async (_name, url, body) => {
    const ip = `10.15.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    for (let i = 0; i < 2; i++) {
      const reply = await http.post(url, { body: body(i), remoteAddress: ip });
      expect(reply.status).not.toBe(429);
    }
    expectProblem(
      await http.post(url, { body: body(3), remoteAddress: ip }),
      429,
      'too-many-requests',
    );
    const elsewhere = await http.post(url, { body: body(4), remoteAddress: '10.16.0.1' });
    expect(elsewhere.status).not.toBe(429);
  });
});

describe('When the mail server is down (e2e)', () => {
  it('still answers as documented, logs the failure with the request id, loses nothing', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    smtp.down = true;
    try {
      await withApp(
        mailEnv(),
        async (http: Http, app) => {
          const registered = await http.post(`${AUTH}/register`, {
            body: {
              email: 'down@example.com',
              username: 'mail_down',
              password: 'a fine passphrase',
            },
          });
          expect(registered.status).toBe(201);
          const forgot = await http.post(`${AUTH}/password/forgot`, {
            body: { email: 'down@example.com' },
          });
          expect(forgot.status).toBe(202);
          await settled(app);

          const failures = lines
            .map((line) => JSON.parse(line) as Record<string, unknown>)
            .filter((entry) => entry.level === 50 && entry.context === 'MailOutbox');
          expect(failures.map((entry) => entry.requestId)).toEqual([
            registered.headers['x-request-id'],
            forgot.headers['x-request-id'],
          ]);
          expect(lines.join('\n')).not.toContain('a fine passphrase');

          // The account is there, and both mails can be asked for again once SMTP is back.
          const tokens = await login(http, {
            email: 'down@example.com',
            password: 'a fine passphrase',
          });
          smtp.down = false;
          expect(
            (await http.post(`${AUTH}/password/forgot`, { body: { email: 'down@example.com' } }))
              .status,
          ).toBe(202);
          expect(
            (await http.post(`${AUTH}/email/verify/resend`, { token: tokens.access_token })).status,
          ).toBe(202);
          await settled(app);
          const mails = smtp.to('down@example.com');
          const reset = tokenIn(
            mails.find((m) => m.raw.includes(RESET_URL))!,
            RESET_URL,
          );
          const verify = tokenIn(
            mails.find((m) => m.raw.includes(VERIFY_URL))!,
            VERIFY_URL,
          );
          expect(
            (
              await http.post(`${AUTH}/password/reset`, {
                body: { token: reset, newPassword: 'another fine passphrase' },
              })
            ).status,
          ).toBe(204);
          expect(
            (await http.post(`${AUTH}/email/verify`, { body: { token: verify } })).status,
          ).toBe(204);
        },
        { logger },
      );
    } finally {
      smtp.down = false;
    }
  });
});

describe('Without SMTP_URL (e2e)', () => {
  it('writes each mail, link included, to the log in development', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    await withApp(
      { ...mailEnv(), SMTP_URL: '', NODE_ENV: 'development' },
      async (http, app) => {
        const user = await registerUser(http);
        await settled(app);
        const logged = lines.filter((line) => line.includes(`${VERIFY_URL}?token=`));
        expect(logged).toHaveLength(1);
        expect(logged[0]).toContain(user.email);
      },
      { logger },
    );
    expect(smtp.mails).toEqual([]);
  });

  it('warns at start in production that no mail will go out; routes still answer', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    await withApp(
      { ...mailEnv(), SMTP_URL: '', NODE_ENV: 'production' },
      async (http, app) => {
        expect(lines.some((line) => /"level":40.*SMTP_URL is not set/.test(line))).toBe(true);
        const user = await registerUser(http);
        const forgot = await http.post(`${AUTH}/password/forgot`, { body: { email: user.email } });
        expect(forgot.status).toBe(202);
        await settled(app);
        expect(lines.some((line) => line.includes('token='))).toBe(false);
      },
      { logger },
    );
    expect(smtp.mails).toEqual([]);
  });
});
