import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { sha256 } from '../common/crypto/sha256.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import type { AuthenticatedUser, Principal } from '../common/principal/principal.js';
import type { Environment } from '../config/environment.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { madeBy, SecurityEventsService } from '../security-events/security-events.service.js';
import type { EventDetails } from '../security-events/security-event.entity.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { passwordFingerprint } from '../users/password-fingerprint.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { hashRecoveryCode, MFA_KEYS, type MfaKeys } from './mfa-keys.js';
import { MfaRepository } from './mfa.repository.js';
import { open, seal } from './secret-box.js';
import { SecondFactors } from './second-factors.js';
import {
  generateRecoveryCode,
  generateTotpSecret,
  looksLikeTotpCode,
  matchTotpCode,
  normalizeRecoveryCode,
  totpUri,
} from './totp.js';

export const RECOVERY_CODE_COUNT = 10;
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes that void an `mfaToken`. */
export const CHALLENGE_MAX_FAILURES = 5;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** The methods of `mfa-required` that MFA itself verifies (`POST /mfa/challenge`). */
export const TOTP_METHODS = ['totp', 'recovery_code'] as const;

export interface MfaStatus {
  totp: { enabled: boolean; createdAt: Date | null };
  recoveryCodesLeft: number;
  passkeys: number;
}

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  qrCode: string;
}

/** The second step a login owes: the opaque `mfaToken` and what may answer it. */
export interface MfaChallengeIssued {
  mfaToken: string;
  methods: string[];
}

/** What answers a challenge: a TOTP code or a recovery code. */
export type ChallengeProof = { code: string } | { recoveryCode: string };

/** A verifier of one proof, inside the challenge's transaction: true when it holds. */
export type ProofCheck = (userId: string, tx: Transaction) => Promise<boolean>;

/** A challenge redeemed: whose login it was, and which password that login proved. */
export interface RedeemedChallenge {
  userId: string;
  passwordFingerprint: string;
}

const codeInvalid = () =>
  new AppException(Problem.MfaCodeInvalid, 'The code is wrong, malformed or already used.');
const tokenInvalid = () =>
  new AppException(
    Problem.MfaTokenInvalid,
    'The mfaToken is unknown, expired, used, or void (wrong codes, a new password): log in again.',
  );

const event = (
  type: SecurityEventType,
  userId: string,
  actor: { actorId: string | null; sessionId: string | null },
  details?: EventDetails,
) => ({ type, userId, ...actor, ...(details && { details }) });

/**
 * TOTP factors, recovery codes and the second step of a login. Nothing here issues tokens: the
 * auth feature starts the session once a factor has been proven.
 */
@Injectable()
export class MfaService {
  private readonly logger = new Logger(MfaService.name);
  private readonly issuer: string;

  constructor(
    private readonly mfa: MfaRepository,
    private readonly users: UsersRepository,
    private readonly accounts: UsersService,
    private readonly revocation: RevocationService,
    private readonly events: SecurityEventsService,
    private readonly transactions: Transactions,
    private readonly secondFactors: SecondFactors,
    @Inject(MFA_KEYS) private readonly keys: MfaKeys,
    config: ConfigService<Environment, true>,
  ) {
    this.issuer = config.get('MFA_ISSUER', { infer: true });
  }

  async status(userId: string): Promise<MfaStatus> {
    const [factor, recoveryCodesLeft, passkeys] = await Promise.all([
      this.mfa.findTotp(userId),
      this.mfa.countRecoveryCodesLeft(userId),
      this.secondFactors.count('passkey', userId),
    ]);
    const enabledAt = factor?.enabledAt ?? null;
    return { totp: { enabled: !!enabledAt, createdAt: enabledAt }, recoveryCodesLeft, passkeys };
  }

  /** A new pending secret (replacing a pending one); 409 when TOTP is already on. */
  async startTotpEnrolment(user: Principal, password: string): Promise<TotpEnrolment> {
    // Nothing to hold it to: the pending secret is inert until confirmed over a live session.
    await this.accounts.confirmPassword(user.id, password, 'password');
    const secret = generateTotpSecret();
    const saved = await this.mfa.savePending(
      user.id,
      seal(this.keys.sealing, secret, user.id),
      new Date(),
    );
    if (!saved) throw AppException.conflict('totp', 'TOTP is already on: turn it off first.');
    const otpauthUri = totpUri(secret, this.issuer, user.email);
    const qrCode = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M' });
    return { secret, otpauthUri, qrCode };
  }

  /**
   * Turns the pending factor on with its first code, in the caller's transaction (which also
   * starts the caller's new session): every session of the user is revoked, and a fresh set of
   * recovery codes is returned, the one time they are ever shown.
   */
  async confirmTotp(
    caller: AuthenticatedUser,
    code: string,
    client: ClientInfo,
    tx: Transaction,
  ): Promise<string[]> {
    const userId = caller.user.id;
    const factor = await this.mfa.lockTotp(userId, tx);
    if (factor?.enabledAt) throw AppException.conflict('totp', 'TOTP is already on.');
    if (!factor) throw AppException.notFound('Pending TOTP enrolment');
    const now = new Date();
    const secret = this.secretOf(factor);
    const step = secret && matchTotpCode(secret, code, now.getTime());
    if (typeof step !== 'number' || !(await this.mfa.enableTotp(userId, step, now, tx))) {
      throw codeInvalid();
    }
    const recoveryCodes = await this.newRecoveryCodes(userId, tx);
    await this.mfa.deleteChallenges(userId, tx);
    await this.revocation.revokeAllSessions(userId, undefined, tx);
    await this.events.record(
      event(SecurityEventType.MfaEnabled, userId, madeBy(caller), { method: 'totp' }),
      client,
      tx,
    );
    return recoveryCodes;
  }

  /** Turns TOTP off (password and a TOTP or recovery code); every other session is revoked. */
  async disableTotp(
    caller: AuthenticatedUser,
    proof: { password: string; code: string },
    client: ClientInfo,
  ): Promise<void> {
    const userId = caller.user.id;
    const stillCurrent = await this.accounts.confirmPassword(userId, proof.password, 'password');
    await this.transactions.run(async (tx) => {
      // The user's row first, then the factor: the order a TOTP confirmation takes them in;
      // the login challenges before the factor, as a second step locks its challenge and then
      // the factor (gone with the rest if the code is wrong: the transaction rolls back).
      await stillCurrent(tx);
      await this.mfa.deleteChallenges(userId, tx);
      const factor = await this.mfa.lockTotp(userId, tx);
      if (!factor?.enabledAt) throw AppException.notFound('TOTP factor');
      const verified = looksLikeTotpCode(proof.code)
        ? await this.checkTotp(userId, proof.code, tx)
        : await this.checkRecoveryCode(userId, proof.code, tx, client);
      if (!verified) throw codeInvalid();
      await this.mfa.deleteTotp(userId, tx);
      await this.mfa.deleteRecoveryCodes(userId, tx);
      await this.revocation.revokeAllSessions(userId, caller.token.sid, tx);
      await this.events.record(
        event(SecurityEventType.MfaDisabled, userId, madeBy(caller), { method: 'totp' }),
        client,
        tx,
      );
    });
  }

  /** A new set of recovery codes for a current TOTP code; the old set stops working. */
  async regenerateRecoveryCodes(
    caller: AuthenticatedUser,
    code: string,
    client: ClientInfo,
  ): Promise<string[]> {
    const userId = caller.user.id;
    return this.transactions.run(async (tx) => {
      const factor = await this.mfa.lockTotp(userId, tx);
      if (!factor?.enabledAt) throw AppException.notFound('TOTP factor');
      if (!(await this.checkTotp(userId, code, tx, factor.secretCiphertext))) throw codeInvalid();
      const recoveryCodes = await this.newRecoveryCodes(userId, tx);
      await this.events.record(
        event(SecurityEventType.MfaRecoveryCodesRegenerated, userId, madeBy(caller)),
        client,
        tx,
      );
      return recoveryCodes;
    });
  }

  /**
   * An admin removes every factor of a user (a lost phone); the user's sessions are revoked.
   * The user's row is locked first, as a login holds it while its session starts: a login that
   * holds it first commits its session before the revocation below, which then ends it; one
   * that comes after finds no factor left (`hasTotp`) and starts none.
   */
  async resetByAdmin(admin: AuthenticatedUser, userId: string, client: ClientInfo) {
    await this.transactions.run(async (tx) => {
      if (!(await this.users.lock(userId, tx))) throw AppException.notFound('User');
      // The challenges before the factor and the codes: the order a second step locks them in.
      await this.mfa.deleteChallenges(userId, tx);
      const hadTotp = await this.mfa.deleteTotp(userId, tx);
      await this.mfa.deleteRecoveryCodes(userId, tx);
      await this.secondFactors.removeAll(userId, tx);
      await this.revocation.revokeAllSessions(userId, undefined, tx);
      await this.events.record(
        event(SecurityEventType.MfaResetByAdmin, userId, madeBy(admin), { hadTotp }),
        client,
        tx,
      );
    });
  }

  /** Whether the user has TOTP on (as `tx` sees it): what a second-factor login rests on. */
  async hasTotp(userId: string, tx?: Transaction): Promise<boolean> {
    return Boolean((await this.mfa.findTotp(userId, tx))?.enabledAt);
  }

  /**
   * After the right password (matching `passwordHash`): the second step the login owes, or null
   * when the user has no second factor. Only TOTP makes one due; other methods (a passkey) are
   * offered beside it. The challenge dies with that password (a reset or change voids it).
   */
  async challengeFor(userId: string, passwordHash: string): Promise<MfaChallengeIssued | null> {
    if (!(await this.hasTotp(userId))) return null;
    const mfaToken = randomBytes(32).toString('base64url');
    await this.mfa.insertChallenge({
      tokenHash: sha256(mfaToken),
      userId,
      expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
      passwordFingerprint: passwordFingerprint(passwordHash),
    });
    const extra = await this.secondFactors.availableFor(userId);
    return { mfaToken, methods: [...TOTP_METHODS, ...extra] };
  }

  /** `POST /mfa/challenge`: a TOTP or recovery code answers the login's `mfaToken`. */
  answerChallenge(
    mfaToken: string,
    proof: ChallengeProof,
    client: ClientInfo,
  ): Promise<RedeemedChallenge> {
    const method = 'code' in proof ? 'totp' : 'recovery_code';
    const check: ProofCheck =
      'code' in proof
        ? (userId, tx) => this.checkTotp(userId, proof.code, tx)
        : (userId, tx) => this.checkRecoveryCode(userId, proof.recoveryCode, tx, client);
    return this.redeemChallenge(mfaToken, method, check, client);
  }

  /**
   * Whose login a live `mfaToken` is the second step of, without spending it: a method with its
   * own route (a passkey) binds its options and its check to that user. `mfa-token-invalid`
   * when the token is unknown, expired, used or voided.
   */
  async pendingUser(mfaToken: string): Promise<string> {
    const userId = await this.mfa.findLiveChallengeUser(
      sha256(mfaToken),
      new Date(),
      CHALLENGE_MAX_FAILURES,
    );
    if (!userId) throw tokenInvalid();
    return userId;
  }

  /**
   * Redeems a live `mfaToken` when `check` holds: the token is spent, and whose login it was
   * returned, for the caller to start the session (while the password is still the one the
   * login proved). A failed check counts against the token (the fifth voids it) and answers
   * `mfa-code-invalid`. Attempts on one token run one at a time (its row is locked), so two
   * right codes at once cannot both log in. A token whose password has since been reset or
   * changed is invalid before any check, so that no recovery code is spent on it. Other
   * second-factor methods (passkeys) call this with their own verification.
   */
  async redeemChallenge(
    mfaToken: string,
    method: string,
    check: ProofCheck,
    client: ClientInfo,
  ): Promise<RedeemedChallenge> {
    // A wrong code is answered after the commit, so that its count and event are kept.
    const outcome = await this.transactions.run<RedeemedChallenge | AppException>(async (tx) => {
      const challenge = await this.mfa.lockLiveChallenge(
        sha256(mfaToken),
        new Date(),
        CHALLENGE_MAX_FAILURES,
        tx,
      );
      const fingerprint = challenge?.passwordFingerprint;
      if (!challenge || !fingerprint) return tokenInvalid();
      const { userId } = challenge;
      // In the transaction's own connection: a second one while holding it could starve a pool.
      const user = await this.users.findWithPasswordHash({ id: userId }, tx);
      if (!user || passwordFingerprint(user.passwordHash) !== fingerprint) return tokenInvalid();
      if (await check(userId, tx)) {
        await this.mfa.spendChallenge(challenge.id, new Date(), tx);
        return { userId, passwordFingerprint: fingerprint };
      }
      await this.mfa.countFailure(challenge.id, tx);
      const attemptsLeft = CHALLENGE_MAX_FAILURES - challenge.failedAttempts - 1;
      await this.events.record(
        event(
          SecurityEventType.MfaChallengeFailed,
          userId,
          { actorId: null, sessionId: null },
          { method, attemptsLeft },
        ),
        client,
        tx,
      );
      return codeInvalid();
    });
    if (outcome instanceof AppException) throw outcome;
    return outcome;
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      await this.mfa.pruneChallenges(new Date());
    } catch (error) {
      this.logger.warn(`Pruning MFA challenges failed: ${(error as Error).message}`);
    }
  }

  /** A TOTP code of the user's enabled factor, accepted once (its step is recorded as used). */
  private async checkTotp(
    userId: string,
    code: string,
    tx: Transaction,
    sealed?: string,
  ): Promise<boolean> {
    const ciphertext = sealed ?? (await this.mfa.findTotp(userId, tx))?.secretCiphertext;
    const secret = ciphertext && this.secretOf({ userId, secretCiphertext: ciphertext });
    if (!secret) return false;
    const step = matchTotpCode(secret, code, Date.now());
    return step !== null && (await this.mfa.useStep(userId, step, tx));
  }

  private async checkRecoveryCode(
    userId: string,
    code: string,
    tx: Transaction,
    client: ClientInfo,
  ): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized.length === 0 || normalized.length > 64) return false;
    const hash = hashRecoveryCode(this.keys, normalized);
    if (!(await this.mfa.useRecoveryCode(userId, hash, new Date(), tx))) return false;
    const left = await this.mfa.countRecoveryCodesLeft(userId, tx);
    await this.events.record(
      event(
        SecurityEventType.MfaRecoveryCodeUsed,
        userId,
        { actorId: userId, sessionId: null },
        { recoveryCodesLeft: left },
      ),
      client,
      tx,
    );
    return true;
  }

  private async newRecoveryCodes(userId: string, tx: Transaction): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    const hashes = codes.map((code) => hashRecoveryCode(this.keys, normalizeRecoveryCode(code)));
    await this.mfa.replaceRecoveryCodes(userId, hashes, tx);
    return codes;
  }

  /**
   * The factor's secret; null when it does not open (MFA_ENCRYPTION_KEY, or the signing key it
   * is derived from, changed since enrolment): then no code matches, and an admin reset helps.
   */
  private secretOf(factor: { userId: string; secretCiphertext: string }): string | null {
    try {
      return open(this.keys.sealing, factor.secretCiphertext, factor.userId);
    } catch {
      this.logger.error(
        `The TOTP secret of user ${factor.userId} does not open: was MFA_ENCRYPTION_KEY (or the signing key) changed?`,
      );
      return null;
    }
  }
}
