import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal/principal.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { ConfigService } from '@nestjs/config';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import type { OutgoingMail } from '../mail/mail.js';
import { type MailJob, MailOutbox } from '../mail/mail-outbox.service.js';
import { emailVerificationMail } from '../mail/templates/email-verification.template.js';
import { accountLockedMail } from '../mail/templates/account-locked.template.js';
import { passwordResetMail } from '../mail/templates/password-reset.template.js';
import { LoginLockoutService } from '../lockout/login-lockout.service.js';
import { AddressRateLimiter } from '../rate-limit/address-rate-limiter.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { PasswordService } from '../users/password.service.js';
import { assertPasswordAllowed } from '../common/validation/password.policy.js';
import { UsersRepository } from '../users/users.repository.js';
import { ActionToken, ActionTokenPurpose } from './action-token.entity.js';
import { actionLink, EMAIL_VERIFICATION_TTL_SECONDS } from './action-token.js';
import { ActionTokensService } from './action-tokens.service.js';

/** What the owner of a locked account is told. */
export interface LockoutNotice {
  loginName: string;
  failures: number;
  lockedAt: Date;
  lockedUntil: Date;
}

const invalidToken = () =>
  new AppException(
    Problem.ActionTokenInvalid,
    'The link is invalid, expired or already used. Ask for a new one.',
  );

/** Password reset by mail and email verification. */
@Injectable()
export class AccountService {
  private readonly resetPageUrl: string;
  private readonly verifyPageUrl: string;
  private readonly resetTtlSeconds: number;

  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersRepository,
    private readonly tokens: ActionTokensService,
    private readonly passwords: PasswordService,
    private readonly revocation: RevocationService,
    private readonly outbox: MailOutbox,
    private readonly addressLimiter: AddressRateLimiter,
    private readonly events: SecurityEventsService,
    private readonly lockout: LoginLockoutService,
    config: ConfigService<Environment, true>,
  ) {
    this.resetPageUrl = config.get('RESET_PASSWORD_URL', { infer: true });
    this.verifyPageUrl = config.get('VERIFY_EMAIL_URL', { infer: true });
    this.resetTtlSeconds = config.get('RESET_TOKEN_TTL', { infer: true });
  }

  /**
   * Answers the same way, in the same time, whether or not the address has an account: the
   * look-up, the token and the mail all happen after the answer.
   */
  async requestPasswordReset(email: string, client: ClientInfo): Promise<void> {
    this.outbox.assertRoom();
    await this.addressLimiter.hit(email);
    const address = email.toLowerCase();
    this.outbox.post({
      kind: 'password-reset',
      requestId: client.requestId,
      lane: address,
      compose: async () => {
        const user = await this.users.findByEmail(address);
        if (!user?.isActive) return null;
        return this.passwordResetMail(user, client);
      },
    });
  }

  /**
   * Sets a new password from a mailed token and ends every session of the user, in one
   * transaction with spending the token and voiding the user's other reset links; of links
   * used at once, one wins. Following the link also proves the address.
   */
  async resetPassword(presented: string, newPassword: string, client: ClientInfo) {
    const { token, user } = await this.usableToken(presented, ActionTokenPurpose.PasswordReset);
    if (!user.isActive) throw invalidToken();
    assertPasswordAllowed(newPassword, user, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    await this.transactions.run(async (tx) => {
      // The user's lock first, as issuing and password changes take it: no deadlock, one order.
      await this.users.lock(user.id, tx);
      if (!(await this.tokens.spend(tx, token))) throw invalidToken();
      await this.tokens.voidResetTokens(user.id, tx);
      await this.users.update(user.id, { passwordHash, emailVerified: true }, tx);
      await this.revocation.revokeAllSessions(user.id, undefined, tx);
      await this.lockout.unlock([user.email, user.username], tx);
      await this.events.record(
        {
          type: SecurityEventType.PasswordReset,
          userId: user.id,
          actorId: user.id,
          sessionId: null,
        },
        client,
        tx,
      );
    });
  }

  async verifyEmail(presented: string, client: ClientInfo): Promise<void> {
    const { token, user } = await this.usableToken(presented, ActionTokenPurpose.EmailVerify);
    await this.transactions.run(async (tx) => {
      if (!(await this.tokens.spend(tx, token))) throw invalidToken();
      await this.users.update(user.id, { emailVerified: true }, tx);
      await this.events.record(
        {
          type: SecurityEventType.EmailVerified,
          userId: user.id,
          actorId: user.id,
          sessionId: null,
        },
        client,
        tx,
      );
    });
  }

  /** Voids the user's reset links inside a password change (which holds the user's lock). */
  voidResetLinks(userId: string, tx: Transaction): Promise<void> {
    return this.tokens.voidResetTokens(userId, tx);
  }

  /**
   * The verification mail of a new account, sent after the answer. The account exists by now:
   * with the mail queue full, the mail is dropped (counted and logged) rather than the
   * registration refused; the user can ask for another.
   */
  sendVerification(user: Principal, client: ClientInfo): void {
    this.outbox.postOrDrop(this.verificationJob(user, client));
  }

  /** Another verification mail for the caller; none when the address is verified already. */
  async resendVerification(user: Principal, client: ClientInfo): Promise<void> {
    this.outbox.assertRoom();
    await this.addressLimiter.hit(user.email);
    if (user.emailVerified) return;
    this.outbox.post(this.verificationJob(user, client));
  }

  /**
   * Tells the owner of an account that a lockout began on one of its names, with a reset link
   * (a reset unlocks). After the answer, as any mail; none for a deactivated account.
   */
  sendLockoutNotice(user: Principal, lockout: LockoutNotice, client: ClientInfo): void {
    if (!user.isActive) return;
    this.outbox.postOrDrop({
      kind: 'account-locked',
      requestId: client.requestId,
      lane: user.email,
      compose: async () => {
        const token = await this.tokens.issue(user.id, ActionTokenPurpose.PasswordReset);
        if (!token) return null;
        return {
          to: user.email,
          ...accountLockedMail({
            username: user.username,
            loginName: lockout.loginName,
            failures: lockout.failures,
            lockedAt: lockout.lockedAt,
            lockedUntil: lockout.lockedUntil,
            resetLink: actionLink(this.resetPageUrl, token),
            resetValidMinutes: Math.round(this.resetTtlSeconds / 60),
          }),
        };
      },
    });
  }

  private verificationJob(user: Principal, client: ClientInfo): MailJob {
    return {
      kind: 'email-verification',
      requestId: client.requestId,
      lane: user.email,
      compose: () => this.verificationMail(user),
    };
  }

  private async usableToken(presented: string, purpose: ActionTokenPurpose) {
    const token: ActionToken | null = await this.tokens.find(presented, purpose);
    const user = token && (await this.users.findById(token.userId));
    if (!token || !user) throw invalidToken();
    return { token, user };
  }

  private async passwordResetMail(
    user: Principal,
    client: ClientInfo,
  ): Promise<OutgoingMail | null> {
    const requested = {
      type: SecurityEventType.PasswordResetRequested,
      userId: user.id,
      actorId: null,
      sessionId: null,
    };
    const token = await this.tokens.issue(user.id, ActionTokenPurpose.PasswordReset, (tx) =>
      this.events.record(requested, client, tx),
    );
    if (!token) return null;
    return {
      to: user.email,
      ...passwordResetMail({
        username: user.username,
        link: actionLink(this.resetPageUrl, token),
        validMinutes: Math.round(this.resetTtlSeconds / 60),
      }),
    };
  }

  private async verificationMail(user: Principal): Promise<OutgoingMail | null> {
    const token = await this.tokens.issue(user.id, ActionTokenPurpose.EmailVerify);
    if (!token) return null;
    return {
      to: user.email,
      ...emailVerificationMail({
        username: user.username,
        link: actionLink(this.verifyPageUrl, token),
        validHours: EMAIL_VERIFICATION_TTL_SECONDS / 3600,
      }),
    };
  }
}
