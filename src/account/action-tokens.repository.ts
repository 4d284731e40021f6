import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { ActionToken, ActionTokenPurpose } from './action-token.entity.js';

/** Every query of the mailed one-use tokens. */
@Injectable()
export class ActionTokensRepository {
  constructor(@InjectRepository(ActionToken) private readonly tokens: Repository<ActionToken>) {}

  async insert(token: Omit<ActionToken, 'id' | 'createdAt'>, tx?: Transaction): Promise<void> {
    await within(this.tokens, tx).insert(token);
  }

  /** Deletes the user's unspent tokens of one purpose. */
  async deleteUnused(userId: string, purpose: ActionTokenPurpose, tx?: Transaction) {
    await within(this.tokens, tx).delete({ userId, purpose, usedAt: IsNull() });
  }

  findByHash(tokenHash: string, purpose: ActionTokenPurpose): Promise<ActionToken | null> {
    return this.tokens.findOneBy({ tokenHash, purpose });
  }

  /**
   * Marks a token used if it is unused and unexpired, in one conditional UPDATE: of two
   * concurrent uses exactly one gets true.
   */
  async spend(id: string, now: Date, tx: Transaction): Promise<boolean> {
    const result = await within(this.tokens, tx).update(
      { id, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    return result.affected === 1;
  }
}
