import { describe, expect, it } from '@jest/globals';
import { aPrincipal } from '../../test/support/principal.js';
import { Role } from '../common/principal/principal.js';
import { type BearerFacts, liveness } from './liveness.js';

const NOW = 1_800_000_000_000;
const claims = { sub: 'user-1', role: Role.User };
const user = aPrincipal();
const live: BearerFacts = {
  user,
  session: { userId: 'user-1', revokedAt: null, expiresAt: NOW + 1000 },
  blockedUntil: null,
};

describe(liveness.name, () => {
  it('is live for an active user with the role the token names, in a live session of theirs', () => {
    expect(liveness(claims, live, NOW)).toBe('live');
  });

  it.each<[string, Partial<BearerFacts>, string]>([
    ['the user is gone', { user: null }, 'user-gone'],
    ['the user is deactivated', { user: { ...user, isActive: false } }, 'revoked'],
    ['the role changed since the token', { user: { ...user, role: Role.Admin } }, 'revoked'],
    ['the session is gone', { session: null }, 'revoked'],
    [
      'the session is revoked',
      { session: { userId: 'user-1', revokedAt: NOW - 1, expiresAt: NOW + 1000 } },
      'revoked',
    ],
    [
      'the session expired (its expiry is the check, not only the token exp)',
      { session: { userId: 'user-1', revokedAt: null, expiresAt: NOW } },
      'revoked',
    ],
    [
      'the session belongs to someone else',
      { session: { userId: 'user-2', revokedAt: null, expiresAt: NOW + 1000 } },
      'revoked',
    ],
    ['the token is blocklisted', { blockedUntil: NOW + 1 }, 'revoked'],
  ])('is not live when %s', (_name, change, expected) => {
    expect(liveness(claims, { ...live, ...change }, NOW)).toBe(expected);
  });

  it('ignores a blocklist entry that has expired (the token it names has too)', () => {
    expect(liveness(claims, { ...live, blockedUntil: NOW }, NOW)).toBe('live');
  });
});
