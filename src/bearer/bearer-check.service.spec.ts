import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { aPrincipal } from '../../test/support/principal.js';
import { automock } from '../../test/support/strict-mock.js';
import { Problem } from '../common/errors/problem.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import { User } from '../users/user.entity.js';
import { BearerCheckService } from './bearer-check.service.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import type { BearerFacts } from './liveness.js';
import type { RevocationFeed } from './revocation-feed.service.js';
import { UserCache } from './user-cache.js';

const HOUR = 60 * 60 * 1000;

function aUser(overrides: Partial<User> = {}): User {
  return Object.assign(new User(), aPrincipal(), overrides);
}

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

const liveFacts = (user = aUser()): BearerFacts => ({
  user,
  session: { userId: 'user-1', expiresAt: Date.now() + HOUR, revokedAt: null },
  blockedUntil: null,
});

async function problemOf(promise: Promise<unknown>): Promise<Problem | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { problem?: Problem }).problem;
  }
}

describe(BearerCheckService.name, () => {
  let sut: BearerCheckService;
  let lookup: jest.Mocked<BearerLookup>;
  let users: UserCache;
  let feed: {
    freshNow: jest.Mock<() => boolean>;
    sync: jest.Mock<() => Promise<boolean>>;
    memoryFacts: jest.Mock<(claims: AccessTokenClaims) => BearerFacts | undefined>;
    users: UserCache;
    live: boolean;
  };

  beforeEach(() => {
    lookup = automock(BearerLookup);
    users = new UserCache(10);
    // Memory is not current unless a test says so: `authenticate` then waits for sync().
    feed = {
      freshNow: jest.fn(() => false),
      sync: jest.fn(),
      memoryFacts: jest.fn(),
      users,
      live: true,
    };
    sut = new BearerCheckService(lookup, feed as unknown as RevocationFeed);
  });

  it('answers from memory when the feed is current and holds the facts, with the user memory holds', async () => {
    const user = Object.freeze(aUser());
    feed.sync.mockResolvedValue(true);
    feed.memoryFacts.mockReturnValue(liveFacts(user));
    const caller = await sut.authenticate(claims);
    expect(caller.user).toBe(user);
    expect(caller.token).toBe(claims);
  });

  describe('without waiting (fromMemoryNow)', () => {
    it('answers at once when memory is current and holds the facts', () => {
      feed.freshNow.mockReturnValue(true);
      feed.memoryFacts.mockReturnValue(liveFacts());
      expect(sut.fromMemoryNow(claims)?.user.id).toBe('user-1');
      expect(feed.sync).not.toHaveBeenCalled();
    });

    it('throws a refusal memory holds, at once', () => {
      feed.freshNow.mockReturnValue(true);
      feed.memoryFacts.mockReturnValue({ ...liveFacts(), blockedUntil: Date.now() + HOUR });
      expect(() => sut.fromMemoryNow(claims)).toThrow(
        expect.objectContaining({ problem: Problem.TokenRevoked }),
      );
    });

    it('gives no answer when memory is not current, or does not hold the facts', () => {
      feed.memoryFacts.mockReturnValue(liveFacts());
      expect(sut.fromMemoryNow(claims)).toBeUndefined();
      expect(feed.memoryFacts).not.toHaveBeenCalled();
      feed.freshNow.mockReturnValue(true);
      feed.memoryFacts.mockReturnValue(undefined);
      expect(sut.fromMemoryNow(claims)).toBeUndefined();
    });
  });

  it('refuses from memory with the rule the database path uses', async () => {
    feed.sync.mockResolvedValue(true);
    feed.memoryFacts.mockReturnValue({ ...liveFacts(), blockedUntil: Date.now() + HOUR });
    expect(await problemOf(sut.authenticate(claims))).toBe(Problem.TokenRevoked);
    feed.memoryFacts.mockReturnValue({ ...liveFacts(), user: aUser({ role: Role.Admin }) });
    expect(await problemOf(sut.authenticate(claims))).toBe(Problem.TokenRevoked);
  });

  it('asks the database when memory cannot tell, and keeps the user it read', async () => {
    feed.sync.mockResolvedValue(true);
    feed.memoryFacts.mockReturnValue(undefined);
    lookup.find.mockResolvedValueOnce(liveFacts());
    await sut.authenticate(claims);
    expect(lookup.find).toHaveBeenCalledWith(claims);
    expect(users.get('user-1')?.id).toBe('user-1');
  });

  it('asks the database when the feed is not current, and keeps no user while it is down', async () => {
    feed.sync.mockResolvedValue(false);
    feed.live = false;
    lookup.find.mockResolvedValueOnce(liveFacts());
    await sut.authenticate(claims);
    expect(feed.memoryFacts).not.toHaveBeenCalled();
    expect(users.size).toBe(0);
  });

  it('does not keep a user whose read a change overtook', async () => {
    feed.sync.mockResolvedValue(false);
    lookup.find.mockImplementationOnce(() => {
      users.forget('user-1');
      return Promise.resolve(liveFacts());
    });
    await sut.authenticate(claims);
    expect(users.size).toBe(0);
  });

  it.each<[string, Partial<BearerFacts>, Problem]>([
    ['a deleted user', { user: null }, Problem.TokenInvalid],
    ['a deactivated user', { user: aUser({ isActive: false }) }, Problem.TokenRevoked],
    ['a session gone', { session: null }, Problem.TokenRevoked],
    [
      'a revoked session',
      { session: { userId: 'user-1', expiresAt: Date.now() + HOUR, revokedAt: 1 } },
      Problem.TokenRevoked,
    ],
    ['a blocklisted jti', { blockedUntil: Date.now() + HOUR }, Problem.TokenRevoked],
  ])('refuses %s read from the database', async (_name, change, problem) => {
    feed.sync.mockResolvedValue(false);
    lookup.find.mockResolvedValueOnce({ ...liveFacts(), ...change });
    expect(await problemOf(sut.authenticate(claims))).toBe(problem);
  });
});
