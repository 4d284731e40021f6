import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Http, registerUser } from './support/app.js';
import { HungSmtpServer } from './support/hung-smtp.js';
import { within } from './support/poll.js';
import { buildOnce, startServer } from './support/server.js';

/** The log lines of a server process, parsed. */
const logLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('Shutdown with mail pending for a hung mail server (e2e, server process)', () => {
  const smtp = new HungSmtpServer();

  beforeAll(async () => {
    buildOnce();
    await smtp.start();
  });

  afterAll(() => smtp.stop());

  it('gives pending mail MAIL_SHUTDOWN_TIMEOUT seconds, then stops and logs what it dropped', async () => {
    const server = await startServer({ SMTP_URL: smtp.url, MAIL_SHUTDOWN_TIMEOUT: '2' });
    const http = new Http(server.url);
    // Each registration queues a verification mail, which the mail server never takes.
    for (let i = 0; i < 20; i++) await registerUser(http);
    await within(5_000, () => Promise.resolve(smtp.open > 0));

    const started = Date.now();
    await server.stop();
    const took = Date.now() - started;

    // Two seconds for the mail, plus the rest of a shutdown on a loaded machine; it was the
    // 10 s greeting time-out of every pending mail.
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(7_000);
    const dropped = logLines(server.output()).find(
      (line) => line.msg === 'Mail not sent before the shutdown deadline',
    );
    expect(dropped).toEqual(
      expect.objectContaining({ dropped: 20, kinds: { 'email-verification': 20 } }),
    );
    await within(2_000, () => Promise.resolve(smtp.open === 0));
  }, 60_000);
});
