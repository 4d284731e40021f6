import type { AccessTokenClaims } from '../common/principal/principal.js';
import type { SessionFacts } from './liveness.js';

/** A row of `revocation_log` as the triggers publish it (times in ms since the epoch). */
export type Revocation =
  | {
      kind: 'session';
      subject: string;
      userId: string | null;
      revokedAt: number | null;
      expiresAt: number | null;
      deleted: boolean;
    }
  | { kind: 'token'; subject: string; expiresAt: number | null; deleted: boolean }
  | { kind: 'reset'; table: string };

/** Facts about a session held by nobody's revocation: a signed token's session is live. */
const unrevoked = (claims: Pick<AccessTokenClaims, 'sub'>): SessionFacts => ({
  userId: claims.sub,
  revokedAt: null,
  expiresAt: Number.POSITIVE_INFINITY,
});

interface NotedSession {
  /** The session as the revocation left it; null once deleted. */
  facts: SessionFacts | null;
  notedAt: number;
}

/**
 * The revocations of the last access-token lifetime, in memory: what an instance needs to
 * refuse the tokens that are signed and unexpired but no longer live. A token whose session
 * no revocation names is live (no access token outlives its session: its `exp` is capped), so
 * the memory grows with recent revocations only, never with users or sessions.
 *
 * `session` answers definitively only for a session revoked, deleted or given to another user;
 * for one restored or whose expiry changed (rare operator edits, which a later refresh may have
 * made stale here) and for tokens issued around a TRUNCATE, it says "ask the database".
 */
export class RecentRevocations {
  private sessions = new Map<string, NotedSession>();
  private blocked = new Map<string, number>();
  /** When sessions or the log were last truncated: older tokens are the database's to judge. */
  private truncatedAt = Number.NEGATIVE_INFINITY;

  /**
   * `keepMs`: how long a revocation can matter (the longest access-token lifetime, plus room);
   * `skewMs`: how far the clocks of the instances issuing tokens may be apart.
   */
  constructor(
    readonly keepMs: number,
    private readonly skewMs = 2000,
  ) {}

  get size() {
    return { sessions: this.sessions.size, blocked: this.blocked.size };
  }

  /** Starts again from the log's recent rows, oldest first, each with when it was noted. */
  replace(rows: Iterable<[Revocation, number]>): void {
    this.sessions = new Map();
    this.blocked = new Map();
    this.truncatedAt = Number.NEGATIVE_INFINITY;
    for (const [revocation, notedAt] of rows) this.apply(revocation, notedAt);
  }

  apply(revocation: Revocation, now = Date.now()): void {
    switch (revocation.kind) {
      case 'session': {
        const { subject, userId, revokedAt, expiresAt, deleted } = revocation;
        const facts =
          deleted || userId === null || expiresAt === null
            ? null
            : { userId, revokedAt, expiresAt };
        this.sessions.set(subject, { facts, notedAt: now });
        return;
      }
      case 'token':
        if (revocation.deleted || revocation.expiresAt === null) {
          this.blocked.delete(revocation.subject);
        } else {
          this.blocked.set(revocation.subject, revocation.expiresAt);
        }
        return;
      case 'reset':
        if (revocation.table === 'revoked_access_tokens') this.blocked.clear();
        else if (revocation.table !== 'users') this.truncatedAt = now;
    }
  }

  /**
   * The token's session as far as memory can tell: its facts (null: deleted), or undefined
   * when the database must answer.
   */
  session(claims: Pick<AccessTokenClaims, 'sub' | 'sid' | 'iat'>): SessionFacts | null | undefined {
    if (claims.iat * 1000 <= this.truncatedAt + this.skewMs) return undefined;
    const noted = this.sessions.get(claims.sid);
    if (!noted) return unrevoked(claims);
    const { facts } = noted;
    if (!facts || facts.revokedAt !== null || facts.userId !== claims.sub) return facts;
    return undefined;
  }

  /** Until when the `jti` is blocklisted, or null. */
  blockedUntil(jti: string): number | null {
    return this.blocked.get(jti) ?? null;
  }

  /** Drops what can no longer matter: a token it concerns has expired since. */
  sweep(now = Date.now()): void {
    for (const [jti, until] of this.blocked) {
      if (until <= now) this.blocked.delete(jti);
    }
    for (const [sid, noted] of this.sessions) {
      if (noted.notedAt + this.keepMs <= now) this.sessions.delete(sid);
    }
  }
}
