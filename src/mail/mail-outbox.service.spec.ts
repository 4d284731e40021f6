import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import type { OutgoingMail } from './mail.js';
import { MailJob, MailOutbox } from './mail-outbox.service.js';
import type { MailService } from './mail.service.js';

const mail = (to = 'ada@example.com'): OutgoingMail => ({
  to,
  subject: 's',
  text: 't',
  html: '<p>h</p>',
});

const job = (overrides: Partial<MailJob> = {}): MailJob => ({
  kind: 'test',
  requestId: 'req-1',
  lane: 'ada@example.com',
  compose: () => Promise.resolve(mail()),
  ...overrides,
});

/** A send that stays pending until the test settles it, as a mail server that hangs. */
class HungSends {
  readonly pending: { mail: OutgoingMail; resolve(): void; reject(error: Error): void }[] = [];
  readonly sent: OutgoingMail[] = [];
  readonly signals: (AbortSignal | undefined)[] = [];

  send = (mail: OutgoingMail, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      this.signals.push(signal);
      const entry = {
        mail,
        resolve: () => {
          this.sent.push(mail);
          resolve();
        },
        reject,
      };
      this.pending.push(entry);
      signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
}

function setup(
  send: (mail: OutgoingMail, signal?: AbortSignal) => Promise<void>,
  settings: Partial<Environment> = {},
) {
  const values: Partial<Environment> = {
    SMTP_MAX_CONNECTIONS: 2,
    MAIL_QUEUE_LIMIT: 3,
    MAIL_SHUTDOWN_TIMEOUT: 3,
    ...settings,
  };
  const config = {
    get: (key: keyof Environment) => values[key],
  } as unknown as ConfigService<Environment, true>;
  const sut = new MailOutbox({ send } as unknown as MailService, config);
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  return { sut, errors, warnings };
}

/** Lets the outbox's after-the-answer work (setImmediate, then the compose) run. */
const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe(MailOutbox.name, () => {
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('composes and sends after the caller has returned', async () => {
    const sent: OutgoingMail[] = [];
    const { sut } = setup((m) => {
      sent.push(m);
      return Promise.resolve();
    });
    let composed = false;
    sut.post(
      job({
        compose: () => {
          composed = true;
          return Promise.resolve(mail());
        },
      }),
    );
    expect(composed).toBe(false);
    await sut.drain();
    expect(composed).toBe(true);
    expect(sent).toEqual([mail()]);
  });

  it('sends nothing when there is nothing to send', async () => {
    const send = jest.fn(() => Promise.resolve());
    const { sut } = setup(send);
    sut.post(job({ compose: () => Promise.resolve(null) }));
    await sut.drain();
    expect(send).not.toHaveBeenCalled();
  });

  it('logs a failure with the request id and keeps going', async () => {
    const sent: OutgoingMail[] = [];
    const { sut, errors } = setup((m) => {
      if (m.to === 'down@example.com') return Promise.reject(new Error('connect ECONNREFUSED'));
      sent.push(m);
      return Promise.resolve();
    });
    sut.post(
      job({
        kind: 'password-reset',
        requestId: 'req-down',
        lane: 'down',
        compose: () => Promise.resolve(mail('down@example.com')),
      }),
    );
    sut.post(job({ kind: 'password-reset', requestId: 'req-up' }));
    await sut.drain();
    expect(sent).toEqual([mail()]);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0][0]).toEqual(
      expect.objectContaining({ requestId: 'req-down', kind: 'password-reset' }),
    );
  });

  it('works on SMTP_MAX_CONNECTIONS mails at once, and keeps MAIL_QUEUE_LIMIT waiting', async () => {
    const hung = new HungSends();
    const { sut } = setup(hung.send);
    for (let i = 0; i < 5; i++) sut.post(job({ lane: `user-${i}`, requestId: `req-${i}` }));
    await settle();
    expect(hung.pending).toHaveLength(2);

    let refused: unknown;
    try {
      sut.post(job({ lane: 'user-5' }));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppException);
    expect(refused).toMatchObject({
      problem: Problem.ServiceUnavailable,
      options: { headers: { 'retry-after': expect.stringMatching(/^[1-9]\d*$/) } },
    });
    expect(() => sut.assertRoom()).toThrow(AppException);

    hung.pending[0].resolve();
    await settle();
    expect(hung.pending).toHaveLength(3);
    expect(() => sut.post(job({ lane: 'user-6' }))).not.toThrow();
  });

  it('drops what postOrDrop cannot queue, and logs it', () => {
    const hung = new HungSends();
    const { sut, warnings } = setup(hung.send, { MAIL_QUEUE_LIMIT: 1, SMTP_MAX_CONNECTIONS: 1 });
    sut.postOrDrop(job({ lane: 'a' }));
    sut.postOrDrop(job({ lane: 'b' }));
    sut.postOrDrop(job({ lane: 'c', kind: 'email-verification', requestId: 'req-c' }));
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings.mock.calls[0][0]).toEqual({ requestId: 'req-c', kind: 'email-verification' });
  });

  it('sends the mails of one lane one at a time, in the order posted', async () => {
    const hung = new HungSends();
    const { sut } = setup(hung.send);
    for (const to of ['1@x', '2@x', '3@x']) {
      sut.post(job({ lane: 'same', compose: () => Promise.resolve(mail(to)) }));
    }
    sut.post(job({ lane: 'other', compose: () => Promise.resolve(mail('other@x')) }));
    await settle();
    expect(hung.pending.map((entry) => entry.mail.to)).toEqual(['1@x', 'other@x']);
    hung.pending[0].resolve();
    await settle();
    expect(hung.pending.map((entry) => entry.mail.to)).toEqual(['1@x', 'other@x', '2@x']);
    hung.pending[2].resolve();
    await settle();
    expect(hung.pending.map((entry) => entry.mail.to)).toEqual(['1@x', 'other@x', '2@x', '3@x']);
  });

  it('waits for pending mail before the application shuts down', async () => {
    const hung = new HungSends();
    const { sut } = setup(hung.send);
    sut.post(job());
    await settle();
    let done = false;
    const shutdown = sut.beforeApplicationShutdown().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    hung.pending[0].resolve();
    await shutdown;
    expect(hung.sent).toEqual([mail()]);
  });

  it('gives up at MAIL_SHUTDOWN_TIMEOUT: aborts the sends, drops the rest, and logs which', async () => {
    const hung = new HungSends();
    const { sut, warnings, errors } = setup(hung.send, { MAIL_SHUTDOWN_TIMEOUT: 2 });
    for (let i = 0; i < 4; i++) {
      sut.post(
        job({
          lane: `user-${i}`,
          requestId: `req-${i}`,
          kind: i ? 'password-reset' : 'email-verification',
        }),
      );
    }
    await settle();
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    const shutdown = sut.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(1999);
    expect(warnings).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await shutdown;

    expect(hung.signals.every((signal) => signal?.aborted)).toBe(true);
    expect(warnings).toHaveBeenCalledWith(
      expect.objectContaining({
        dropped: 4,
        kinds: { 'email-verification': 1, 'password-reset': 3 },
        requestIds: expect.arrayContaining(['req-0', 'req-1', 'req-2', 'req-3']),
      }),
      'Mail not sent before the shutdown deadline',
    );
    await sut.drain();
    // The aborted sends are the dropped ones, not failures.
    expect(errors).not.toHaveBeenCalled();
    expect(() => sut.post(job())).toThrow(AppException);
  });
});
