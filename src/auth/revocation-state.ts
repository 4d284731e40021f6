import type { User } from '../users/user.entity.js';

/** What the bearer check needs of one session: whose it is, until when, and whether it ended. */
export interface SessionEntry {
  userId: string;
  expiresAt: number;
  revokedAt: number | null;
}

export interface StateSnapshot {
  users: User[];
  sessions: [id: string, entry: SessionEntry][];
  blocked: [jti: string, expiresAt: number][];
}

/**
 * `live` and `revoked` are answers; `unknown` means this state cannot tell (an entry it never
 * held or dropped), and the database must.
 */
export type Verdict = { kind: 'live'; user: User } | { kind: 'revoked' } | { kind: 'unknown' };

/**
 * The bearer check's view of users, sessions and the access-token blocklist, in memory. It is
 * only ever a copy of the database, kept by RevocationFeed: the blocklist holds every
 * unexpired entry (so a `jti` absent from it is not blocked); users and sessions may lack
 * entries, which sends the check to the database. Entries leave when they can no longer
 * matter: blocked tokens at their `exp`, sessions at their `expires_at` (revoked ones once no
 * access token of theirs can still be unexpired), users when no session of theirs is held.
 */
export class RevocationState {
  private users = new Map<string, User>();
  private sessions = new Map<string, SessionEntry>();
  private blocked = new Map<string, number>();
  /** Bumped by every change, so that a database answer read meanwhile is not cached. */
  private version = 0;

  /** `keepRevokedMs`: the longest an access token lives, after which a revoked session is moot. */
  constructor(readonly keepRevokedMs: number) {}

  get changes(): number {
    return this.version;
  }

  get size() {
    return { users: this.users.size, sessions: this.sessions.size, blocked: this.blocked.size };
  }

  replace(snapshot: StateSnapshot, now = Date.now()): void {
    this.version++;
    this.users = new Map(snapshot.users.map((user) => [user.id, user]));
    this.sessions = new Map(snapshot.sessions);
    this.blocked = new Map(snapshot.blocked);
    this.sweep(now);
  }

  setSession(id: string, entry: SessionEntry | null): void {
    this.version++;
    if (entry) this.sessions.set(id, entry);
    else this.sessions.delete(id);
  }

  setBlocked(jti: string, expiresAt: number | null): void {
    this.version++;
    if (expiresAt === null) this.blocked.delete(jti);
    else this.blocked.set(jti, expiresAt);
  }

  setUser(id: string, user: User | null): void {
    this.version++;
    if (user) this.users.set(id, user);
    else this.users.delete(id);
  }

  /** Keeps what the database answered, unless something changed since it was asked (`asOf`). */
  remember(asOf: number, user: User, sessionId: string, session: SessionEntry | null): boolean {
    if (asOf !== this.version) return false;
    this.users.set(user.id, user);
    if (session) this.sessions.set(sessionId, session);
    return true;
  }

  check(claims: { sub: string; sid: string; jti: string }, now = Date.now()): Verdict {
    const user = this.users.get(claims.sub);
    const session = this.sessions.get(claims.sid);
    if (!user || !session) return { kind: 'unknown' };
    const blockedUntil = this.blocked.get(claims.jti);
    if (
      !user.isActive ||
      session.userId !== claims.sub ||
      session.revokedAt !== null ||
      (blockedUntil !== undefined && blockedUntil > now)
    ) {
      return { kind: 'revoked' };
    }
    return { kind: 'live', user };
  }

  /** Drops what can no longer matter; dropping is always safe (the database answers instead). */
  sweep(now = Date.now()): void {
    for (const [jti, expiresAt] of this.blocked) {
      if (expiresAt <= now) this.blocked.delete(jti);
    }
    const holders = new Set<string>();
    for (const [id, session] of this.sessions) {
      const moot =
        session.expiresAt <= now ||
        (session.revokedAt !== null && session.revokedAt + this.keepRevokedMs <= now);
      if (moot) this.sessions.delete(id);
      else holders.add(session.userId);
    }
    for (const id of this.users.keys()) {
      if (!holders.has(id)) this.users.delete(id);
    }
  }
}
