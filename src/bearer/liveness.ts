import type { AccessTokenClaims, Principal } from '../common/principal/principal.js';

/** What the bearer check must know of a session (times in ms since the epoch). */
export interface SessionFacts {
  userId: string;
  revokedAt: number | null;
  expiresAt: number;
}

/** Everything a token's liveness depends on, read from the database or from memory. */
export interface BearerFacts {
  /** The token's user as it is now; null when there is no such user. */
  user: Principal | null;
  /** The token's session; null when there is no such session. */
  session: SessionFacts | null;
  /** Until when the token's `jti` is blocklisted; null when it is not. */
  blockedUntil: number | null;
}

export type Liveness = 'live' | 'user-gone' | 'revoked';

/**
 * The one rule for whether verified claims may still be used, whether the facts come from
 * memory or from the database: the user exists, is active and still has the role the token
 * names; the session is the user's, unrevoked and unexpired; the `jti` is not blocklisted.
 */
export function liveness(
  claims: Pick<AccessTokenClaims, 'sub' | 'role'>,
  { user, session, blockedUntil }: BearerFacts,
  now: number,
): Liveness {
  if (!user) return 'user-gone';
  if (!user.isActive || user.role !== claims.role) return 'revoked';
  if (!session || session.userId !== claims.sub) return 'revoked';
  if (session.revokedAt !== null || session.expiresAt <= now) return 'revoked';
  if (blockedUntil !== null && blockedUntil > now) return 'revoked';
  return 'live';
}
