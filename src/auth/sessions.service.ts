import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import type { Authentication } from '../common/principal/principal.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import {
  deriveSuccessor,
  findCurrentDescendant,
  generateRefreshToken,
  hashRefreshToken,
  isWithinReuseGrace,
  successorKey,
} from './refresh-token.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { Session } from '../revocation/session.entity.js';
import { SessionsRepository } from '../revocation/sessions.repository.js';

/** A session as a token response needs it: whose it is, and its new refresh token. */
export interface SessionGrant {
  sessionId: string;
  userId: string;
  refreshToken: string;
  /** When the session ends unless refreshed: no access token of it may outlive this. */
  expiresAt: Date;
  /** How its login was made; refreshed tokens keep it. */
  authentication: Authentication;
}

const loginSucceeded = (userId: string, sessionId: string, { amr }: Authentication) => ({
  type: SecurityEventType.LoginSucceeded,
  userId,
  actorId: userId,
  sessionId,
  details: { amr: amr.join(' ') },
});

const refreshTokenReused = (retired: { userId: string; sessionId: string }) => ({
  type: SecurityEventType.RefreshTokenReused,
  userId: retired.userId,
  actorId: null,
  sessionId: retired.sessionId,
  details: { sessionRevoked: true },
});

const invalidRefreshToken = () =>
  new AppException(Problem.RefreshTokenInvalid, 'The refresh token is invalid, expired or used.');

/** Sessions and their one-use refresh tokens, each derived from the one it replaces. */
@Injectable()
export class SessionsService {
  private readonly refreshTtlMs: number;
  private readonly reuseGraceSeconds: number;
  private readonly successorKey: Buffer;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly transactions: Transactions,
    private readonly revocation: RevocationService,
    private readonly events: SecurityEventsService,
    config: ConfigService<Environment, true>,
  ) {
    this.refreshTtlMs = config.get('JWT_REFRESH_TTL', { infer: true }) * 1000;
    this.reuseGraceSeconds = config.get('JWT_REFRESH_REUSE_GRACE', { infer: true });
    this.successorKey = successorKey({
      JWT_ALGORITHM: config.get('JWT_ALGORITHM', { infer: true }),
      JWT_SECRET: config.get('JWT_SECRET', { infer: true }),
      JWT_PRIVATE_KEY: config.get('JWT_PRIVATE_KEY', { infer: true }),
    });
  }

  /**
   * Starts a session in `tx`, so that it commits with what granted it: the hold on the user
   * that `AuthService` takes for it, or an MFA enrolment.
   */
  async start(
    userId: string,
    client: ClientInfo,
    authentication: Authentication,
    tx: Transaction,
  ): Promise<SessionGrant> {
    const refreshToken = generateRefreshToken();
    const now = new Date();
    const sessionId = randomUUID();
    const session = {
      id: sessionId,
      userId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      userAgent: client.userAgent,
      ip: client.ip,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.refreshTtlMs),
      revokedAt: null,
      amr: authentication.amr,
      aal: authentication.aal,
    };
    await this.sessions.insert(session, tx);
    await this.events.record(loginSucceeded(userId, sessionId, authentication), client, tx);
    return { sessionId, userId, refreshToken, expiresAt: session.expiresAt, authentication };
  }

  /**
   * Exchanges a refresh token for its successor in the same session. The exchange is one
   * conditional UPDATE, so of concurrent exchanges of one token exactly one rotates; the others
   * wait for its commit and then find the token retired (see `resumeRetired`).
   */
  async rotate(presented: string, client: ClientInfo): Promise<SessionGrant> {
    const presentedHash = hashRefreshToken(presented);
    const refreshToken = deriveSuccessor(this.successorKey, presented);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.refreshTtlMs);

    const rotated = await this.transactions.run(async (tx) => {
      const replaced = await this.sessions.replaceToken(
        presentedHash,
        {
          refreshTokenHash: hashRefreshToken(refreshToken),
          lastUsedAt: now,
          expiresAt,
          userAgent: client.userAgent,
          ip: client.ip,
        },
        tx,
      );
      if (!replaced) return undefined;
      await this.sessions.retire(
        { tokenHash: presentedHash, sessionId: replaced.sessionId, retiredAt: now },
        tx,
      );
      return replaced;
    });
    if (rotated) {
      const { sessionId, userId, amr, aal } = rotated;
      return { sessionId, userId, refreshToken, expiresAt, authentication: { amr, aal } };
    }
    return this.resumeRetired(presented, presentedHash, client, now);
  }

  /**
   * A retired token presented again. Within the reuse grace of its rotation it is a client racing
   * itself (two tabs, two threads): the answer is the session's current token, found by walking
   * the successor chain, so that every racer ends up holding the same one. After the grace it is
   * reuse of a stolen token: the whole session is revoked.
   */
  private async resumeRetired(
    presented: string,
    presentedHash: string,
    client: ClientInfo,
    now: Date,
  ): Promise<SessionGrant> {
    const retired = await this.sessions.findRetired(presentedHash);
    if (!retired) throw invalidRefreshToken();
    const { sessionId, userId } = retired;
    if (!isWithinReuseGrace(new Date(retired.retiredAt), now, this.reuseGraceSeconds)) {
      await this.transactions.run(async (tx) => {
        await this.revocation.revokeSession(userId, sessionId, tx);
        await this.events.record(refreshTokenReused(retired), client, tx);
      });
      throw invalidRefreshToken();
    }

    // Conditional on a live session and taking its row lock, so a logout or revocation that
    // commits first wins, and the hash read is the one current at this moment.
    const live = await this.sessions.touchLive(sessionId, {
      lastUsedAt: now,
      userAgent: client.userAgent,
      ip: client.ip,
    });
    // A chain that cannot be followed (the signing key changed since) is not proof of theft.
    const refreshToken =
      live && findCurrentDescendant(this.successorKey, presented, live.refreshTokenHash);
    if (!live || !refreshToken) throw invalidRefreshToken();
    const authentication = { amr: live.amr, aal: live.aal };
    return { sessionId, userId, refreshToken, expiresAt: live.expiresAt, authentication };
  }

  /** The user's live sessions, newest first. */
  listActive(userId: string): Promise<Session[]> {
    return this.sessions.findLive(userId, new Date());
  }
}
