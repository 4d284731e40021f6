import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { automock } from '../../test/support/strict-mock.js';
import { Problem } from '../common/errors/problem.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import { User } from '../users/user.entity.js';
import { BearerCheckService } from './bearer-check.service.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import type { RevocationFeed } from './revocation-feed.service.js';
import { RevocationState } from './revocation-state.js';

const HOUR = 60 * 60 * 1000;

function aUser(overrides: Partial<User> = {}): User {
  return Object.assign(new User(), {
    id: 'user-1',
    email: 'ada@example.com',
    username: 'ada_l',
    name: null,
    role: Role.User,
    isActive: true,
    emailVerified: true,
    ...overrides,
  });
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

const liveSession = () => ({ userId: 'user-1', expiresAt: Date.now() + HOUR, revokedAt: null });

describe(BearerCheckService.name, () => {
  let sut: BearerCheckService;
  let lookup: jest.Mocked<BearerLookup>;
  let state: RevocationState;
  let feed: { sync: jest.Mock<() => Promise<boolean>>; state: RevocationState; live: boolean };

  beforeEach(() => {
    lookup = automock(BearerLookup);
    state = new RevocationState(HOUR);
    feed = { sync: jest.fn<() => Promise<boolean>>(), state, live: true };
    sut = new BearerCheckService(lookup, feed as unknown as RevocationFeed);
  });

  describe('with the feed current', () => {
    beforeEach(() => {
      feed.sync.mockResolvedValue(true);
    });

    it('answers from memory without a query, with a copy of the user', async () => {
      const user = aUser();
      state.replace({ users: [user], sessions: [['session-1', liveSession()]], blocked: [] });

      const caller = await sut.authenticate(claims);

      expect(caller).toEqual({ user, token: claims });
      expect(caller.user).not.toBe(user);
    });

    it('refuses a blocklisted token from memory', async () => {
      state.replace({
        users: [aUser()],
        sessions: [['session-1', liveSession()]],
        blocked: [['token-1', Date.now() + HOUR]],
      });
      await expect(sut.authenticate(claims)).rejects.toMatchObject({
        problem: Problem.TokenRevoked,
      });
    });

    it('asks the database about what memory does not hold, and keeps the answer', async () => {
      const user = aUser();
      lookup.find.mockResolvedValueOnce({ user, session: liveSession(), blocked: false });

      await expect(sut.authenticate(claims)).resolves.toEqual({ user, token: claims });
      expect(lookup.find).toHaveBeenCalledWith(claims);
      expect(state.check(claims)).toEqual({ kind: 'live', user });
    });
  });

  describe('from the database', () => {
    beforeEach(() => {
      feed.sync.mockResolvedValue(false);
      feed.live = false;
    });

    it('answers token-invalid when the user no longer exists', async () => {
      lookup.find.mockResolvedValueOnce({ user: null, session: null, blocked: false });
      await expect(sut.authenticate(claims)).rejects.toMatchObject({
        problem: Problem.TokenInvalid,
      });
    });

    it.each([
      ['an inactive user', { user: aUser({ isActive: false }) }],
      ['a missing session', { session: null }],
      ['a revoked session', { session: { ...liveSession(), revokedAt: Date.now() } }],
      ["someone else's session", { session: { ...liveSession(), userId: 'user-2' } }],
      ['a blocklisted token', { blocked: true }],
    ])('answers token-revoked for %s', async (_, facts) => {
      lookup.find.mockResolvedValueOnce({
        user: aUser(),
        session: liveSession(),
        blocked: false,
        ...facts,
      });
      await expect(sut.authenticate(claims)).rejects.toMatchObject({
        problem: Problem.TokenRevoked,
      });
    });

    it('keeps nothing in memory while the feed is down', async () => {
      lookup.find.mockResolvedValueOnce({ user: aUser(), session: liveSession(), blocked: false });
      await sut.authenticate(claims);
      expect(state.check(claims)).toEqual({ kind: 'unknown' });
    });
  });
});
