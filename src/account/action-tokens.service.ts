import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { ActionToken, ActionTokenPurpose } from './action-token.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { ActionTokensRepository } from './action-tokens.repository.js';
import {
  actionTokenTtlMs,
  generateActionToken,
  hashActionToken,
  isActionTokenUsable,
  isWellFormedActionToken,
} from './action-token.js';

/** One-use tokens for mailed links, stored only as hashes. */
@Injectable()
export class ActionTokensService {
  private readonly resetTtlSeconds: number;

  constructor(
    private readonly tokens: ActionTokensRepository,
    private readonly transactions: Transactions,
    private readonly users: UsersRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.resetTtlSeconds = config.get('RESET_TOKEN_TTL', { infer: true });
  }

  /**
   * Stores a new token and returns it in clear, once; null when the user is gone. A new
   * password-reset token voids the user's other unused ones, so only the link in the latest
   * mail works. Under the user's row lock: requests racing each other (or a reset, or a
   * password change) are applied one after the other, and the last one wins even then.
   * `alongside` runs in the same transaction (the security event that records the request).
   */
  issue(
    userId: string,
    purpose: ActionTokenPurpose,
    alongside?: (tx: Transaction) => Promise<void>,
  ): Promise<string | null> {
    const token = generateActionToken();
    const expiresAt = new Date(Date.now() + actionTokenTtlMs(purpose, this.resetTtlSeconds));
    return this.transactions.run(async (tx) => {
      if (!(await this.users.lock(userId, tx))) return null;
      if (purpose === ActionTokenPurpose.PasswordReset) {
        await this.tokens.deleteUnused(userId, purpose, tx);
      }
      const tokenHash = hashActionToken(token);
      await this.tokens.insert({ userId, purpose, tokenHash, expiresAt, usedAt: null }, tx);
      await alongside?.(tx);
      return token;
    });
  }

  /** Voids the user's unused password-reset tokens, in a transaction holding the user's lock. */
  voidResetTokens(userId: string, tx: Transaction): Promise<void> {
    return this.tokens.deleteUnused(userId, ActionTokenPurpose.PasswordReset, tx);
  }

  /** The stored token for a presented one, if it is unused and unexpired; nothing is spent. */
  async find(presented: string, purpose: ActionTokenPurpose): Promise<ActionToken | null> {
    if (!isWellFormedActionToken(presented)) return null;
    const token = await this.tokens.findByHash(hashActionToken(presented), purpose);
    return token && isActionTokenUsable(token, new Date()) ? token : null;
  }

  /** Spends a token inside the caller's transaction; of two concurrent uses one gets true. */
  spend(tx: Transaction, token: ActionToken): Promise<boolean> {
    return this.tokens.spend(token.id, new Date(), tx);
  }
}
