import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import { CHALLENGE_TTL_SECONDS } from './relying-party.js';
import { ChallengePurpose } from './webauthn-challenge.entity.js';
import { WebAuthnChallengesRepository } from './webauthn-challenges.repository.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * Challenges live in the database, so that any instance can take the answer to options another
 * one gave, and each works once: taking it deletes it.
 */
@Injectable()
export class WebAuthnChallengesService {
  private readonly logger = new Logger(WebAuthnChallengesService.name);

  constructor(private readonly challenges: WebAuthnChallengesRepository) {}

  /** A new challenge (256 random bits, base64url) for `purpose`, bound to `userId` if given. */
  async issue(purpose: ChallengePurpose, userId: string | null): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + CHALLENGE_TTL_SECONDS * 1000);
    await this.challenges.insert({ challenge, purpose, userId, expiresAt });
    return challenge;
  }

  /** Takes a live challenge: its user (null if none) once, undefined ever after. */
  take(
    challenge: string,
    purpose: ChallengePurpose,
  ): Promise<{ userId: string | null } | undefined> {
    return this.challenges.consume(challenge, purpose, new Date());
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      await this.challenges.deleteExpired(new Date());
    } catch (error) {
      this.logger.warn(`Pruning WebAuthn challenges failed: ${(error as Error).message}`);
    }
  }
}
