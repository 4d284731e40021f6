import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { MfaChallenge } from './mfa-challenge.entity.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { TotpFactor } from './totp-factor.entity.js';

/** Every query of TOTP factors, recovery codes and pending login challenges. */
@Injectable()
export class MfaRepository {
  constructor(
    @InjectRepository(TotpFactor) private readonly totp: Repository<TotpFactor>,
    @InjectRepository(RecoveryCode) private readonly codes: Repository<RecoveryCode>,
    @InjectRepository(MfaChallenge) private readonly challenges: Repository<MfaChallenge>,
  ) {}

  findTotp(userId: string, tx?: Transaction): Promise<TotpFactor | null> {
    return within(this.totp, tx).findOneBy({ userId });
  }

  /** The factor with its row locked for the rest of `tx`. */
  lockTotp(userId: string, tx: Transaction): Promise<TotpFactor | null> {
    return within(this.totp, tx).findOne({
      where: { userId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /**
   * Stores a pending secret, replacing a pending one; false (and nothing written) when the user
   * has TOTP on. One statement, so two enrolments at once cannot both turn into an enabled one.
   */
  async savePending(userId: string, secretCiphertext: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.totp.query(
      `INSERT INTO mfa_totp (user_id, secret_ciphertext, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE
         SET secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = EXCLUDED.created_at,
             last_used_step = NULL
         WHERE mfa_totp.enabled_at IS NULL
       RETURNING user_id`,
      [userId, secretCiphertext, now],
    );
    return rows.length === 1;
  }

  async enableTotp(userId: string, step: number, now: Date, tx: Transaction): Promise<boolean> {
    const result = await within(this.totp, tx).update(
      { userId, enabledAt: IsNull() },
      { enabledAt: now, lastUsedStep: String(step) },
    );
    return result.affected === 1;
  }

  /**
   * Records `step` as used if no code of it or a later step was accepted before: of two
   * instances accepting one code at once, exactly one gets true.
   */
  async useStep(userId: string, step: number, tx: Transaction): Promise<boolean> {
    const result = await within(this.totp, tx)
      .createQueryBuilder()
      .update(TotpFactor)
      .set({ lastUsedStep: String(step) })
      .where('user_id = :userId AND enabled_at IS NOT NULL', { userId })
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', { step })
      .execute();
    return result.affected === 1;
  }

  async deleteTotp(userId: string, tx: Transaction): Promise<boolean> {
    const result = await within(this.totp, tx).delete({ userId });
    return (result.affected ?? 0) > 0;
  }

  async replaceRecoveryCodes(userId: string, hashes: string[], tx: Transaction): Promise<void> {
    await within(this.codes, tx).delete({ userId });
    await within(this.codes, tx).insert(hashes.map((codeHash) => ({ userId, codeHash })));
  }

  async deleteRecoveryCodes(userId: string, tx: Transaction): Promise<void> {
    await within(this.codes, tx).delete({ userId });
  }

  /** Spends an unused code in one conditional UPDATE: a code works once, also under a race. */
  async useRecoveryCode(
    userId: string,
    codeHash: string,
    now: Date,
    tx: Transaction,
  ): Promise<boolean> {
    const result = await within(this.codes, tx).update(
      { userId, codeHash, usedAt: IsNull() },
      { usedAt: now },
    );
    return result.affected === 1;
  }

  countRecoveryCodesLeft(userId: string, tx?: Transaction): Promise<number> {
    return within(this.codes, tx).countBy({ userId, usedAt: IsNull() });
  }

  async insertChallenge(
    challenge: Pick<MfaChallenge, 'tokenHash' | 'userId' | 'expiresAt' | 'passwordFingerprint'>,
  ): Promise<void> {
    await this.challenges.insert({ ...challenge, failedAttempts: 0, usedAt: null });
  }

  /**
   * The live challenge holding `tokenHash` (unused, unexpired, not voided by wrong codes), its
   * row locked for the rest of `tx`: attempts on one token run one after another.
   */
  lockLiveChallenge(
    tokenHash: string,
    now: Date,
    maxFailures: number,
    tx: Transaction,
  ): Promise<MfaChallenge | null> {
    return within(this.challenges, tx).findOne({
      where: {
        tokenHash,
        usedAt: IsNull(),
        expiresAt: MoreThan(now),
        failedAttempts: LessThan(maxFailures),
      },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** The user of a live challenge, read without a lock (no attempt is made with it). */
  async findLiveChallengeUser(
    tokenHash: string,
    now: Date,
    maxFailures: number,
  ): Promise<string | null> {
    const challenge = await this.challenges.findOne({
      select: { userId: true },
      where: {
        tokenHash,
        usedAt: IsNull(),
        expiresAt: MoreThan(now),
        failedAttempts: LessThan(maxFailures),
      },
    });
    return challenge?.userId ?? null;
  }

  async spendChallenge(id: string, now: Date, tx: Transaction): Promise<void> {
    await within(this.challenges, tx).update({ id }, { usedAt: now });
  }

  async countFailure(id: string, tx: Transaction): Promise<void> {
    await within(this.challenges, tx).increment({ id }, 'failedAttempts', 1);
  }

  async deleteChallenges(userId: string, tx: Transaction): Promise<void> {
    await within(this.challenges, tx).delete({ userId });
  }

  /** Deletes challenges that expired before `before`, and spent ones. */
  async pruneChallenges(before: Date): Promise<void> {
    await this.challenges.delete({ expiresAt: LessThan(before) });
    await this.challenges.delete({ usedAt: Not(IsNull()) });
  }
}
