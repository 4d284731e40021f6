import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Page } from 'playwright-core';
import { freePort } from '../src/database/embedded-postgres.js';
import { Http, login, registerUser, resetDatabase, startApp, TestUser } from './support/app.js';
import { useBrowser } from './support/browser.js';
import { MAIL_FROM, settled } from './support/mail-app.js';
import { ReceivedMail, TestSmtpServer } from './support/smtp.js';

const NEW_PASSWORD = 'a brand new passphrase';

/**
 * The pages the mailed links open, with the default settings (no PUBLIC_URL, no
 * RESET_PASSWORD_URL, no VERIFY_EMAIL_URL): the link in a mail caught by a real SMTP server,
 * followed in headless Chromium, on a server listening on PORT as `npm start` does.
 */
describe('Mailed-link pages in a browser (e2e, real SMTP, Chromium)', () => {
  const smtp = new TestSmtpServer();
  const browser = useBrowser();
  let app: NestFastifyApplication;
  let http: Http;
  let origin: string;

  beforeAll(async () => {
    await smtp.start();
    const port = await freePort();
    origin = `http://localhost:${port}`;
    app = await startApp({ PORT: String(port), SMTP_URL: smtp.url, MAIL_FROM });
    await resetDatabase(app);
    await app.listen({ port, host: 'localhost' });
    http = new Http(() => app);
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  /** The one link to `path` in the newest mail to the user, with the default address. */
  async function mailedLink(user: TestUser, path: string): Promise<string> {
    await settled(app);
    const mails: ReceivedMail[] = smtp.to(user.email);
    const links = mails.at(-1)?.raw.match(/http:\/\/[^\s"<>]+\?token=[A-Za-z0-9_-]+/g) ?? [];
    const link = [...new Set(links)].find((candidate) => candidate.includes(path));
    expect(link).toMatch(new RegExp(`^${origin}/${path}\\?token=`));
    return link!;
  }

  /**
   * A page in a fresh browser profile, recording what the browser reports as an error (a CSP
   * refusal, a script error), but the 4xx answers the pages show on purpose.
   */
  async function open(url: string) {
    const context = await browser.context();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
        errors.push(text);
      }
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(url);
    return { page, response, errors, close: () => context.close() };
  }

  const focused = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");
  const outcome = (page: Page) => page.locator('#outcome');

  it('confirms the address as the verification page loads', async () => {
    const user = await registerUser(http);
    const link = await mailedLink(user, 'verify-email');
    const { page, response, errors, close } = await open(link);
    try {
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
      expect(response?.headers()['cache-control']).toBe('no-store');
      await page.locator('#outcome:not([hidden])').waitFor();
      expect(await outcome(page).textContent()).toMatch(/email address is confirmed/);
      expect(await focused(page)).toBe('outcome');
      // The token left the address bar (and the history) once the page had it.
      expect(page.url()).toBe(`${origin}/verify-email`);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    const { access_token } = await login(http, user);
    const me = await http.get('/api/v1/users/me', { token: access_token });
    expect(me.body.emailVerified).toBe(true);

    // The same link again: spent, and the page says so.
    const again = await open(link);
    try {
      await again.page.locator('#outcome:not([hidden])').waitFor();
      expect(await outcome(again.page).textContent()).toMatch(/no longer works/);
      expect(await again.page.locator('form').isHidden()).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('sets a new password from the reset link, after saying at the field what was wrong', async () => {
    const user = await registerUser(http);
    const forgot = await http.post('/api/v1/auth/password/forgot', { body: { email: user.email } });
    expect(forgot.status).toBe(202);
    const link = await mailedLink(user, 'reset-password');
    const { page, response, errors, close } = await open(link);
    try {
      expect(response?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      // The field is named by its label, and has the focus.
      const field = page.getByLabel('New password');
      expect(await focused(page)).toBe('new-password');

      // A password the API refuses: the reason at the field, read out, and the focus back there.
      await field.fill(user.username);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.locator('#field-error:not([hidden])').waitFor();
      expect(await page.locator('#field-error').textContent()).toMatch(
        /^The new password must not be the same as the email or username/,
      );
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await field.getAttribute('aria-describedby')).toContain('field-error');
      expect(await focused(page)).toBe('new-password');

      await field.fill(NEW_PASSWORD);
      await field.press('Enter');
      await page.locator('#outcome:not([hidden])').waitFor();
      expect(await outcome(page).textContent()).toMatch(/new password is set/);
      expect(await outcome(page).getAttribute('role')).toBe('alert');
      expect(await focused(page)).toBe('outcome');
      expect(await page.locator('form').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    await login(http, { email: user.email, password: NEW_PASSWORD });
    const old = await http.post('/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(old.status).toBe(401);
  });

  it('answers a link without a usable token with a page that says so', async () => {
    for (const path of ['reset-password', 'verify-email?token=', 'verify-email?token=a%20b']) {
      const { page, response, errors, close } = await open(`${origin}/${path}`);
      try {
        expect(response?.status()).toBe(400);
        expect(await page.getByRole('alert').textContent()).toMatch(/link is not complete/);
        expect(await page.locator('form').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    }
  });

  it('runs no script but its own: a token cannot inject markup', async () => {
    const reply = await http.get('/reset-password?token=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(reply.status).toBe(400);
    expect(String(reply.body)).not.toContain('<script>alert');
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
  });
});
