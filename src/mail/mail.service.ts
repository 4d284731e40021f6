import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Environment } from '../config/environment.js';
import type { OutgoingMail } from './mail.js';

/**
 * Sends mail through SMTP_URL. Without it, development writes each mail to the log (so the
 * links can be followed with no mail server) and other environments send nothing.
 */
@Injectable()
export class MailService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly transport?: Transporter;
  private readonly from: string;
  private readonly nodeEnv: Environment['NODE_ENV'];

  constructor(config: ConfigService<Environment, true>) {
    const url = config.get('SMTP_URL', { infer: true });
    this.from = config.get('MAIL_FROM', { infer: true });
    this.nodeEnv = config.get('NODE_ENV', { infer: true });
    if (url) {
      // A pool of at most SMTP_MAX_CONNECTIONS connections, reused from mail to mail, with short
      // timeouts: a mail server that hangs must not pile up sockets or work behind it.
      this.transport = nodemailer.createTransport({
        url,
        pool: true,
        maxConnections: config.get('SMTP_MAX_CONNECTIONS', { infer: true }),
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      });
    }
  }

  onModuleInit(): void {
    if (!this.transport && this.nodeEnv === 'production') {
      this.logger.warn(
        'SMTP_URL is not set: no mail will go out (password resets and email verification cannot reach users)',
      );
    }
  }

  /** After the outbox's deadline: whatever is still being delivered is given up. */
  onApplicationShutdown(): void {
    this.transport?.close({ force: true });
  }

  /** Sends one mail; `signal` gives it up (queued in the pool or being delivered). */
  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<void> {
    if (this.transport) {
      await this.transport.sendMail({ from: this.from, ...mail, signal });
      return;
    }
    if (this.nodeEnv === 'development') {
      this.logger.log(
        { mail: { to: mail.to, subject: mail.subject, text: mail.text } },
        'SMTP_URL is not set; this mail was not sent',
      );
    } else {
      this.logger.debug({ mail: { subject: mail.subject } }, 'SMTP_URL is not set; mail dropped');
    }
  }
}
