import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SigningKeysService } from './signing-keys.service.js';

/** How often an instance looks whether a rotation is due, or a key has left. */
const EVERY_MS = 60_000;

/**
 * The automatic rotation, in the HTTP app only (a CLI command changes keys only when told):
 * at start, then every minute. However many instances look at once, the keys' lock lets one
 * rotate.
 */
@Injectable()
export class KeyRotationSchedule implements OnApplicationBootstrap {
  constructor(private readonly keys: SigningKeysService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.keys.scheduled();
  }

  @Interval(EVERY_MS)
  tick(): Promise<void> {
    return this.keys.scheduled();
  }
}
