import { Injectable, Logger } from '@nestjs/common';
import { KeyRing } from '../signing-keys/key-ring.service.js';
import { RevocationFeed } from './revocation-feed.service.js';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * Keeps the KeyRing current the way revocations are: re-read when the `auth_state` feed says the
 * keys changed (or reconnects), polled while the feed does not hear the database (a pooler
 * without DATABASE_DIRECT_URL). Verified tokens are forgotten whenever the keys change, so a
 * revoked key's tokens are verified again, and refused.
 */
@Injectable()
export class KeyRingFollower {
  private readonly logger = new Logger(KeyRingFollower.name);

  constructor(ring: KeyRing, feed: RevocationFeed, verified: VerifiedTokens) {
    ring.followNotifications(() => feed.live);
    ring.onChange(() => verified.clear());
    feed.onKeysChanged(() => {
      ring.refresh().catch((error: Error) => {
        this.logger.warn(`Signing keys could not be read: ${error.message}`);
      });
    });
  }
}
