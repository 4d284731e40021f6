import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import {
  createAdmin,
  expectProblem,
  Http,
  login,
  registerUser,
  signUp,
  withApp,
} from './support/app.js';
import { tokenIn } from './support/smtp.js';
import { RESET_URL, settled, useMailServer, VERIFY_URL } from './support/mail-app.js';

const AUTH = '/api/v1/auth';

const { smtp, mailEnv, useMailApp } = useMailServer();

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
