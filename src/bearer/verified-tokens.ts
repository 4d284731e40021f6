import type { AccessTokenClaims } from '../common/principal/principal.js';

/** Longer tokens are verified every time: ours are about 400 characters. */
export const MAX_REMEMBERED_TOKEN_LENGTH = 2048;

/**
 * Access tokens that passport-jwt has verified in this process, each with its checked claims,
 * until its `exp`: a client sends the same token with every request of its lifetime, and
 * verifying it again (decoding it twice, an HMAC or a signature check) was the largest single
 * cost of the bearer path.
 *
 * Only the signature and the claims are remembered; whether the token is still live (its
 * session, its `jti`, its user) is asked on every request all the same. An entry is found by
 * the token's last segment (its signature: hashing the whole token for the look-up cost more
 * than the rest of it) and answers only the very token remembered, compared whole, so a token
 * that differs in any byte from one verified before is verified. Bounded: past `capacity`, the
 * oldest entry leaves; an expired one leaves when it is next asked for. A capacity of 0
 * remembers nothing.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { token: string; claims: AccessTokenClaims }>();
  private generation = 0;

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a token verified before, unless it has expired since. */
  claimsOf(token: string): AccessTokenClaims | undefined {
    const key = signatureOf(token);
    const entry = this.entries.get(key);
    if (entry?.token !== token) return undefined;
    // jsonwebtoken's own rule: expired once the current whole second reaches `exp`.
    if (Math.floor(this.now() / 1000) >= entry.claims.exp) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.claims;
  }

  /** Changes with every `clear`: take it before verifying, hand it to `remember` after. */
  get epoch(): number {
    return this.generation;
  }

  /** Forgets every token (the keys that verified them changed, a key may have been revoked). */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /**
   * Remembers what passport-jwt verified; the claims are frozen, as every request shares them.
   * Not when the cache was cleared since `epoch`: the key that verified it may be revoked since.
   */
  remember(token: string, claims: AccessTokenClaims, epoch = this.generation): void {
    // A `nbf` would make the answer depend on the time before `exp` too; ours carry none.
    if (
      this.capacity === 0 ||
      token.length > MAX_REMEMBERED_TOKEN_LENGTH ||
      'nbf' in claims ||
      epoch !== this.generation
    ) {
      return;
    }
    const key = signatureOf(token);
    if (!this.entries.has(key) && this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { token, claims: Object.freeze(claims) });
  }
}

/** A compact JWS's last segment, its signature; the whole string when it has no dot. */
function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}
