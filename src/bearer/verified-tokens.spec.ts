import { describe, expect, it } from '@jest/globals';
import type { AccessTokenClaims } from '../common/principal/principal.js';
import { MAX_REMEMBERED_TOKEN_LENGTH, VerifiedTokens } from './verified-tokens.js';

const NOW = 1_800_000_000_000;
const claimsUntil = (exp: number) => ({ sid: 's', jti: 'j', exp }) as AccessTokenClaims;

describe(VerifiedTokens.name, () => {
  it('answers the claims of a remembered token, frozen', () => {
    const tokens = new VerifiedTokens(10, () => NOW);
    const claims = claimsUntil(NOW / 1000 + 60);
    tokens.remember('a.b.c', claims);

    expect(tokens.claimsOf('a.b.c')).toBe(claims);
    expect(Object.isFrozen(claims)).toBe(true);
    expect(tokens.claimsOf('a.b.d')).toBeUndefined();
    // The same signature under another header or payload is another token.
    expect(tokens.claimsOf('a.x.c')).toBeUndefined();
    expect(tokens.claimsOf('x.b.c')).toBeUndefined();
    expect(tokens.claimsOf('c')).toBeUndefined();
  });

  it('keeps the verified token when another with its signature comes and fails', () => {
    const tokens = new VerifiedTokens(10, () => NOW);
    const claims = claimsUntil(NOW / 1000 + 60);
    tokens.remember('a.b.c', claims);
    expect(tokens.claimsOf('a.forged.c')).toBeUndefined();
    expect(tokens.claimsOf('a.b.c')).toBe(claims);
    expect(tokens.size).toBe(1);
  });

  it('forgets every token when the keys change, and takes none verified before the change', () => {
    const tokens = new VerifiedTokens(10, () => NOW);
    const claims = claimsUntil(NOW / 1000 + 60);
    tokens.remember('a.b.c', claims);
    const verifiedAt = tokens.epoch;

    tokens.clear();
    expect(tokens.claimsOf('a.b.c')).toBeUndefined();
    // Verified with the keys of before the change, answered after it: not remembered.
    tokens.remember('a.b.d', claimsUntil(NOW / 1000 + 60), verifiedAt);
    expect(tokens.claimsOf('a.b.d')).toBeUndefined();
    tokens.remember('a.b.d', claimsUntil(NOW / 1000 + 60), tokens.epoch);
    expect(tokens.claimsOf('a.b.d')).toBeDefined();
  });

  it('forgets a token once the current second reaches its exp, as jsonwebtoken does', () => {
    let now = NOW;
    const tokens = new VerifiedTokens(10, () => now);
    tokens.remember('a.b.c', claimsUntil(NOW / 1000 + 1));

    now = NOW + 999;
    expect(tokens.claimsOf('a.b.c')).toBeDefined();
    now = NOW + 1000;
    expect(tokens.claimsOf('a.b.c')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('lets the oldest entry go past its capacity', () => {
    const tokens = new VerifiedTokens(2, () => NOW);
    const claims = claimsUntil(NOW / 1000 + 60);
    tokens.remember('one', claims);
    tokens.remember('two', claims);
    tokens.remember('three', claims);

    expect(tokens.size).toBe(2);
    expect(tokens.claimsOf('one')).toBeUndefined();
    expect(tokens.claimsOf('two')).toBe(claims);
    expect(tokens.claimsOf('three')).toBe(claims);
  });

  it('remembers nothing with a capacity of 0, an oversized token, or a token with nbf', () => {
    const claims = claimsUntil(NOW / 1000 + 60);
    const off = new VerifiedTokens(0, () => NOW);
    off.remember('a.b.c', claims);
    expect(off.size).toBe(0);

    const tokens = new VerifiedTokens(10, () => NOW);
    tokens.remember('x'.repeat(MAX_REMEMBERED_TOKEN_LENGTH + 1), claims);
    tokens.remember('a.b.c', { ...claims, nbf: NOW / 1000 } as AccessTokenClaims);
    expect(tokens.size).toBe(0);
  });
});
