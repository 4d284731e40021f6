import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { Secret, TOTP } from 'otpauth';
import { automock } from '../../test/support/strict-mock.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { Problem } from '../common/errors/problem.js';
import { type AuthenticatedUser, Role } from '../common/principal/principal.js';
import type { Environment } from '../config/environment.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { passwordFingerprint } from '../users/password-fingerprint.js';
import { User } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { hashRecoveryCode, mfaKeys } from './mfa-keys.js';
import { MfaChallenge } from './mfa-challenge.entity.js';
import { MfaRepository } from './mfa.repository.js';
import { CHALLENGE_MAX_FAILURES, MfaService } from './mfa.service.js';
import { seal } from './secret-box.js';
import { SecondFactors } from './second-factors.js';
import { TotpFactor } from './totp-factor.entity.js';
import { totpStep } from './totp.js';

const USER_ID = '0b7c3f9e-3a51-4c8e-9a43-5d2f6b1e7c90';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** The stored password hash the login's password matched. */
const PASSWORD_HASH = '$2b$04$the.hash.the.login.matched';
const client = { userAgent: 'jest', ip: '127.0.0.1', requestId: 'request-1' };
const keys = mfaKeys({ JWT_ALGORITHM: 'HS256', JWT_SECRET: 'x'.repeat(40) });
const codeNow = () =>
  TOTP.generate({ secret: Secret.fromBase32(SECRET), algorithm: 'SHA1', digits: 6, period: 30 });

const caller = {
  user: { id: USER_ID, email: 'ada@example.com', username: 'ada_l', role: Role.User },
  token: { sid: 'session-1', sub: USER_ID },
} as unknown as AuthenticatedUser;

const enabledFactor = () => ({
  userId: USER_ID,
  secretCiphertext: seal(keys.sealing, SECRET, USER_ID),
  enabledAt: new Date(),
  lastUsedStep: null,
  createdAt: new Date(),
});

const challenge = (failedAttempts = 0): MfaChallenge => ({
  id: 'challenge-1',
  tokenHash: 'h',
  userId: USER_ID,
  failedAttempts,
  expiresAt: new Date(Date.now() + 60_000),
  usedAt: null,
  passwordFingerprint: passwordFingerprint(PASSWORD_HASH),
});

describe(MfaService.name, () => {
  let repository: jest.Mocked<MfaRepository>;
  let users: jest.Mocked<UsersRepository>;
  let revocation: jest.Mocked<RevocationService>;
  let events: jest.Mocked<SecurityEventsService>;
  let secondFactors: SecondFactors;
  let sut: MfaService;
  const tx = { transaction: 'the one' } as unknown as Transaction;

  beforeEach(() => {
    repository = automock(MfaRepository);
    users = automock(UsersRepository);
    // The password is still the one the challenge's login proved, unless a test says not.
    users.findWithPasswordHash.mockResolvedValue(
      Object.assign(new User(), { id: USER_ID, passwordHash: PASSWORD_HASH }),
    );
    revocation = automock(RevocationService);
    events = automock(SecurityEventsService);
    events.record.mockResolvedValue(undefined);
    secondFactors = new SecondFactors();
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    sut = new MfaService(
      repository,
      users,
      automock(UsersService),
      revocation,
      events,
      transactions,
      secondFactors,
      keys,
      new ConfigService<Environment, true>({ MFA_ISSUER: 'auth-service' }),
    );
  });

  describe('challengeFor', () => {
    it('owes no second step without an enabled TOTP factor', async () => {
      repository.findTotp.mockResolvedValueOnce({ ...enabledFactor(), enabledAt: null });
      await expect(sut.challengeFor(USER_ID, PASSWORD_HASH)).resolves.toBeNull();
    });

    it('stores only the hash of the mfaToken, and lists the registered methods the user has', async () => {
      repository.findTotp.mockResolvedValueOnce(enabledFactor());
      repository.insertChallenge.mockResolvedValueOnce(undefined);
      secondFactors.register({
        name: 'passkey',
        count: () => Promise.resolve(1),
        removeAll: () => Promise.resolve(),
      });

      const issued = await sut.challengeFor(USER_ID, PASSWORD_HASH);

      expect(issued?.methods).toEqual(['totp', 'recovery_code', 'passkey']);
      const [stored] = repository.insertChallenge.mock.calls[0];
      expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.tokenHash).not.toContain(issued!.mfaToken);
      expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(290_000);
      expect(stored.passwordFingerprint).toBe(passwordFingerprint(PASSWORD_HASH));
      expect(stored.passwordFingerprint).not.toContain(PASSWORD_HASH);
    });
  });

  describe('answerChallenge', () => {
    it('spends the token for a right code, recording its step as used', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(challenge());
      repository.findTotp.mockResolvedValueOnce(enabledFactor());
      repository.useStep.mockResolvedValueOnce(true);
      repository.spendChallenge.mockResolvedValueOnce(undefined);

      await expect(sut.answerChallenge('t', { code: codeNow() }, client)).resolves.toEqual({
        userId: USER_ID,
        passwordFingerprint: passwordFingerprint(PASSWORD_HASH),
      });
      const [, step] = repository.useStep.mock.calls[0];
      expect(Math.abs(step - totpStep(Date.now()))).toBeLessThanOrEqual(1);
      expect(repository.spendChallenge).toHaveBeenCalledWith('challenge-1', expect.any(Date), tx);
      expect(users.findWithPasswordHash).toHaveBeenCalledWith({ id: USER_ID }, tx);
    });

    it.each([
      [
        'the password was reset or changed since',
        'the reset’s hash',
        passwordFingerprint(PASSWORD_HASH),
      ],
      ['the challenge names no password (issued before the column)', PASSWORD_HASH, null],
    ])('answers mfa-token-invalid and spends no code when %s', async (_, stored, fingerprint) => {
      repository.lockLiveChallenge.mockResolvedValueOnce({
        ...challenge(),
        passwordFingerprint: fingerprint,
      });
      users.findWithPasswordHash.mockResolvedValueOnce(
        Object.assign(new User(), { id: USER_ID, passwordHash: stored }),
      );

      await expect(
        sut.answerChallenge('t', { recoveryCode: 'K7QD-3MZX-9HPA' }, client),
      ).rejects.toMatchObject({ problem: Problem.MfaTokenInvalid });
      expect(repository.spendChallenge).not.toHaveBeenCalled();
      expect(repository.countFailure).not.toHaveBeenCalled();
    });

    it('refuses a code whose step was already used (another instance took it)', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(challenge());
      repository.findTotp.mockResolvedValueOnce(enabledFactor());
      repository.useStep.mockResolvedValueOnce(false);
      repository.countFailure.mockResolvedValueOnce(undefined);

      await expect(sut.answerChallenge('t', { code: codeNow() }, client)).rejects.toMatchObject({
        problem: Problem.MfaCodeInvalid,
      });
    });

    it('counts a wrong code against the token and records it, without the code', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(challenge(CHALLENGE_MAX_FAILURES - 1));
      repository.findTotp.mockResolvedValueOnce(enabledFactor());
      repository.countFailure.mockResolvedValueOnce(undefined);

      await expect(sut.answerChallenge('t', { code: '000000' }, client)).rejects.toMatchObject({
        problem: Problem.MfaCodeInvalid,
      });
      expect(repository.countFailure).toHaveBeenCalledWith('challenge-1', tx);
      expect(events.record).toHaveBeenCalledWith(
        {
          type: SecurityEventType.MfaChallengeFailed,
          userId: USER_ID,
          actorId: null,
          sessionId: null,
          details: { method: 'totp', attemptsLeft: 0 },
        },
        client,
        tx,
      );
    });

    it('takes a secret sealed under another key for a wrong code, not an error', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(challenge());
      repository.findTotp.mockResolvedValueOnce({
        ...enabledFactor(),
        secretCiphertext: seal(Buffer.alloc(32, 7), SECRET, USER_ID),
      });
      repository.countFailure.mockResolvedValueOnce(undefined);

      await expect(sut.answerChallenge('t', { code: codeNow() }, client)).rejects.toMatchObject({
        problem: Problem.MfaCodeInvalid,
      });
    });

    it('answers mfa-token-invalid for an unknown, used, expired or voided token', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(null);
      await expect(sut.answerChallenge('t', { code: '000000' }, client)).rejects.toMatchObject({
        problem: Problem.MfaTokenInvalid,
      });
      expect(repository.lockLiveChallenge).toHaveBeenCalledWith(
        expect.stringMatching(/^[0-9a-f]{64}$/),
        expect.any(Date),
        CHALLENGE_MAX_FAILURES,
        tx,
      );
    });

    it('spends a recovery code by its keyed hash, whatever its case and dashes', async () => {
      repository.lockLiveChallenge.mockResolvedValueOnce(challenge());
      repository.useRecoveryCode.mockResolvedValueOnce(true);
      repository.countRecoveryCodesLeft.mockResolvedValueOnce(9);
      repository.spendChallenge.mockResolvedValueOnce(undefined);

      await sut.answerChallenge('t', { recoveryCode: 'K7QD-3MZX-9HPA' }, client);

      expect(repository.useRecoveryCode).toHaveBeenCalledWith(
        USER_ID,
        hashRecoveryCode(keys, 'k7qd3mzx9hpa'),
        expect.any(Date),
        tx,
      );
      expect(events.record).toHaveBeenCalledWith(
        expect.objectContaining({
          type: SecurityEventType.MfaRecoveryCodeUsed,
          details: { recoveryCodesLeft: 9 },
        }),
        client,
        tx,
      );
    });
  });

  describe('confirmTotp', () => {
    it('turns the factor on, revokes every session and answers ten recovery codes', async () => {
      repository.lockTotp.mockResolvedValueOnce({ ...enabledFactor(), enabledAt: null });
      repository.enableTotp.mockResolvedValueOnce(true);
      repository.replaceRecoveryCodes.mockResolvedValueOnce(undefined);
      repository.deleteChallenges.mockResolvedValueOnce(undefined);
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      const codes = await sut.confirmTotp(caller, codeNow(), client, tx);

      expect(codes).toHaveLength(10);
      const [, hashes] = repository.replaceRecoveryCodes.mock.calls[0];
      expect(hashes).toEqual(codes.map((code) => hashRecoveryCode(keys, code.replace(/-/g, ''))));
      expect(revocation.revokeAllSessions).toHaveBeenCalledWith(USER_ID, undefined, tx);
      expect(events.record).toHaveBeenCalledWith(
        expect.objectContaining({
          type: SecurityEventType.MfaEnabled,
          details: { method: 'totp' },
        }),
        client,
        tx,
      );
    });

    it('refuses a wrong first code and a factor already on', async () => {
      repository.lockTotp.mockResolvedValueOnce({ ...enabledFactor(), enabledAt: null });
      await expect(sut.confirmTotp(caller, '000000', client, tx)).rejects.toMatchObject({
        problem: Problem.MfaCodeInvalid,
      });
      repository.lockTotp.mockResolvedValueOnce(enabledFactor());
      await expect(sut.confirmTotp(caller, codeNow(), client, tx)).rejects.toMatchObject({
        problem: Problem.Conflict,
      });
    });
  });

  describe('hasTotp', () => {
    it.each([
      ['on', { enabledAt: new Date() }, true],
      ['pending its first code', { enabledAt: null }, false],
      ['absent', null, false],
    ])('answers whether TOTP is on: %s', async (_, factor, on) => {
      repository.findTotp.mockResolvedValueOnce(factor && Object.assign(new TotpFactor(), factor));
      await expect(sut.hasTotp(USER_ID, tx)).resolves.toBe(on);
      expect(repository.findTotp).toHaveBeenCalledWith(USER_ID, tx);
    });
  });

  describe('resetByAdmin', () => {
    it('removes every factor and session in one transaction, locking the user first', async () => {
      users.lock.mockResolvedValueOnce(true);
      repository.deleteTotp.mockResolvedValueOnce(true);
      repository.deleteRecoveryCodes.mockResolvedValueOnce(undefined);
      repository.deleteChallenges.mockResolvedValueOnce(undefined);
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      await sut.resetByAdmin(caller, USER_ID, client);

      expect(users.lock).toHaveBeenCalledWith(USER_ID, tx);
      expect(users.lock.mock.invocationCallOrder[0]).toBeLessThan(
        repository.deleteTotp.mock.invocationCallOrder[0],
      );
      expect(repository.deleteChallenges).toHaveBeenCalledWith(USER_ID, tx);
      expect(revocation.revokeAllSessions).toHaveBeenCalledWith(USER_ID, undefined, tx);
    });

    it('answers 404 for an unknown user and removes nothing', async () => {
      users.lock.mockResolvedValueOnce(false);

      await expect(sut.resetByAdmin(caller, USER_ID, client)).rejects.toMatchObject({
        problem: Problem.NotFound,
      });
      expect(repository.deleteTotp).not.toHaveBeenCalled();
    });
  });
});
