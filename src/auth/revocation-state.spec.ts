import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Role } from '../common/principal/principal.js';
import { User } from '../users/user.entity.js';
import { RevocationState, SessionEntry } from './revocation-state.js';

const NOW = Date.UTC(2026, 10, 22, 5, 0, 0);
const MINUTE = 60_000;

function aUser(overrides: Partial<User> = {}): User {
  return Object.assign(new User(), {
    id: randomUUID(),
    email: 'ada@example.com',
    username: 'ada_l',
    name: null,
    role: Role.User,
    isActive: true,
    createdAt: new Date(NOW),
    updatedAt: new Date(NOW),
    ...overrides,
  });
}

function aSession(userId: string, overrides: Partial<SessionEntry> = {}): SessionEntry {
  return { userId, expiresAt: NOW + 60 * MINUTE, revokedAt: null, ...overrides };
}

function loaded(user = aUser(), session = aSession(user.id)) {
  const sid = randomUUID();
  const sut = new RevocationState(15 * MINUTE);
  sut.replace({ users: [user], sessions: [[sid, session]], blocked: [] }, NOW);
  return { sut, user, sid, claims: { sub: user.id, sid, jti: randomUUID() } };
}

describe(RevocationState.name, () => {
  it('answers live with the user for a live session of an active user', () => {
    const { sut, user, claims } = loaded();
    expect(sut.check(claims, NOW)).toEqual({ kind: 'live', user });
  });

  it('refuses a revoked session, a deactivated user, a blocked jti, a session of someone else', () => {
    const revokedSession = loaded();
    revokedSession.sut.setSession(
      revokedSession.sid,
      aSession(revokedSession.user.id, { revokedAt: NOW }),
    );
    expect(revokedSession.sut.check(revokedSession.claims, NOW)).toEqual({ kind: 'revoked' });

    const deactivated = loaded();
    deactivated.sut.setUser(
      deactivated.user.id,
      aUser({ id: deactivated.user.id, isActive: false }),
    );
    expect(deactivated.sut.check(deactivated.claims, NOW)).toEqual({ kind: 'revoked' });

    const blocked = loaded();
    blocked.sut.setBlocked(blocked.claims.jti, NOW + MINUTE);
    expect(blocked.sut.check(blocked.claims, NOW)).toEqual({ kind: 'revoked' });

    const stranger = aUser();
    const borrowed = loaded();
    borrowed.sut.setUser(stranger.id, stranger);
    expect(borrowed.sut.check({ ...borrowed.claims, sub: stranger.id }, NOW)).toEqual({
      kind: 'revoked',
    });
  });

  it('sends what it does not hold to the database: an unknown user or session, a deleted one', () => {
    const { sut, user, sid, claims } = loaded();
    expect(sut.check({ ...claims, sid: randomUUID() }, NOW)).toEqual({ kind: 'unknown' });
    expect(sut.check({ ...claims, sub: randomUUID() }, NOW)).toEqual({ kind: 'unknown' });
    sut.setSession(sid, null);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'unknown' });
    sut.setSession(sid, aSession(user.id));
    sut.setUser(user.id, null);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'unknown' });
  });

  it('follows the latest state of a row: a role change, an unblock', () => {
    const { sut, user, claims } = loaded();
    const admin = aUser({ id: user.id, role: Role.Admin });
    sut.setUser(user.id, admin);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'live', user: admin });
    sut.setBlocked(claims.jti, NOW + MINUTE);
    sut.setBlocked(claims.jti, null);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'live', user: admin });
  });

  it('keeps a database answer only when nothing changed while it was read', () => {
    const sut = new RevocationState(15 * MINUTE);
    const user = aUser();
    const sid = randomUUID();
    const claims = { sub: user.id, sid, jti: randomUUID() };

    const asOf = sut.changes;
    sut.setSession(sid, aSession(user.id, { revokedAt: NOW }));
    expect(sut.remember(asOf, user, sid, aSession(user.id))).toBe(false);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'unknown' });

    expect(sut.remember(sut.changes, user, sid, aSession(user.id))).toBe(true);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'live', user });
  });

  it('forgets entries at their expiry: blocked tokens, sessions, revoked sessions, their users', () => {
    const sut = new RevocationState(15 * MINUTE);
    const user = aUser();
    const other = aUser();
    sut.replace(
      {
        users: [user, other],
        sessions: [
          ['live', aSession(user.id, { expiresAt: NOW + 60 * MINUTE })],
          ['ending', aSession(other.id, { expiresAt: NOW + 5 * MINUTE })],
          ['revoked', aSession(user.id, { revokedAt: NOW })],
        ],
        blocked: [
          ['soon', NOW + MINUTE],
          ['later', NOW + 30 * MINUTE],
        ],
      },
      NOW,
    );
    expect(sut.size).toEqual({ users: 2, sessions: 3, blocked: 2 });
    sut.sweep(NOW + 2 * MINUTE);
    expect(sut.size).toEqual({ users: 2, sessions: 3, blocked: 1 });
    sut.sweep(NOW + 10 * MINUTE);
    expect(sut.size).toEqual({ users: 1, sessions: 2, blocked: 1 });
    sut.sweep(NOW + 20 * MINUTE);
    expect(sut.size).toEqual({ users: 1, sessions: 1, blocked: 1 });
    sut.sweep(NOW + 61 * MINUTE);
    expect(sut.size).toEqual({ users: 0, sessions: 0, blocked: 0 });
  });

  it('replaces everything on a reload', () => {
    const { sut, claims } = loaded();
    sut.replace({ users: [], sessions: [], blocked: [] }, NOW);
    expect(sut.check(claims, NOW)).toEqual({ kind: 'unknown' });
    expect(sut.size).toEqual({ users: 0, sessions: 0, blocked: 0 });
  });
});
