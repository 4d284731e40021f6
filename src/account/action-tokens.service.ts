import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import type { Environment } from '../config/environment.js';
import { ActionToken, ActionTokenPurpose } from './action-token.entity.js';
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
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
  ) {
    this.resetTtlSeconds = config.get('RESET_TOKEN_TTL', { infer: true });
  }

  /**
   * Stores a new token and returns it in clear, once. A new password-reset token voids the
   * user's older ones, so only the link in the latest mail works. `alongside` runs in the same
   * transaction (the security event that records the request).
   */
  issue(
    userId: string,
    purpose: ActionTokenPurpose,
    alongside?: (manager: EntityManager) => Promise<void>,
  ): Promise<string> {
    const token = generateActionToken();
    const expiresAt = new Date(Date.now() + actionTokenTtlMs(purpose, this.resetTtlSeconds));
    return this.dataSource.transaction(async (manager) => {
      if (purpose === ActionTokenPurpose.PasswordReset) {
        await manager.delete(ActionToken, { userId, purpose, usedAt: IsNull() });
      }
      await manager.insert(ActionToken, {
        userId,
        purpose,
        tokenHash: hashActionToken(token),
        expiresAt,
        usedAt: null,
      });
      await alongside?.(manager);
      return token;
    });
  }

  /** The stored token for a presented one, if it is unused and unexpired; nothing is spent. */
  async find(presented: string, purpose: ActionTokenPurpose): Promise<ActionToken | null> {
    if (!isWellFormedActionToken(presented)) return null;
    const token = await this.dataSource.manager.findOneBy(ActionToken, {
      tokenHash: hashActionToken(presented),
      purpose,
    });
    return token && isActionTokenUsable(token, new Date()) ? token : null;
  }

  /**
   * Spends a token inside the caller's transaction. One conditional UPDATE: of two
   * concurrent uses exactly one gets true.
   */
  async spend(manager: EntityManager, token: ActionToken): Promise<boolean> {
    const now = new Date();
    const result = await manager.update(
      ActionToken,
      { id: token.id, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    return result.affected === 1;
  }
}
