import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import { RevokedAccessToken } from '../revocation/revoked-access-token.entity.js';
import { Session } from '../revocation/session.entity.js';
import { User } from '../users/user.entity.js';
import type { BearerFacts } from './liveness.js';

/**
 * The one read the bearer check makes when memory cannot answer: the user, the session and the
 * blocklist entry of a token, in one round trip. It spans three tables on purpose, so it is its
 * own class rather than a method of one of their repositories.
 */
@Injectable()
export class BearerLookup {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async find(claims: Pick<AccessTokenClaims, 'sub' | 'sid' | 'jti'>): Promise<BearerFacts> {
    const { entities, raw } = await this.users
      .createQueryBuilder('user')
      .leftJoin(Session, 'session', 'session.id = :sid', { sid: claims.sid })
      .addSelect('session.userId', 'session_user_id')
      .addSelect(
        'floor(extract(epoch FROM session.expiresAt) * 1000)::float8',
        'session_expires_at',
      )
      .addSelect(
        'floor(extract(epoch FROM session.revokedAt) * 1000)::float8',
        'session_revoked_at',
      )
      .addSelect(
        (blocked) =>
          blocked
            .select('floor(extract(epoch FROM max(revoked.expiresAt)) * 1000)::float8')
            .from(RevokedAccessToken, 'revoked')
            .where('revoked.jti = :jti', { jti: claims.jti }),
        'blocked_until',
      )
      .where('user.id = :sub', { sub: claims.sub })
      .getRawAndEntities<{
        session_user_id: string | null;
        session_expires_at: number | null;
        session_revoked_at: number | null;
        blocked_until: number | null;
      }>();
    // Frozen: every request of this user shares it while memory holds it (UserCache).
    const user = entities[0] ? Object.freeze(entities[0]) : null;
    const row = raw[0];
    const session =
      !row || row.session_user_id === null || row.session_expires_at === null
        ? null
        : {
            userId: row.session_user_id,
            expiresAt: row.session_expires_at,
            revokedAt: row.session_revoked_at,
          };
    return { user, session, blockedUntil: row?.blocked_until ?? null };
  }
}
