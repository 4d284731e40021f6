import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { RevocationLogRepository } from './revocation-log.repository.js';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository.js';
import { SessionsRepository } from './sessions.repository.js';

const logout = (claims: AccessTokenClaims, scope: 'local' | 'global' | 'others') => ({
  type: SecurityEventType.Logout,
  userId: claims.sub,
  actorId: claims.sub,
  sessionId: claims.sid,
  details: { scope },
});

const PRUNE_EVERY_MS = 10 * 60 * 1000;
const KEEP_DEAD_SESSIONS_MS = 24 * 60 * 60 * 1000;
/** Longer than any access token lives (JWT_ACCESS_TTL is at most a day), with room to spare. */
const KEEP_REVOCATION_LOG_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * Every way a token stops working goes through here: the access-token blocklist and session
 * revocation (which refuses every access token carrying that `sid`). Triggers log the writes in
 * `revocation_log` and publish them; the bearer check (src/bearer) answers from them.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly blocklist: RevokedAccessTokensRepository,
    private readonly log: RevocationLogRepository,
    private readonly transactions: Transactions,
    private readonly events: SecurityEventsService,
  ) {}

  /** Refuses one access token until it expires. */
  async blockAccessToken(claims: AccessTokenClaims, tx?: Transaction): Promise<void> {
    const expiresAt = new Date(claims.exp * 1000);
    await this.blocklist.add({ jti: claims.jti, userId: claims.sub, expiresAt }, tx);
  }

  /** Revokes one live session of a user (its refresh token and access tokens). */
  revokeSession(userId: string, sessionId: string, tx?: Transaction): Promise<boolean> {
    return this.sessions.revoke(userId, sessionId, new Date(), tx);
  }

  /** Revokes the session a refresh token (current or retired) belongs to; which, if any. */
  revokeSessionOfRefreshToken(tokenHash: string, tx?: Transaction) {
    return this.sessions.revokeByRefreshTokenHash(tokenHash, new Date(), tx);
  }

  /** Revokes every live session of a user, but the one in `except` when given. */
  revokeAllSessions(userId: string, except?: string, tx?: Transaction): Promise<void> {
    return this.sessions.revokeAll(userId, new Date(), except, tx);
  }

  /** Ends the access token and its session together (logout of this device). */
  async revokeCurrent(claims: AccessTokenClaims, client: ClientInfo): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.revokeSession(claims.sub, claims.sid, tx);
      await this.blockAccessToken(claims, tx);
      await this.events.record(logout(claims, 'local'), client, tx);
    });
  }

  /** Ends every session of the user and the presenting access token. */
  async revokeEverything(claims: AccessTokenClaims, client: ClientInfo): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.revokeAllSessions(claims.sub, undefined, tx);
      await this.blockAccessToken(claims, tx);
      await this.events.record(logout(claims, 'global'), client, tx);
    });
  }

  /** Ends every session of the user but the presenting one. */
  async revokeOthers(claims: AccessTokenClaims, client: ClientInfo): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.revokeAllSessions(claims.sub, claims.sid, tx);
      await this.events.record(logout(claims, 'others'), client, tx);
    });
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      const now = new Date();
      await this.blocklist.deleteExpired(now);
      await this.sessions.prune(now, new Date(now.getTime() - KEEP_DEAD_SESSIONS_MS));
      await this.log.deleteOlderThan(new Date(now.getTime() - KEEP_REVOCATION_LOG_MS));
    } catch (error) {
      this.logger.warn(`Pruning revoked tokens failed: ${(error as Error).message}`);
    }
  }
}
