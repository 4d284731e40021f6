import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { foreignKeyViolation } from '../database/database-errors.js';
import { generateRefreshToken, hashRefreshToken } from './refresh-token.js';
import { RetiredRefreshToken } from './retired-refresh-token.entity.js';
import { RevocationService } from './revocation.service.js';
import { Session } from './session.entity.js';

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/** A session as a token response needs it: whose it is, and its new refresh token. */
export interface SessionGrant {
  sessionId: string;
  userId: string;
  refreshToken: string;
}

const invalidRefreshToken = () =>
  new AppException(Problem.RefreshTokenInvalid, 'The refresh token is invalid, expired or used.');

/** Sessions and their one-use refresh tokens. */
@Injectable()
export class SessionsService {
  private readonly refreshTtlMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocation: RevocationService,
    config: ConfigService<Environment, true>,
  ) {
    this.refreshTtlMs = config.get('JWT_REFRESH_TTL', { infer: true }) * 1000;
  }

  /** Starts a session; null when the user was deleted since the caller read it. */
  async start(userId: string, client: ClientInfo): Promise<SessionGrant | null> {
    const refreshToken = generateRefreshToken();
    const now = new Date();
    const sessionId = randomUUID();
    try {
      await this.dataSource.getRepository(Session).insert({
        id: sessionId,
        userId,
        refreshTokenHash: hashRefreshToken(refreshToken),
        userAgent: client.userAgent,
        ip: client.ip,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + this.refreshTtlMs),
        revokedAt: null,
      });
    } catch (error) {
      if (foreignKeyViolation(error)) return null;
      throw error;
    }
    return { sessionId, userId, refreshToken };
  }

  /**
   * Exchanges a refresh token for a new one in the same session. The exchange is one
   * conditional UPDATE, so of concurrent exchanges of one token exactly one wins; presenting
   * a retired token again revokes the whole session.
   */
  async rotate(presented: string, client: ClientInfo): Promise<SessionGrant> {
    const presentedHash = hashRefreshToken(presented);
    const refreshToken = generateRefreshToken();
    const now = new Date();

    const rotated = await this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(Session)
        .set({
          refreshTokenHash: hashRefreshToken(refreshToken),
          lastUsedAt: now,
          expiresAt: new Date(now.getTime() + this.refreshTtlMs),
          userAgent: client.userAgent,
          ip: client.ip,
        })
        .where({ refreshTokenHash: presentedHash, revokedAt: IsNull(), expiresAt: MoreThan(now) })
        .returning('id, user_id')
        .execute();
      const [row] = result.raw as { id: string; user_id: string }[];
      if (!row) return undefined;
      await manager.insert(RetiredRefreshToken, {
        tokenHash: presentedHash,
        sessionId: row.id,
        retiredAt: now,
      });
      return { sessionId: row.id, userId: row.user_id };
    });
    if (rotated) return { ...rotated, refreshToken };

    const retired = await this.dataSource
      .getRepository(RetiredRefreshToken)
      .createQueryBuilder('retired')
      .innerJoin(Session, 'session', 'session.id = retired.sessionId')
      .select(['retired.sessionId AS "sessionId"', 'session.userId AS "userId"'])
      .where('retired.tokenHash = :hash', { hash: presentedHash })
      .getRawOne<{ sessionId: string; userId: string }>();
    if (retired) await this.revocation.revokeSession(retired.userId, retired.sessionId);
    throw invalidRefreshToken();
  }

  /** The user's live sessions, newest first. */
  listActive(userId: string): Promise<Session[]> {
    return this.dataSource.getRepository(Session).find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
  }
}
