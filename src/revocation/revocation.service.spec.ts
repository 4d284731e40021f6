import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { automock } from '../../test/support/strict-mock.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { RevocationService } from './revocation.service.js';
import { RevocationLogRepository } from './revocation-log.repository.js';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository.js';
import { SessionsRepository } from './sessions.repository.js';

const client: ClientInfo = { userAgent: 'jest', ip: '127.0.0.1', requestId: 'request-1' };
const claims: AccessTokenClaims = {
  iss: 'issuer',
  aud: 'audience',
  sub: 'user-1',
  sid: 'session-1',
  jti: 'token-1',
  iat: 1_800_000_000,
  exp: 1_800_000_900,
  role: Role.User,
  username: 'ada_l',
};

describe(RevocationService.name, () => {
  let sut: RevocationService;
  let sessions: jest.Mocked<SessionsRepository>;
  let blocklist: jest.Mocked<RevokedAccessTokensRepository>;
  let events: jest.Mocked<SecurityEventsService>;
  let log: jest.Mocked<RevocationLogRepository>;
  const tx = { transaction: 'the one' } as unknown as Transaction;

  beforeEach(() => {
    sessions = automock(SessionsRepository);
    blocklist = automock(RevokedAccessTokensRepository);
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    events = automock(SecurityEventsService);
    events.record.mockResolvedValue(undefined);
    log = automock(RevocationLogRepository);
    sut = new RevocationService(sessions, blocklist, log, transactions, events);
  });

  it('blocks an access token until its own expiry', async () => {
    blocklist.add.mockResolvedValueOnce(undefined);
    await sut.blockAccessToken(claims);
    expect(blocklist.add).toHaveBeenCalledWith(
      { jti: 'token-1', userId: 'user-1', expiresAt: new Date(1_800_000_900_000) },
      undefined,
    );
  });

  it('says whether a session of that user was there to revoke', async () => {
    sessions.revoke.mockResolvedValueOnce(false);
    await expect(sut.revokeSession('user-1', 'someone-elses')).resolves.toBe(false);
    expect(sessions.revoke).toHaveBeenCalledWith(
      'user-1',
      'someone-elses',
      expect.any(Date),
      undefined,
    );
  });

  it('ends this session and its access token together on a local logout, and records it', async () => {
    sessions.revoke.mockResolvedValueOnce(true);
    blocklist.add.mockResolvedValueOnce(undefined);

    await sut.revokeCurrent(claims, client);

    expect(sessions.revoke).toHaveBeenCalledWith('user-1', 'session-1', expect.any(Date), tx);
    expect(blocklist.add).toHaveBeenCalledWith(expect.objectContaining({ jti: 'token-1' }), tx);
    expect(events.record).toHaveBeenCalledWith(
      {
        type: SecurityEventType.Logout,
        userId: 'user-1',
        actorId: 'user-1',
        sessionId: 'session-1',
        details: { scope: 'local' },
      },
      client,
      tx,
    );
  });

  it('ends every session and the access token on a global logout', async () => {
    sessions.revokeAll.mockResolvedValueOnce(undefined);
    blocklist.add.mockResolvedValueOnce(undefined);

    await sut.revokeEverything(claims, client);

    expect(sessions.revokeAll).toHaveBeenCalledWith('user-1', expect.any(Date), undefined, tx);
    expect(blocklist.add).toHaveBeenCalledWith(expect.objectContaining({ jti: 'token-1' }), tx);
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ details: { scope: 'global' } }),
      client,
      tx,
    );
  });

  it('keeps the presenting session and its token when ending the others', async () => {
    sessions.revokeAll.mockResolvedValueOnce(undefined);

    await sut.revokeOthers(claims, client);

    expect(sessions.revokeAll).toHaveBeenCalledWith('user-1', expect.any(Date), 'session-1', tx);
    expect(blocklist.add).not.toHaveBeenCalled();
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ details: { scope: 'others' } }),
      client,
      tx,
    );
  });

  describe('a logout and its event', () => {
    /**
     * A transaction that keeps what its writes did until the work resolves: on a throw nothing
     * is kept. A write outside any open transaction (no `tx`, or another one) counts at once,
     * as autocommit would. The repositories record their writes through `write`.
     */
    let committed: string[];
    beforeEach(() => {
      committed = [];
      const open = new Map<Transaction, string[]>();
      const write = (what: string, given?: Transaction) => {
        const writes = given && open.get(given);
        if (writes) writes.push(what);
        else committed.push(what);
      };
      const transactions = automock(Transactions);
      transactions.run.mockImplementation((async (work: (t: Transaction) => Promise<unknown>) => {
        const own = { transaction: 'open' } as unknown as Transaction;
        open.set(own, []);
        try {
          const result = await work(own);
          committed.push(...open.get(own)!);
          return result;
        } finally {
          open.delete(own);
        }
      }) as Transactions['run']);
      sessions.revoke.mockImplementation((_user, _session, _at, given) => {
        write('session revoked', given);
        return Promise.resolve(true);
      });
      blocklist.add.mockImplementation((_entry, given) => {
        write('token blocked', given);
        return Promise.resolve();
      });
      events.record.mockImplementation((_event, _client, given) => {
        write('event recorded', given);
        return Promise.resolve();
      });
      sut = new RevocationService(sessions, blocklist, log, transactions, events);
    });

    it('commit together', async () => {
      await sut.revokeCurrent(claims, client);
      expect(committed).toEqual(['session revoked', 'token blocked', 'event recorded']);
    });

    it('fails the logout when its event cannot be recorded, so nothing half-commits', async () => {
      events.record.mockRejectedValueOnce(new Error('disk full'));
      await expect(sut.revokeCurrent(claims, client)).rejects.toThrow('disk full');
      // Not the session, not the token: both were written in the transaction that failed.
      expect(committed).toEqual([]);
    });
  });

  describe('prune', () => {
    it('drops expired blocklist entries, sessions dead for a day and log rows two days old', async () => {
      blocklist.deleteExpired.mockResolvedValueOnce(undefined);
      sessions.prune.mockResolvedValueOnce(undefined);
      log.deleteOlderThan.mockResolvedValueOnce(undefined);

      await sut.prune();

      const [now, revokedBefore] = sessions.prune.mock.calls[0];
      expect(now.getTime() - revokedBefore.getTime()).toBe(24 * 60 * 60 * 1000);
      expect(blocklist.deleteExpired).toHaveBeenCalledWith(now);
      const [logBefore] = log.deleteOlderThan.mock.calls[0];
      expect(now.getTime() - logBefore.getTime()).toBe(2 * 24 * 60 * 60 * 1000);
    });

    it('logs a failure instead of throwing from the timer', async () => {
      blocklist.deleteExpired.mockRejectedValueOnce(new Error('connection lost'));
      const warn = jest.spyOn(
        (sut as unknown as { logger: { warn(message: string): void } }).logger,
        'warn',
      );
      warn.mockImplementation(() => undefined);

      await expect(sut.prune()).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('connection lost'));
    });
  });
});
