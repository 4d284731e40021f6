import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { automock } from '../../test/support/strict-mock.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { SessionsRepository } from '../revocation/sessions.repository.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import {
  deriveSuccessor,
  generateRefreshToken,
  hashRefreshToken,
  successorKey,
} from './refresh-token.js';
import { SessionsService } from './sessions.service.js';
import { PASSWORD_LOGIN } from '../common/principal/principal.js';

const env = {
  JWT_REFRESH_TTL: 3600,
  JWT_REFRESH_REUSE_GRACE: 10,
  JWT_ALGORITHM: 'HS256',
  JWT_SECRET: 'a test secret that is long enough to sign with',
  JWT_PRIVATE_KEY: undefined,
} as const;
const key = successorKey(env);
const client = { userAgent: 'jest', ip: '127.0.0.1', requestId: 'request-1' };
const seenFrom = { userAgent: client.userAgent, ip: client.ip };

describe(SessionsService.name, () => {
  let sut: SessionsService;
  let sessions: jest.Mocked<SessionsRepository>;
  let revocation: jest.Mocked<RevocationService>;
  let events: jest.Mocked<SecurityEventsService>;
  const tx = { transaction: 'the one' } as unknown as Transaction;

  beforeEach(() => {
    sessions = automock(SessionsRepository);
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    revocation = automock(RevocationService);
    events = automock(SecurityEventsService);
    events.record.mockResolvedValue(undefined);
    const config = new ConfigService<Environment, true>(env);
    sut = new SessionsService(sessions, transactions, revocation, events, config);
  });

  describe('start', () => {
    it('stores only the hash of the new refresh token, and records the login with it', async () => {
      sessions.insert.mockResolvedValueOnce(undefined);

      const grant = await sut.start('user-1', client, PASSWORD_LOGIN, tx);

      expect(grant).toEqual({
        sessionId: expect.any(String),
        userId: 'user-1',
        refreshToken: expect.any(String),
        expiresAt: expect.any(Date),
        authentication: PASSWORD_LOGIN,
      });
      const [session, within] = sessions.insert.mock.calls[0];
      expect(within).toBe(tx);
      // The grant's expiry is the stored one: access tokens are capped at it.
      expect(grant.expiresAt).toEqual(session.expiresAt);
      expect(session).toMatchObject({
        id: grant.sessionId,
        userId: 'user-1',
        refreshTokenHash: hashRefreshToken(grant.refreshToken),
        revokedAt: null,
        ...seenFrom,
      });
      expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(3600 * 1000);
      expect(events.record).toHaveBeenCalledWith(
        expect.objectContaining({
          type: SecurityEventType.LoginSucceeded,
          actorId: 'user-1',
          sessionId: grant.sessionId,
        }),
        client,
        tx,
      );
    });
  });

  describe('rotate', () => {
    it("replaces the token with its derived successor and retires the presented one's hash", async () => {
      const presented = generateRefreshToken();
      sessions.replaceToken.mockResolvedValueOnce({
        sessionId: 's1',
        userId: 'u1',
        ...PASSWORD_LOGIN,
      });
      sessions.retire.mockResolvedValueOnce(undefined);

      const grant = await sut.rotate(presented, client);

      const successor = deriveSuccessor(key, presented);
      expect(grant).toEqual({
        sessionId: 's1',
        userId: 'u1',
        refreshToken: successor,
        expiresAt: expect.any(Date),
        authentication: PASSWORD_LOGIN,
      });
      expect(sessions.replaceToken).toHaveBeenCalledWith(
        hashRefreshToken(presented),
        expect.objectContaining({
          refreshTokenHash: hashRefreshToken(successor),
          expiresAt: grant.expiresAt,
          ...seenFrom,
        }),
        tx,
      );
      expect(sessions.retire).toHaveBeenCalledWith(
        expect.objectContaining({ tokenHash: hashRefreshToken(presented), sessionId: 's1' }),
        tx,
      );
    });

    it('refuses a token that was never issued', async () => {
      sessions.replaceToken.mockResolvedValueOnce(undefined);
      sessions.findRetired.mockResolvedValueOnce(undefined);

      await expect(sut.rotate(generateRefreshToken(), client)).rejects.toMatchObject({
        problem: Problem.RefreshTokenInvalid,
      });
    });

    it("answers a racer within the grace with the session's current token", async () => {
      const presented = generateRefreshToken();
      const current = deriveSuccessor(key, presented);
      sessions.replaceToken.mockResolvedValueOnce(undefined);
      sessions.findRetired.mockResolvedValueOnce({
        sessionId: 's1',
        userId: 'u1',
        retiredAt: new Date(),
      });
      const expiresAt = new Date(Date.now() + 60_000);
      sessions.touchLive.mockResolvedValueOnce({
        refreshTokenHash: hashRefreshToken(current),
        expiresAt,
        ...PASSWORD_LOGIN,
      });

      await expect(sut.rotate(presented, client)).resolves.toEqual({
        sessionId: 's1',
        userId: 'u1',
        refreshToken: current,
        expiresAt,
        authentication: PASSWORD_LOGIN,
      });
    });

    it('refuses a racer whose session was revoked meanwhile', async () => {
      sessions.replaceToken.mockResolvedValueOnce(undefined);
      sessions.findRetired.mockResolvedValueOnce({
        sessionId: 's1',
        userId: 'u1',
        retiredAt: new Date(),
      });
      sessions.touchLive.mockResolvedValueOnce(undefined);

      await expect(sut.rotate(generateRefreshToken(), client)).rejects.toMatchObject({
        problem: Problem.RefreshTokenInvalid,
      });
    });

    it('treats a retired token after the grace as theft: revokes the session and records it', async () => {
      sessions.replaceToken.mockResolvedValueOnce(undefined);
      sessions.findRetired.mockResolvedValueOnce({
        sessionId: 's1',
        userId: 'u1',
        retiredAt: new Date(Date.now() - 60_000),
      });
      revocation.revokeSession.mockResolvedValueOnce(true);

      await expect(sut.rotate(generateRefreshToken(), client)).rejects.toMatchObject({
        problem: Problem.RefreshTokenInvalid,
      });
      expect(revocation.revokeSession).toHaveBeenCalledWith('u1', 's1', tx);
      expect(events.record).toHaveBeenCalledWith(
        expect.objectContaining({
          type: SecurityEventType.RefreshTokenReused,
          actorId: null,
          sessionId: 's1',
        }),
        client,
        tx,
      );
      expect(sessions.touchLive).not.toHaveBeenCalled();
    });
  });
});
