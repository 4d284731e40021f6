import { Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { AccessTokenClaims, AuthenticatedUser } from '../common/principal/principal.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import { type BearerFacts, liveness } from './liveness.js';
import { RevocationFeed } from './revocation-feed.service.js';

/**
 * Whether verified claims may still be used, and by whom (`liveness`, one rule). The facts come
 * from RevocationFeed's memory when it is current and holds them (recent revocations, users met
 * before), else from one query, whose user is then kept.
 */
@Injectable()
export class BearerCheckService {
  constructor(
    private readonly lookup: BearerLookup,
    private readonly feed: RevocationFeed,
  ) {}

  async authenticate(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    return this.fromMemoryNow(claims) ?? (await this.afterRoundTrip(claims));
  }

  /**
   * The answer when memory is current and holds the facts, without waiting (most requests),
   * so that the guard can answer synchronously; undefined when a round trip must come first.
   * A refusal is thrown.
   */
  fromMemoryNow(claims: AccessTokenClaims): AuthenticatedUser | undefined {
    if (!this.feed.freshNow()) return undefined;
    const facts = this.feed.memoryFacts(claims);
    return facts && decide(claims, facts);
  }

  /**
   * The answer once a round trip has made memory current, else from the database: for a caller
   * that has already had no answer from `fromMemoryNow`.
   */
  async afterRoundTrip(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    if (await this.feed.sync()) {
      const facts = this.feed.memoryFacts(claims);
      if (facts) return decide(claims, facts);
    }
    return this.fromDatabase(claims);
  }

  private async fromDatabase(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    const asOf = this.feed.users.version;
    const facts = await this.lookup.find(claims);
    if (facts.user && this.feed.live) this.feed.users.remember(asOf, facts.user);
    return decide(claims, facts);
  }
}

function decide(claims: AccessTokenClaims, facts: BearerFacts): AuthenticatedUser {
  switch (liveness(claims, facts, Date.now())) {
    case 'live':
      // Not a copy: the user is frozen (BearerLookup), so no handler can edit what memory holds.
      return { user: facts.user!, token: claims };
    case 'user-gone':
      throw new AppException(Problem.TokenInvalid, 'The token user no longer exists.');
    case 'revoked':
      throw accessTokenRevoked();
  }
}

/** The refusal of an access token whose session or `jti` was revoked. */
export const accessTokenRevoked = () =>
  new AppException(Problem.TokenRevoked, 'The access token has been revoked.');
