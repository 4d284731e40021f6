import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sha256 } from '../common/crypto/sha256.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { RateLimitStore } from './rate-limit.store.js';

/**
 * The `mail` bucket: mails asked for one target address (forgot-password and verification
 * resend together), so nobody can flood a mailbox from many IPs. Counted whether or not an
 * account has the address, so a 429 tells nothing about who is registered.
 */
@Injectable()
export class AddressRateLimiter {
  private readonly enabled: boolean;
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    private readonly store: RateLimitStore,
    config: ConfigService<Environment, true>,
  ) {
    this.enabled = config.get('RATE_LIMIT_ENABLED', { infer: true });
    this.limit = config.get('RATE_LIMIT_MAIL', { infer: true });
    this.windowMs = config.get('RATE_LIMIT_MAIL_WINDOW', { infer: true }) * 1000;
  }

  async hit(address: string): Promise<void> {
    if (!this.enabled) return;
    // Hashed, so that no address sits in the counter store.
    const subject = sha256(address.trim().toLowerCase(), 'base64url');
    const hit = await this.store.hit(`mail:${subject}`, this.windowMs, this.limit);
    if (hit.limited) {
      throw new AppException(
        Problem.TooManyRequests,
        'Too many mails asked for this address. Try again later.',
        { headers: { 'retry-after': String(hit.retryAfterSeconds) } },
      );
    }
  }
}
