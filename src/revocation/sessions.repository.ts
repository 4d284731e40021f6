import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import type { Authentication } from '../common/principal/principal.js';
import { RetiredRefreshToken } from './retired-refresh-token.entity.js';
import { RevocationWrites } from './revocation-writes.js';
import { Session } from './session.entity.js';

/** What a session's use changes: its token and where it was last used from. */
export type SessionUse = Pick<Session, 'lastUsedAt' | 'userAgent' | 'ip'>;

/** Every query of sessions and of their retired refresh tokens. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RetiredRefreshToken)
    private readonly retired: Repository<RetiredRefreshToken>,
    private readonly writes: RevocationWrites,
  ) {}

  /** Fails on the foreign key when the user is gone. */
  async insert(session: Session, tx?: Transaction): Promise<void> {
    await within(this.sessions, tx).insert(session);
  }

  /**
   * Replaces the refresh token of the live session holding `presentedHash`, in one conditional
   * UPDATE, so that of concurrent exchanges exactly one finds the row; undefined for the others.
   */
  async replaceToken(
    presentedHash: string,
    next: SessionUse & Pick<Session, 'refreshTokenHash' | 'expiresAt'>,
    tx: Transaction,
  ): Promise<({ sessionId: string; userId: string } & Authentication) | undefined> {
    const result = await within(this.sessions, tx)
      .createQueryBuilder()
      .update(Session)
      .set(next)
      .where({
        refreshTokenHash: presentedHash,
        revokedAt: IsNull(),
        expiresAt: MoreThan(next.lastUsedAt),
      })
      .returning('id, user_id, amr, aal')
      .execute();
    const [row] = result.raw as ({ id: string; user_id: string } & Authentication)[];
    return row && { sessionId: row.id, userId: row.user_id, amr: row.amr, aal: row.aal };
  }

  async retire(token: RetiredRefreshToken, tx: Transaction): Promise<void> {
    await within(this.retired, tx).insert(token);
  }

  /** A retired token's session, its owner and when the token was retired. */
  async findRetired(tokenHash: string) {
    return this.retired
      .createQueryBuilder('retired')
      .innerJoin(Session, 'session', 'session.id = retired.sessionId')
      .select([
        'retired.sessionId AS "sessionId"',
        'retired.retiredAt AS "retiredAt"',
        'session.userId AS "userId"',
      ])
      .where('retired.tokenHash = :hash', { hash: tokenHash })
      .getRawOne<{ sessionId: string; userId: string; retiredAt: Date }>();
  }

  /**
   * Records a use of a live session and returns its current refresh-token hash and expiry;
   * undefined when it is not live. Takes the row lock, so a revocation that commits first wins.
   */
  async touchLive(
    sessionId: string,
    use: SessionUse,
  ): Promise<(Pick<Session, 'refreshTokenHash' | 'expiresAt'> & Authentication) | undefined> {
    const result = await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set(use)
      .where({ id: sessionId, revokedAt: IsNull(), expiresAt: MoreThan(use.lastUsedAt) })
      .returning('refresh_token_hash, expires_at, amr, aal')
      .execute();
    const [row] = result.raw as ({
      refresh_token_hash: string;
      expires_at: Date;
    } & Authentication)[];
    return (
      row && {
        refreshTokenHash: row.refresh_token_hash,
        expiresAt: new Date(row.expires_at),
        amr: row.amr,
        aal: row.aal,
      }
    );
  }

  /** The user's live sessions, newest first. */
  findLive(userId: string, now: Date): Promise<Session[]> {
    return this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
    });
  }

  /** Revokes one unrevoked session of the user; false when there was none. */
  async revoke(userId: string, sessionId: string, at: Date, tx?: Transaction): Promise<boolean> {
    const result = await within(this.sessions, tx).update(
      { id: sessionId, userId, revokedAt: IsNull() },
      { revokedAt: at },
    );
    const revoked = (result.affected ?? 0) > 0;
    if (revoked) this.writes.written(tx);
    return revoked;
  }

  /**
   * Revokes the unrevoked session whose current refresh token, or one it retired, hashes to
   * `tokenHash`: what revoking a refresh token (RFC 7009) ends. Undefined when there is none.
   */
  async revokeByRefreshTokenHash(
    tokenHash: string,
    at: Date,
    tx?: Transaction,
  ): Promise<{ sessionId: string; userId: string } | undefined> {
    const result = await within(this.sessions, tx)
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: at })
      .where('revoked_at IS NULL')
      .andWhere(
        '(refresh_token_hash = :tokenHash OR id = ' +
          '(SELECT session_id FROM retired_refresh_tokens WHERE token_hash = :tokenHash))',
        { tokenHash },
      )
      .returning('id, user_id')
      .execute();
    const [row] = result.raw as { id: string; user_id: string }[];
    if (!row) return undefined;
    this.writes.written(tx);
    return { sessionId: row.id, userId: row.user_id };
  }

  /** Revokes every unrevoked session of the user but `except`. */
  async revokeAll(userId: string, at: Date, except?: string, tx?: Transaction): Promise<void> {
    const { affected } = await within(this.sessions, tx).update(
      { userId, revokedAt: IsNull(), ...(except ? { id: Not(except) } : {}) },
      { revokedAt: at },
    );
    if (affected) this.writes.written(tx);
  }

  /** Deletes sessions expired before `now` and those revoked before `revokedBefore`. */
  async prune(now: Date, revokedBefore: Date): Promise<void> {
    await this.sessions.delete({ expiresAt: LessThan(now) });
    await this.sessions.delete({ revokedAt: LessThan(revokedBefore) });
  }
}
