import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { aPrincipal } from '../../test/support/principal.js';
import { automock } from '../../test/support/strict-mock.js';
import { AccountService } from '../account/account.service.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { AccessTokenClaims, Authentication } from '../common/principal/principal.js';
import { PasskeyAssertionsService } from '../passkeys/passkey-assertions.service.js';
import type { Environment } from '../config/environment.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { PasswordService } from '../users/password.service.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthService } from './auth.service.js';
import { BearerCheckService } from '../bearer/bearer-check.service.js';
import { SessionsService } from './sessions.service.js';
import { LoginLockoutService } from '../lockout/login-lockout.service.js';
import { hashRefreshToken } from './refresh-token.js';
import { MfaService } from '../mfa/mfa.service.js';
import { PASSWORD_AND_OTP_LOGIN, PASSWORD_LOGIN, Role } from '../common/principal/principal.js';
import { passwordFingerprint } from '../users/password-fingerprint.js';

function aUser(overrides: Partial<User> = {}): User {
  return Object.assign(
    new User(),
    aPrincipal({ id: randomUUID() }),
    { passwordHash: 'stored hash' },
    overrides,
  );
}

function claimsOf(user: User, sid = 'session-1'): AccessTokenClaims {
  return {
    iss: 'issuer',
    aud: 'audience',
    sub: user.id,
    sid,
    jti: 'token-1',
    iat: 1_800_000_000,
    exp: 1_800_000_900,
    role: user.role,
    username: user.username,
  };
}

const client = { userAgent: 'jest', ip: '127.0.0.1', requestId: 'request-1' };

/** A challenge redeemed for a login that proved the password `aUser` has ('stored hash'). */
const redeemed = (userId: string) => ({
  userId,
  passwordFingerprint: passwordFingerprint('stored hash'),
});
const SESSION_END = new Date(1_800_600_000_000);

describe(AuthService.name, () => {
  let users: jest.Mocked<UsersService>;
  let passwords: jest.Mocked<PasswordService>;
  let accessTokens: jest.Mocked<AccessTokenService>;
  let sessions: jest.Mocked<SessionsService>;
  let revocation: jest.Mocked<RevocationService>;
  let account: jest.Mocked<AccountService>;
  let events: jest.Mocked<SecurityEventsService>;
  let bearerCheck: jest.Mocked<BearerCheckService>;
  let lockout: jest.Mocked<LoginLockoutService>;
  let mfa: jest.Mocked<MfaService>;
  let passkeyAssertions: jest.Mocked<PasskeyAssertionsService>;
  const tx = { transaction: 'the one' } as unknown as Transaction;

  function build(requireVerifiedEmail = false): AuthService {
    users = automock(UsersService);
    passwords = automock(PasswordService);
    accessTokens = automock(AccessTokenService);
    sessions = automock(SessionsService);
    revocation = automock(RevocationService);
    account = automock(AccountService);
    events = automock(SecurityEventsService);
    bearerCheck = automock(BearerCheckService);
    lockout = automock(LoginLockoutService);
    // No name is locked unless a test says so.
    lockout.read.mockImplementation((name) =>
      Promise.resolve({ name, key: 'k', keys: ['k'], lockedUntil: null, counted: false }),
    );
    lockout.recordFailure.mockResolvedValue(undefined);
    lockout.recordSuccess.mockResolvedValue(undefined);
    mfa = automock(MfaService);
    mfa.challengeFor.mockResolvedValue(null);
    passkeyAssertions = automock(PasskeyAssertionsService);
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    const config = new ConfigService<Environment, true>({
      REQUIRE_VERIFIED_EMAIL: requireVerifiedEmail,
    });
    return new AuthService(
      users,
      passwords,
      accessTokens,
      sessions,
      revocation,
      account,
      events,
      lockout,
      bearerCheck,
      passkeyAssertions,
      transactions,
      mfa,
      config,
    );
  }

  /** A session and an access token for whoever logs in or refreshes. */
  /** The session the service starts (`s1`, refresh token `refresh`) and its tokens signed. */
  function givenSessionStarted(userId: string, authentication: Authentication) {
    sessions.start.mockResolvedValueOnce({
      sessionId: 's1',
      userId,
      refreshToken: 'refresh',
      expiresAt: SESSION_END,
      authentication,
    });
    givenTokensIssued();
  }

  function givenTokensIssued() {
    accessTokens.issue.mockImplementation((user, session) => ({
      token: 'signed.access.token',
      claims: claimsOf(user as User, session.id),
    }));
  }

  let sut: AuthService;
  beforeEach(() => {
    sut = build();
  });

  describe('login', () => {
    it('needs exactly one of email and username', async () => {
      await expect(
        sut.login({ email: 'a@example.com', username: 'ada_l', password: 'x' }, client),
      ).rejects.toMatchObject({ problem: Problem.ValidationFailed });
      await expect(sut.login({ password: 'x' }, client)).rejects.toMatchObject({
        problem: Problem.ValidationFailed,
      });
    });

    it('starts a session and answers the token pair with the user', async () => {
      const user = aUser();
      users.findWithPasswordHash.mockResolvedValueOnce(user);
      passwords.verify.mockResolvedValueOnce(true);
      users.hold.mockResolvedValueOnce(user);
      givenSessionStarted(user.id, PASSWORD_LOGIN);

      const response = await sut.login({ username: 'ada_l', password: 'right' }, client);

      expect(passwords.verify).toHaveBeenCalledWith('right', 'stored hash');
      expect(users.hold).toHaveBeenCalledWith(user.id, tx);
      expect(sessions.start).toHaveBeenCalledWith(user.id, client, PASSWORD_LOGIN, tx);
      expect(response).toMatchObject({
        access_token: 'signed.access.token',
        token_type: 'Bearer',
        expires_in: 900,
        expires_at: 1_800_000_900,
        refresh_token: 'refresh',
        user: expect.objectContaining({ id: user.id }),
      });
    });

    it.each([
      ['an unknown user', null, false, 'unknown_user'],
      ['a wrong password', aUser(), false, 'wrong_password'],
      ['an inactive account', aUser({ isActive: false }), true, 'inactive'],
    ])('answers %s with the same invalid-credentials, recording why', async (_, user, ok, why) => {
      users.findWithPasswordHash.mockResolvedValueOnce(user);
      passwords.verify.mockResolvedValueOnce(ok);
      events.recordDetached.mockReturnValueOnce(undefined);

      await expect(
        sut.login({ email: 'ada@example.com', password: 'guess' }, client),
      ).rejects.toMatchObject({ problem: Problem.InvalidCredentials });
      expect(events.recordDetached).toHaveBeenCalledWith(
        expect.objectContaining({
          type: SecurityEventType.LoginFailed,
          actorId: null,
          details: { identifier: 'ada@example.com', reason: why },
        }),
        client,
      );
    });

    it('answers mfa-required with the mfaToken and methods, and starts no session', async () => {
      const user = aUser();
      users.findWithPasswordHash.mockResolvedValueOnce(user);
      passwords.verify.mockResolvedValueOnce(true);
      mfa.challengeFor.mockResolvedValueOnce({
        mfaToken: 'opaque',
        methods: ['totp', 'recovery_code'],
      });

      const refusal = await sut
        .login({ username: 'ada_l', password: 'right' }, client)
        .catch((error: unknown) => error as AppException);
      expect(refusal).toMatchObject({
        problem: Problem.MfaRequired,
        options: { extensions: { mfaToken: 'opaque', methods: ['totp', 'recovery_code'] } },
      });
      expect(mfa.challengeFor).toHaveBeenCalledWith(user.id, 'stored hash');
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it('finishes a login whose second factor was proven with an aal2 session', async () => {
      const user = aUser();
      mfa.answerChallenge.mockResolvedValueOnce(redeemed(user.id));
      users.hold.mockResolvedValueOnce(user);
      mfa.hasTotp.mockResolvedValueOnce(true);
      givenSessionStarted(user.id, PASSWORD_AND_OTP_LOGIN);

      await expect(
        sut.answerMfaChallenge({ mfaToken: 't', code: '123456' }, client),
      ).resolves.toMatchObject({ refresh_token: 'refresh' });
      expect(mfa.answerChallenge).toHaveBeenCalledWith('t', { code: '123456' }, client);
      expect(mfa.hasTotp).toHaveBeenCalledWith(user.id, tx);
      expect(sessions.start).toHaveBeenCalledWith(user.id, client, PASSWORD_AND_OTP_LOGIN, tx);
    });

    it('needs exactly one of code and recoveryCode in a challenge', async () => {
      for (const dto of [{ mfaToken: 't' }, { mfaToken: 't', code: '1', recoveryCode: '2' }]) {
        await expect(sut.answerMfaChallenge(dto, client)).rejects.toMatchObject({
          problem: Problem.ValidationFailed,
        });
      }
    });

    it.each([
      ['deactivated', aUser({ isActive: false })],
      ['deleted', null],
      ['whose password was reset', aUser({ passwordHash: 'the reset’s hash' })],
    ])('refuses the challenge of a user %s since it was redeemed', async (_, now) => {
      mfa.answerChallenge.mockResolvedValueOnce(redeemed('u1'));
      users.hold.mockResolvedValueOnce(now);
      await expect(
        sut.answerMfaChallenge({ mfaToken: 't', recoveryCode: 'x' }, client),
      ).rejects.toMatchObject({ problem: Problem.MfaTokenInvalid });
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it('refuses the challenge of a user whose factors an admin reset since it was redeemed', async () => {
      mfa.answerChallenge.mockResolvedValueOnce(redeemed('u1'));
      users.hold.mockResolvedValueOnce(aUser({ id: 'u1' }));
      mfa.hasTotp.mockResolvedValueOnce(false);
      await expect(
        sut.answerMfaChallenge({ mfaToken: 't', code: '123456' }, client),
      ).rejects.toMatchObject({ problem: Problem.MfaTokenInvalid });
      expect(mfa.hasTotp).toHaveBeenCalledWith('u1', tx);
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it('refuses an unverified address when REQUIRE_VERIFIED_EMAIL is on, after the password', async () => {
      sut = build(true);
      users.findWithPasswordHash.mockResolvedValueOnce(aUser({ emailVerified: false }));
      passwords.verify.mockResolvedValueOnce(true);

      await expect(
        sut.login({ username: 'ada_l', password: 'right' }, client),
      ).rejects.toMatchObject({ problem: Problem.EmailNotVerified });
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it.each([
      ['its password changed', aUser({ passwordHash: 'the reset’s hash' })],
      ['it was deactivated', aUser({ isActive: false })],
      ['it was deleted', null],
    ])('starts no session for an account that since the check %s', async (_, now) => {
      users.findWithPasswordHash.mockResolvedValueOnce(aUser());
      passwords.verify.mockResolvedValueOnce(true);
      users.hold.mockResolvedValueOnce(now);

      await expect(
        sut.login({ username: 'ada_l', password: 'right' }, client),
      ).rejects.toMatchObject({ problem: Problem.InvalidCredentials });
      expect(sessions.start).not.toHaveBeenCalled();
    });
  });

  describe('login lockout', () => {
    const lockedUntil = new Date(Date.now() + 42_000);
    const locked = (name: string) =>
      Promise.resolve({ name, key: 'k', keys: ['k'], lockedUntil, counted: true });

    it('refuses a locked name even with the right password, after checking it', async () => {
      users.findWithPasswordHash.mockResolvedValueOnce(aUser());
      lockout.read.mockImplementationOnce(locked);
      lockout.assertNotLocked.mockImplementationOnce(() => {
        throw new AppException(Problem.TooManyRequests, 'locked', {
          headers: { 'retry-after': '42' },
        });
      });
      passwords.verify.mockResolvedValueOnce(true);
      events.recordDetached.mockReturnValueOnce(undefined);

      await expect(
        sut.login({ username: 'Ada_L', password: 'right' }, client),
      ).rejects.toMatchObject({ problem: Problem.TooManyRequests });
      expect(passwords.verify).toHaveBeenCalled();
      expect(lockout.read).toHaveBeenCalledWith('ada_l', ['ada@example.com', 'ada_l']);
      expect(sessions.start).not.toHaveBeenCalled();
      expect(lockout.recordFailure).not.toHaveBeenCalled();
    });

    it('counts a failure for a name with no account too', async () => {
      users.findWithPasswordHash.mockResolvedValueOnce(null);
      passwords.verify.mockResolvedValueOnce(false);
      events.recordDetached.mockReturnValueOnce(undefined);

      await expect(
        sut.login({ email: 'nobody@example.com', password: 'guess' }, client),
      ).rejects.toMatchObject({ problem: Problem.InvalidCredentials });
      expect(lockout.read).toHaveBeenCalledWith('nobody@example.com', []);
      expect(lockout.recordFailure).toHaveBeenCalledWith(
        expect.objectContaining({ name: 'nobody@example.com' }),
        null,
        client,
      );
    });

    it("mails the owner when a failure begins the name's first lockout, not a later one", async () => {
      const user = aUser();
      for (const first of [true, false]) {
        users.findWithPasswordHash.mockResolvedValueOnce(user);
        passwords.verify.mockResolvedValueOnce(false);
        events.recordDetached.mockReturnValueOnce(undefined);
        lockout.recordFailure.mockResolvedValueOnce({
          seconds: 60,
          lockedUntil: new Date(1_800_000_060_000),
          first,
          failures: 10,
        });
        account.sendLockoutNotice.mockReturnValueOnce(undefined);
        await expect(
          sut.login({ email: 'ada@example.com', password: 'guess' }, client),
        ).rejects.toMatchObject({ problem: Problem.InvalidCredentials });
      }
      expect(account.sendLockoutNotice).toHaveBeenCalledTimes(1);
      expect(account.sendLockoutNotice).toHaveBeenCalledWith(
        user,
        {
          loginName: 'ada@example.com',
          failures: 10,
          lockedAt: new Date(1_800_000_000_000),
          lockedUntil: new Date(1_800_000_060_000),
        },
        client,
      );
    });

    it('clears the counts after a success', async () => {
      const user = aUser();
      users.findWithPasswordHash.mockResolvedValueOnce(user);
      passwords.verify.mockResolvedValueOnce(true);
      users.hold.mockResolvedValueOnce(user);
      givenSessionStarted(user.id, PASSWORD_LOGIN);

      await sut.login({ username: 'ada_l', password: 'right' }, client);
      expect(lockout.recordSuccess).toHaveBeenCalledWith(
        expect.objectContaining({ name: 'ada_l' }),
      );
    });
  });

  describe('revoke', () => {
    const user = aUser();

    it('ends the session of a refresh token and records it in the same transaction', async () => {
      revocation.revokeSessionOfRefreshToken.mockResolvedValueOnce({
        sessionId: 's1',
        userId: user.id,
      });
      events.record.mockResolvedValueOnce(undefined);

      await sut.revoke('opaque-refresh-token', undefined, client);

      expect(revocation.revokeSessionOfRefreshToken).toHaveBeenCalledWith(
        hashRefreshToken('opaque-refresh-token'),
        tx,
      );
      expect(events.record).toHaveBeenCalledWith(
        {
          type: SecurityEventType.TokenRevoked,
          userId: user.id,
          actorId: null,
          sessionId: 's1',
          details: { revoked: 'refresh_token' },
        },
        client,
        tx,
      );
    });

    it('blocklists an access token that verifies', async () => {
      const claims = claimsOf(user);
      accessTokens.verify.mockReturnValueOnce(claims);
      revocation.blockAccessToken.mockResolvedValueOnce(undefined);
      events.record.mockResolvedValueOnce(undefined);

      await sut.revoke('a.b.c', 'access_token', client);

      expect(revocation.blockAccessToken).toHaveBeenCalledWith(claims, tx);
    });

    it('does nothing, quietly, for a token that is neither', async () => {
      accessTokens.verify.mockImplementation(() => {
        throw new AppException(Problem.TokenInvalid, 'bad');
      });
      revocation.revokeSessionOfRefreshToken.mockResolvedValue(undefined);

      await expect(sut.revoke('garbage', 'refresh_token', client)).resolves.toBeUndefined();
      await expect(sut.revoke('a.b.c', undefined, client)).resolves.toBeUndefined();
      expect(events.record).not.toHaveBeenCalled();
    });
  });

  describe('loginWithPasskey', () => {
    const assertion = { userId: 'u1', passkeyId: 'p1', userVerified: true };
    const mfaStatus = (enabled: boolean) => ({
      totp: { enabled, createdAt: enabled ? new Date() : null },
      recoveryCodesLeft: enabled ? 10 : 0,
      passkeys: 1,
    });

    it.each<[boolean, Authentication]>([
      [true, { amr: ['hwk', 'user'], aal: 'aal2' }],
      [false, { amr: ['hwk'], aal: 'aal1' }],
    ])('with user verification %s starts a session of %j', async (userVerified, expected) => {
      const user = aUser({ id: 'u1' });
      passkeyAssertions.verify.mockResolvedValueOnce({ ...assertion, userVerified });
      users.findById.mockResolvedValueOnce(user);
      mfa.status.mockResolvedValue(mfaStatus(false));
      users.hold.mockResolvedValueOnce(user);
      passkeyAssertions.stillRegistered.mockResolvedValueOnce(true);
      givenSessionStarted(user.id, expected);

      await expect(sut.loginWithPasskey({ id: 'credential' }, client)).resolves.toMatchObject({
        refresh_token: 'refresh',
      });
      expect(passkeyAssertions.verify).toHaveBeenCalledWith({ id: 'credential' }, client);
      expect(passkeyAssertions.stillRegistered).toHaveBeenCalledWith(
        { ...assertion, userVerified },
        tx,
      );
      expect(sessions.start).toHaveBeenCalledWith(user.id, client, expected, tx);
      expect(accessTokens.issue).toHaveBeenCalledWith(
        user,
        expect.objectContaining({ authentication: expected }),
      );
    });

    it('starts no session once the passkey is gone under the hold (removed, or an admin reset)', async () => {
      const user = aUser({ id: 'u1' });
      passkeyAssertions.verify.mockResolvedValueOnce({ ...assertion, userVerified: true });
      users.findById.mockResolvedValueOnce(user);
      mfa.status.mockResolvedValue(mfaStatus(false));
      users.hold.mockResolvedValueOnce(user);
      passkeyAssertions.stillRegistered.mockResolvedValueOnce(false);

      await expect(sut.loginWithPasskey({ id: 'credential' }, client)).rejects.toMatchObject({
        problem: Problem.PasskeyInvalid,
      });
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it('refuses a passkey that did not verify its user when the account has TOTP on', async () => {
      passkeyAssertions.verify.mockResolvedValueOnce({ ...assertion, userVerified: false });
      users.findById.mockResolvedValueOnce(aUser({ id: 'u1' }));
      mfa.status.mockResolvedValueOnce(mfaStatus(true));

      await expect(sut.loginWithPasskey({}, client)).rejects.toMatchObject({
        problem: Problem.PasskeyInvalid,
      });
      expect(mfa.status).toHaveBeenCalledWith('u1');
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it.each([
      ['deactivated', aUser({ id: 'u1', isActive: false })],
      ['deleted', null],
    ])('refuses the passkey of a %s user and starts no session', async (_, user) => {
      passkeyAssertions.verify.mockResolvedValueOnce(assertion);
      users.findById.mockResolvedValueOnce(user);

      await expect(sut.loginWithPasskey({}, client)).rejects.toMatchObject({
        problem: Problem.PasskeyInvalid,
      });
      expect(sessions.start).not.toHaveBeenCalled();
    });
  });

  describe('confirmTotp', () => {
    const caller = (user: User) => ({ user, token: claimsOf(user) });

    it('holds the user before the enrolment, and issues the tokens as the user is now', async () => {
      const before = aUser();
      const now = aUser({ id: before.id, role: Role.Admin });
      users.hold.mockResolvedValueOnce(now);
      mfa.confirmTotp.mockResolvedValueOnce(['code-1']);
      givenSessionStarted(before.id, PASSWORD_AND_OTP_LOGIN);

      const enabled = await sut.confirmTotp(caller(before), '123456', client);

      expect(users.hold.mock.invocationCallOrder[0]).toBeLessThan(
        mfa.confirmTotp.mock.invocationCallOrder[0],
      );
      expect(users.hold).toHaveBeenCalledWith(before.id, tx);
      expect(sessions.start).toHaveBeenCalledWith(before.id, client, PASSWORD_AND_OTP_LOGIN, tx);
      expect(accessTokens.issue).toHaveBeenCalledWith(now, expect.anything());
      expect(enabled).toMatchObject({ recoveryCodes: ['code-1'], user: { role: Role.Admin } });
    });

    it.each([
      ['deactivated', aUser({ isActive: false })],
      ['deleted', null],
    ])('answers token-revoked for a caller %s since the bearer check', async (_, now) => {
      users.hold.mockResolvedValueOnce(now);

      await expect(sut.confirmTotp(caller(aUser()), '123456', client)).rejects.toMatchObject({
        problem: Problem.TokenRevoked,
      });
      expect(mfa.confirmTotp).not.toHaveBeenCalled();
      expect(sessions.start).not.toHaveBeenCalled();
    });
  });

  describe('passkeySecondFactor', () => {
    const user = aUser({ id: 'u1' });
    const check = () => mfa.redeemChallenge.mock.calls[0][2]('u1', tx);

    it.each<[boolean, string[]]>([
      [true, ['pwd', 'hwk', 'user']],
      [false, ['pwd', 'hwk']],
    ])(
      'verifies the assertion for the pending user, redeems the token, aal2 (verified %s)',
      async (userVerified, amr) => {
        mfa.pendingUser.mockResolvedValueOnce('u1');
        passkeyAssertions.verify.mockResolvedValueOnce({
          userId: 'u1',
          passkeyId: 'p1',
          userVerified,
        });
        mfa.redeemChallenge.mockResolvedValueOnce(redeemed('u1'));
        users.hold.mockResolvedValueOnce(user);
        mfa.hasTotp.mockResolvedValueOnce(true);
        const authentication: Authentication = { amr, aal: 'aal2' };
        givenSessionStarted('u1', authentication);

        await expect(sut.passkeySecondFactor({ id: 'c' }, 't', client)).resolves.toMatchObject({
          refresh_token: 'refresh',
        });
        expect(passkeyAssertions.verify).toHaveBeenCalledWith({ id: 'c' }, client, 'u1');
        expect(mfa.redeemChallenge).toHaveBeenCalledWith(
          't',
          'passkey',
          expect.any(Function),
          client,
        );
        await expect(check()).resolves.toBe(true);
        expect(sessions.start).toHaveBeenCalledWith('u1', client, authentication, tx);
      },
    );

    it('counts a refused assertion against the token and answers passkey-invalid', async () => {
      mfa.pendingUser.mockResolvedValueOnce('u1');
      passkeyAssertions.verify.mockRejectedValueOnce(
        new AppException(Problem.PasskeyInvalid, 'no'),
      );
      mfa.redeemChallenge.mockRejectedValueOnce(new AppException(Problem.MfaCodeInvalid, 'no'));

      await expect(sut.passkeySecondFactor({}, 't', client)).rejects.toMatchObject({
        problem: Problem.PasskeyInvalid,
      });
      await expect(check()).resolves.toBe(false);
      expect(sessions.start).not.toHaveBeenCalled();
    });

    it('binds the request options to the pending user, none without a token', async () => {
      mfa.pendingUser.mockResolvedValueOnce('u1');
      passkeyAssertions.options.mockResolvedValue({ challenge: 'c' });

      await sut.passkeyRequestOptions('t');
      await sut.passkeyRequestOptions(undefined);
      expect(passkeyAssertions.options.mock.calls).toEqual([['u1'], [null]]);
    });
  });

  describe('refresh', () => {
    it('answers a new pair for an active user', async () => {
      const user = aUser();
      sessions.rotate.mockResolvedValueOnce({
        sessionId: 's1',
        userId: user.id,
        refreshToken: 'r2',
        expiresAt: SESSION_END,
        authentication: PASSWORD_LOGIN,
      });
      users.findById.mockResolvedValueOnce(user);
      givenTokensIssued();

      await expect(sut.refresh('r1', client)).resolves.toMatchObject({ refresh_token: 'r2' });
      expect(accessTokens.issue).toHaveBeenCalledWith(user, {
        id: 's1',
        expiresAt: SESSION_END,
        authentication: PASSWORD_LOGIN,
      });
    });

    it.each([
      ['deactivated', aUser({ isActive: false })],
      ['deleted', null],
    ])('revokes the session of a %s user and refuses', async (_, user) => {
      sessions.rotate.mockResolvedValueOnce({
        sessionId: 's1',
        userId: 'u1',
        refreshToken: 'r2',
        expiresAt: SESSION_END,
        authentication: PASSWORD_LOGIN,
      });
      users.findById.mockResolvedValueOnce(user);
      revocation.revokeSession.mockResolvedValueOnce(true);

      await expect(sut.refresh('r1', client)).rejects.toMatchObject({
        problem: Problem.RefreshTokenInvalid,
      });
      expect(revocation.revokeSession).toHaveBeenCalledWith('u1', 's1');
    });
  });

  describe('logout', () => {
    const user = aUser();
    const caller = { user, token: claimsOf(user) };

    it.each([
      ['local', 'revokeCurrent'],
      ['global', 'revokeEverything'],
      ['others', 'revokeOthers'],
    ] as const)('with scope %s ends what %s ends', async (scope, method) => {
      revocation[method].mockResolvedValueOnce(undefined);
      await sut.logout(caller, scope, client);
      expect(revocation[method]).toHaveBeenCalledWith(caller.token, client);
    });
  });

  describe('revokeSession', () => {
    const user = aUser();
    const caller = { user, token: claimsOf(user) };

    it("revokes one of the caller's sessions and records it in the same transaction", async () => {
      revocation.revokeSession.mockResolvedValueOnce(true);
      events.record.mockResolvedValueOnce(undefined);

      await sut.revokeSession(caller, 's2', client);

      expect(revocation.revokeSession).toHaveBeenCalledWith(user.id, 's2', tx);
      expect(events.record).toHaveBeenCalledWith(
        {
          type: SecurityEventType.SessionRevoked,
          userId: user.id,
          actorId: user.id,
          sessionId: caller.token.sid,
          details: { revokedSessionId: 's2' },
        },
        client,
        tx,
      );
    });

    it("answers 404 for a session that is not the caller's, recording nothing", async () => {
      revocation.revokeSession.mockResolvedValueOnce(false);
      await expect(sut.revokeSession(caller, 's9', client)).rejects.toMatchObject({
        problem: Problem.NotFound,
      });
      expect(events.record).not.toHaveBeenCalled();
    });
  });

  describe('introspect', () => {
    it('describes a live token', async () => {
      const user = aUser();
      const claims = claimsOf(user);
      accessTokens.verify.mockReturnValueOnce(claims);
      bearerCheck.authenticate.mockResolvedValueOnce({ user, token: claims });

      await expect(sut.introspect('a.b.c')).resolves.toEqual({
        active: true,
        sub: user.id,
        username: user.username,
        role: user.role,
        sid: claims.sid,
        jti: claims.jti,
        iat: claims.iat,
        exp: claims.exp,
        token_type: 'access_token',
      });
    });

    it('answers inactive, and nothing more, for a refused token', async () => {
      accessTokens.verify.mockImplementationOnce(() => {
        throw new AppException(Problem.TokenExpired, 'The access token has expired.');
      });
      await expect(sut.introspect('a.b.c')).resolves.toEqual({ active: false });
    });

    it('lets an outage through rather than calling a token inactive', async () => {
      const user = aUser();
      accessTokens.verify.mockReturnValueOnce(claimsOf(user));
      bearerCheck.authenticate.mockRejectedValueOnce(new Error('Connection terminated'));
      await expect(sut.introspect('a.b.c')).rejects.toThrow('Connection terminated');
    });
  });

  it('registers the account and sends its verification mail after the answer', async () => {
    const user = aUser({ emailVerified: false });
    users.create.mockResolvedValueOnce(user);
    account.sendVerification.mockReturnValueOnce(undefined);

    const dto = { email: user.email, username: user.username, password: 'a long passphrase' };
    await expect(sut.register(dto, client)).resolves.toMatchObject({ id: user.id });
    expect(users.create).toHaveBeenCalledWith(dto, client);
    expect(account.sendVerification).toHaveBeenCalledWith(user, client);
  });
});
