import { describe, expect, it } from '@jest/globals';
import { RecentRevocations, type Revocation } from './recent-revocations.js';

const NOW = 1_800_000_000_000;
const KEEP = 15 * 60 * 1000;
const token = { sub: 'user-1', sid: 'session-1', iat: NOW / 1000 - 60 };

const session = (changes: Partial<Extract<Revocation, { kind: 'session' }>> = {}): Revocation => ({
  kind: 'session',
  subject: 'session-1',
  userId: 'user-1',
  revokedAt: NOW,
  expiresAt: NOW + KEEP,
  deleted: false,
  ...changes,
});

describe(RecentRevocations.name, () => {
  it('takes a session no revocation names for live: it holds nothing per session or user', () => {
    const sut = new RecentRevocations(KEEP);
    expect(sut.session(token)).toEqual({
      userId: 'user-1',
      revokedAt: null,
      expiresAt: Number.POSITIVE_INFINITY,
    });
    expect(sut.size).toEqual({ sessions: 0, blocked: 0 });
  });

  it('answers for a revoked, deleted or moved session, and sends a restored one to the database', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply(session(), NOW);
    expect(sut.session(token)?.revokedAt).toBe(NOW);
    sut.apply(session({ revokedAt: null, expiresAt: null, userId: null, deleted: true }), NOW);
    expect(sut.session(token)).toBeNull();
    sut.apply(session({ revokedAt: null, userId: 'user-2' }), NOW);
    expect(sut.session(token)?.userId).toBe('user-2');
    sut.apply(session({ revokedAt: null }), NOW);
    expect(sut.session(token)).toBeUndefined();
  });

  it('keeps the last of revoke, restore, revoke in one transaction (applied in commit order)', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply(session(), NOW);
    sut.apply(session({ revokedAt: null }), NOW);
    sut.apply(session({ revokedAt: NOW + 1 }), NOW);
    expect(sut.session(token)?.revokedAt).toBe(NOW + 1);
  });

  it('blocks a jti until its expiry, and unblocks it when the entry is deleted', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply({ kind: 'token', subject: 'jti-1', expiresAt: NOW + 5, deleted: false });
    expect(sut.blockedUntil('jti-1')).toBe(NOW + 5);
    sut.apply({ kind: 'token', subject: 'jti-1', expiresAt: null, deleted: true });
    expect(sut.blockedUntil('jti-1')).toBeNull();
  });

  it('sends tokens issued up to a TRUNCATE of sessions (plus clock skew) to the database', () => {
    const sut = new RecentRevocations(KEEP, 2000);
    sut.apply({ kind: 'reset', table: 'sessions' }, NOW);
    expect(sut.session({ ...token, iat: NOW / 1000 - 600 })).toBeUndefined();
    expect(sut.session({ ...token, iat: NOW / 1000 + 2 })).toBeUndefined();
    expect(sut.session({ ...token, iat: NOW / 1000 + 3 })).toEqual(
      expect.objectContaining({ revokedAt: null }),
    );
  });

  it('does the same after a TRUNCATE of the log itself, and clears the blocklist with its table', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply({ kind: 'token', subject: 'jti-1', expiresAt: NOW + 5, deleted: false });
    sut.apply({ kind: 'reset', table: 'revoked_access_tokens' }, NOW);
    expect(sut.blockedUntil('jti-1')).toBeNull();
    expect(sut.session(token)).toBeDefined();
    sut.apply({ kind: 'reset', table: 'revocation_log' }, NOW);
    expect(sut.session(token)).toBeUndefined();
  });

  it('forgets a revocation once every token it concerns has expired, and a blocked jti at its exp', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply(session(), NOW);
    sut.apply({ kind: 'token', subject: 'jti-1', expiresAt: NOW + 5, deleted: false });
    sut.sweep(NOW + 5);
    expect(sut.size).toEqual({ sessions: 1, blocked: 0 });
    sut.sweep(NOW + KEEP - 1);
    expect(sut.size.sessions).toBe(1);
    sut.sweep(NOW + KEEP);
    expect(sut.size.sessions).toBe(0);
  });

  it('starts again from the log rows it is given, in order', () => {
    const sut = new RecentRevocations(KEEP);
    sut.apply({ kind: 'token', subject: 'jti-old', expiresAt: NOW + 5, deleted: false });
    sut.replace([
      [session(), NOW],
      [session({ revokedAt: null }), NOW],
    ]);
    expect(sut.blockedUntil('jti-old')).toBeNull();
    expect(sut.session(token)).toBeUndefined();
  });
});
