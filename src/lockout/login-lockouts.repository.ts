import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import type { LockoutState } from './lockout-policy.js';
import { LoginLockout } from './login-lockout.entity.js';

interface LockoutRow {
  failures: number;
  lockouts: number;
  locked_until: Date | null;
  last_failure_at: Date | null;
}

/** Every query of the per-name failure counts. */
@Injectable()
export class LoginLockoutsRepository {
  constructor(
    @InjectRepository(LoginLockout) private readonly lockouts: Repository<LoginLockout>,
  ) {}

  /** The rows of these names that exist. */
  find(nameHashes: string[]): Promise<LoginLockout[]> {
    return this.lockouts.find({ where: { nameHash: In(nameHashes) } });
  }

  /**
   * The name's state, its row created if missing and locked for the rest of `tx`: failures
   * counted at once on several instances are applied one after the other.
   */
  async lock(nameHash: string, tx: Transaction): Promise<LockoutState> {
    const [row] = await within(this.lockouts, tx).query<LockoutRow[]>(
      `INSERT INTO login_lockouts (name_hash) VALUES ($1)
       ON CONFLICT (name_hash) DO UPDATE SET name_hash = EXCLUDED.name_hash
       RETURNING failures, lockouts, locked_until, last_failure_at`,
      [nameHash],
    );
    return {
      failures: row.failures,
      lockouts: row.lockouts,
      lockedUntil: row.locked_until && new Date(row.locked_until),
      lastFailureAt: row.last_failure_at && new Date(row.last_failure_at),
    };
  }

  async save(nameHash: string, state: LockoutState, tx: Transaction): Promise<void> {
    await within(this.lockouts, tx).update({ nameHash }, state);
  }

  async clear(nameHashes: string[], tx?: Transaction): Promise<void> {
    await within(this.lockouts, tx).delete({ nameHash: In(nameHashes) });
  }

  /** Deletes the names whose last failure and lockout both ended before `before`. */
  async prune(before: Date): Promise<void> {
    await this.lockouts
      .createQueryBuilder()
      .delete()
      .where({ lastFailureAt: LessThan(before) })
      .andWhere('(locked_until IS NULL OR locked_until < :before)', { before })
      .execute();
  }
}
