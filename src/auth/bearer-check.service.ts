import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { User } from '../users/user.entity.js';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { RevocationFeed } from './revocation-feed.service.js';
import { RevokedAccessToken } from '../revocation/revoked-access-token.entity.js';
import { Session } from '../revocation/session.entity.js';

const revoked = () => new AppException(Problem.TokenRevoked, 'The access token has been revoked.');

/**
 * Whether verified claims may still be used, and by whom: the user exists and is active, the
 * session is live and theirs, the `jti` is not blocklisted. Answered from RevocationFeed's
 * state when it is current, else (feed down or reloading, or an entry it does not hold) by
 * one query, whose answer is then kept.
 */
@Injectable()
export class BearerCheckService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly feed: RevocationFeed,
  ) {}

  async authenticate(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    if (await this.feed.sync()) {
      const verdict = this.feed.state.check(claims);
      if (verdict.kind === 'revoked') throw revoked();
      // A copy: the state's entry must not change under a handler that edits its caller.
      if (verdict.kind === 'live') return { user: { ...verdict.user }, token: claims };
    }
    return this.fromDatabase(claims);
  }

  private async fromDatabase(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    const asOf = this.feed.state.changes;
    const { entities, raw } = await this.dataSource
      .getRepository(User)
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
            .select('COUNT(*) > 0')
            .from(RevokedAccessToken, 'revoked')
            .where('revoked.jti = :jti', { jti: claims.jti }),
        'blocked',
      )
      .where('user.id = :sub', { sub: claims.sub })
      .getRawAndEntities<{
        session_user_id: string | null;
        session_expires_at: number | null;
        session_revoked_at: number | null;
        blocked: boolean;
      }>();

    const user = entities[0];
    if (!user) throw new AppException(Problem.TokenInvalid, 'The token user no longer exists.');
    const row = raw[0];
    const session =
      row.session_user_id === null || row.session_expires_at === null
        ? null
        : {
            userId: row.session_user_id,
            expiresAt: row.session_expires_at,
            revokedAt: row.session_revoked_at,
          };
    if (this.feed.live && session) this.feed.state.remember(asOf, { ...user }, claims.sid, session);
    if (
      !user.isActive ||
      session?.userId !== user.id ||
      session.revokedAt !== null ||
      row.blocked
    ) {
      throw revoked();
    }
    return { user, token: claims };
  }
}
