import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, LessThan, Not } from 'typeorm';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { User } from '../users/user.entity.js';
import type { AccessTokenClaims } from './access-token.service.js';
import type { AuthenticatedUser } from './authenticated-user.js';
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
 * revocation (which refuses every access token carrying that `sid`). `authenticate` is the
 * per-request check; it reads the database each time, so every instance sharing the database
 * honours a revocation as soon as it commits.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: SecurityEventsService,
  ) {}

  /** The user behind verified claims, or a 401 problem when the token may no longer be used. */
  async authenticate(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    const { entities, raw } = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .leftJoin(Session, 'session', 'session.id = :sid AND session.userId = user.id', {
        sid: claims.sid,
      })
      .addSelect('session.id IS NOT NULL AND session.revokedAt IS NULL', 'session_live')
      .addSelect(
        (blocked) =>
          blocked
            .select('COUNT(*) > 0')
            .from(RevokedAccessToken, 'revoked')
            .where('revoked.jti = :jti', { jti: claims.jti }),
        'blocked',
      )
      .where('user.id = :sub', { sub: claims.sub })
      .getRawAndEntities<{ session_live: boolean; blocked: boolean }>();

    const user = entities[0];
    if (!user) throw new AppException(Problem.TokenInvalid, 'The token user no longer exists.');
    if (!user.isActive || !raw[0].session_live || raw[0].blocked) {
      throw new AppException(Problem.TokenRevoked, 'The access token has been revoked.');
    }
    return { user, token: claims };
  }

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
