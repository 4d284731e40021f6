import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MailOutbox } from '../../src/mail/mail-outbox.service.js';
import { AppSuite, Http, resetDatabase, startApp } from './app.js';
import { TestSmtpServer } from './smtp.js';

export const RESET_URL = 'https://app.example.com/reset-password';
export const VERIFY_URL = 'https://app.example.com/verify-email';
export const MAIL_FROM = 'Auth Tests <auth@example.com>';

/** Waits until every mail the app was asked for is sent (or failed). */
export const settled = (app: NestFastifyApplication) => app.get(MailOutbox).drain();

/**
 * A real SMTP server for the spec file (started in beforeAll, its mails emptied before each
 * test), with the settings and the app suites that send to it.
 */
export function useMailServer() {
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

  return { smtp, mailEnv, useMailApp };
}
