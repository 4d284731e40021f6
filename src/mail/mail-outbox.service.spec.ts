import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { OutgoingMail } from './mail.js';
import { MailOutbox } from './mail-outbox.service.js';
import type { MailService } from './mail.service.js';

const mail: OutgoingMail = { to: 'ada@example.com', subject: 's', text: 't', html: '<p>h</p>' };

function setup(send: (mail: OutgoingMail) => Promise<void>) {
  const sent: OutgoingMail[] = [];
  const mailService = {
    send: async (m: OutgoingMail) => {
      await send(m);
      sent.push(m);
    },
  } as unknown as MailService;
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  return { sut: new MailOutbox(mailService), sent, logged };
}

describe(MailOutbox.name, () => {
  it('composes and sends after the caller has returned', async () => {
    const { sut, sent } = setup(() => Promise.resolve());
    let composed = false;
    sut.post('test', 'req-1', () => {
      composed = true;
      return Promise.resolve(mail);
    });
    expect(composed).toBe(false);
    await sut.drain();
    expect(composed).toBe(true);
    expect(sent).toEqual([mail]);
  });

  it('sends nothing when there is nothing to send', async () => {
    const { sut, sent } = setup(() => Promise.resolve());
    sut.post('test', 'req-1', () => Promise.resolve(null));
    await sut.drain();
    expect(sent).toEqual([]);
  });

  it('logs a failure with the request id and keeps going', async () => {
    const { sut, sent, logged } = setup((m) =>
      m.to === 'down@example.com'
        ? Promise.reject(new Error('connect ECONNREFUSED'))
        : Promise.resolve(),
    );
    sut.post('password-reset', 'req-down', () =>
      Promise.resolve({ ...mail, to: 'down@example.com' }),
    );
    sut.post('password-reset', 'req-up', () => Promise.resolve(mail));
    await sut.drain();
    expect(sent).toEqual([mail]);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toEqual(
      expect.objectContaining({ requestId: 'req-down', kind: 'password-reset' }),
    );
    logged.mockRestore();
  });

  it('waits for pending mail before the application shuts down', async () => {
    let release!: () => void;
    const { sut, sent } = setup(() => new Promise<void>((resolve) => (release = resolve)));
    sut.post('test', 'req-1', () => Promise.resolve(mail));
    const shutdown = sut.beforeApplicationShutdown();
    let done = false;
    void shutdown.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    release();
    await shutdown;
    expect(sent).toEqual([mail]);
  });
});
