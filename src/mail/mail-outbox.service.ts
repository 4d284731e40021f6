import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { OutgoingMail } from './mail.js';
import { MailService } from './mail.service.js';

/**
 * Mail work done after the answer, off the request path: the time a route takes does not
 * depend on whether a mail goes out (no user enumeration by timing), nor on the mail server.
 * A failure is logged with the request id; whatever the request stored stays stored.
 */
@Injectable()
export class MailOutbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MailOutbox.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly mail: MailService) {}

  /**
   * Runs `compose` (which may read and write the database) after the current request, then
   * sends the mail it returns; `null` sends nothing.
   */
  post(kind: string, requestId: string | null, compose: () => Promise<OutgoingMail | null>): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(compose)
      .then((mail) => (mail ? this.mail.send(mail) : undefined))
      .catch((error: unknown) => {
        this.logger.error(
          { requestId, kind, err: error },
          `The ${kind} mail could not be sent; the user can ask for it again`,
        );
      })
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** Resolves once every mail posted so far is sent or has failed. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }
}
