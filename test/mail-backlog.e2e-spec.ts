import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { NO_CLIENT } from '../src/common/principal/client-info.js';
import { UsersService } from '../src/users/users.service.js';
import { expectProblem, Http, resetDatabase, startApp } from './support/app.js';
import { HungSmtpServer } from './support/hung-smtp.js';
import { within } from './support/poll.js';

const FORGOT = '/api/v1/auth/password/forgot';

/**
 * Mail work done after the answer is bounded: a mail server that hangs holds at most
 * SMTP_MAX_CONNECTIONS connections, and past MAIL_QUEUE_LIMIT waiting mails the routes that
 * would queue one answer 503 with Retry-After instead of accepting.
 */
describe('Mail queued after the answer, with a hung mail server (e2e)', () => {
  const smtp = new HungSmtpServer();
  let app: NestFastifyApplication;
  let http: Http;
  const emails = Array.from({ length: 10 }, (_, i) => `backlog-${i}@example.com`);

  beforeAll(async () => {
    await smtp.start();
    app = await startApp({
      SMTP_URL: smtp.url,
      SMTP_MAX_CONNECTIONS: '2',
      MAIL_QUEUE_LIMIT: '5',
      MAIL_SHUTDOWN_TIMEOUT: '1',
    });
    await resetDatabase(app);
    http = new Http(app);
    // Made without the registration route, which would queue verification mails.
    for (const [i, email] of emails.entries()) {
      const username = `backlog_${i}_${randomBytes(3).toString('hex')}`;
      await app
        .get(UsersService)
        .create({ email, username, password: 'a long passphrase' }, NO_CLIENT);
    }
  });

  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  it('accepts what the queue holds, answers 503 with Retry-After past it, and opens 2 connections', async () => {
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        http.post(FORGOT, { body: { email: emails[i % emails.length] } }),
      ),
    );

    const refused = replies.filter((reply) => reply.status !== 202);
    // Two mails being composed or sent, five waiting.
    expect(replies.length - refused.length).toBe(7);
    for (const reply of refused) {
      expectProblem(reply, 503, 'service-unavailable');
      expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    await within(5_000, () => Promise.resolve(smtp.open === 2));
    expect(smtp.mostOpen).toBe(2);

    const metrics = (await http.get('/metrics')).text;
    expect(metrics).toMatch(/^mail_outbox_running 2$/m);
    expect(metrics).toMatch(/^mail_outbox_waiting 5$/m);
  });
});
