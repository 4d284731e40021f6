import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, LessThan, Not } from 'typeorm';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import { RevokedAccessToken } from './revoked-access-token.entity.js';
import { Session } from './session.entity.js';

const logout = (claims: AccessTokenClaims, scope: 'local' | 'global' | 'others') => ({
  type: SecurityEventType.Logout,
  userId: claims.sub,
  sessionId: claims.sid,
  details: { scope },
});

const PRUNE_EVERY_MS = 10 * 60 * 1000;
const KEEP_DEAD_SESSIONS_MS = 24 * 60 * 60 * 1000;

/**
 * Every way a token stops working goes through here: the access-token blocklist and session
 * revocation (which refuses every access token carrying that `sid`). The writes raise
 * notifications from triggers; BearerCheckService answers from them.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: SecurityEventsService,
  ) {}

  /** Refuses one access token until it expires. */
  async blockAccessToken(claims: AccessTokenClaims, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager)
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessToken)
      .values({ jti: claims.jti, userId: claims.sub, expiresAt: new Date(claims.exp * 1000) })
      .orIgnore()
      .execute();
  }

  /** Revokes one live session of a user (its refresh token and access tokens). */
  async revokeSession(userId: string, sessionId: string, manager?: EntityManager) {
    const result = await (manager ?? this.dataSource.manager).update(
      Session,
      { id: sessionId, userId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every live session of a user, but the one in `except` when given. */
  async revokeAllSessions(userId: string, except?: string, manager?: EntityManager) {
    await (manager ?? this.dataSource.manager).update(
      Session,
      { userId, revokedAt: IsNull(), ...(except ? { id: Not(except) } : {}) },
      { revokedAt: new Date() },
    );
  }

  /** Ends the access token and its session together (logout of this device). */
  async revokeCurrent(claims: AccessTokenClaims): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.revokeSession(claims.sub, claims.sid, manager);
      await this.blockAccessToken(claims, manager);
      await this.events.record(logout(claims, 'local'), manager);
    });
  }

  /** Ends every session of the user and the presenting access token. */
  async revokeEverything(claims: AccessTokenClaims): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.revokeAllSessions(claims.sub, undefined, manager);
      await this.blockAccessToken(claims, manager);
      await this.events.record(logout(claims, 'global'), manager);
    });
  }

  /** Ends every session of the user but the presenting one. */
  async revokeOthers(claims: AccessTokenClaims): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.revokeAllSessions(claims.sub, claims.sid, manager);
      await this.events.record(logout(claims, 'others'), manager);
    });
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      const now = new Date();
      const deadBefore = new Date(now.getTime() - KEEP_DEAD_SESSIONS_MS);
      await this.dataSource.manager.delete(RevokedAccessToken, { expiresAt: LessThan(now) });
      await this.dataSource.manager.delete(Session, { expiresAt: LessThan(now) });
      await this.dataSource.manager.delete(Session, { revokedAt: LessThan(deadBefore) });
    } catch (error) {
      this.logger.warn(`Pruning revoked tokens failed: ${(error as Error).message}`);
    }
  }
}
