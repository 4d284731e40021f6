import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { ChallengePurpose, WebAuthnChallenge } from './webauthn-challenge.entity.js';

@Injectable()
export class WebAuthnChallengesRepository {
  constructor(
    @InjectRepository(WebAuthnChallenge)
    private readonly challenges: Repository<WebAuthnChallenge>,
  ) {}

  async insert(challenge: WebAuthnChallenge): Promise<void> {
    await this.challenges.insert(challenge);
  }

  /**
   * Deletes the live challenge and returns it, in one statement: of two requests presenting it
   * (two instances, a replay) exactly one gets it. Undefined when unknown, used or expired.
   */
  async consume(
    challenge: string,
    purpose: ChallengePurpose,
    now: Date,
  ): Promise<Pick<WebAuthnChallenge, 'userId'> | undefined> {
    const result = await this.challenges
      .createQueryBuilder()
      .delete()
      .from(WebAuthnChallenge)
      .where('challenge = :challenge AND purpose = :purpose AND expires_at > :now', {
        challenge,
        purpose,
        now,
      })
      .returning('user_id')
      .execute();
    const [row] = result.raw as { user_id: string | null }[];
    return row && { userId: row.user_id };
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.challenges.delete({ expiresAt: LessThan(now) });
  }
}
