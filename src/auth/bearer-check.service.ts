import { Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import { RevocationFeed } from './revocation-feed.service.js';

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
    private readonly lookup: BearerLookup,
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
    const { user, session, blocked } = await this.lookup.find(claims);
    if (!user) throw new AppException(Problem.TokenInvalid, 'The token user no longer exists.');
    if (this.feed.live && session) this.feed.state.remember(asOf, { ...user }, claims.sid, session);
    if (!user.isActive || session?.userId !== user.id || session.revokedAt !== null || blocked) {
      throw revoked();
    }
    return { user, token: claims };
  }
}
