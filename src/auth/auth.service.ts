import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccountService } from '../account/account.service.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { LoginLockoutService } from '../lockout/login-lockout.service.js';
import { madeBy, SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { passwordFingerprint } from '../users/password-fingerprint.js';
import { PasswordService } from '../users/password.service.js';
import { UserDto } from '../users/user.dto.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AccessTokenService } from './access-token.service.js';
import {
  type AccessTokenClaims,
  type Authentication,
  type AuthenticatedUser,
  PASSWORD_AND_OTP_LOGIN,
  PASSWORD_LOGIN,
  type Principal,
} from '../common/principal/principal.js';
import { type ChallengeProof, MfaService, type RedeemedChallenge } from '../mfa/mfa.service.js';
import type { MfaChallengeDto, MfaEnabledDto } from './dto/mfa.dto.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { IntrospectionDto } from './dto/introspect.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { LogoutScope } from './dto/logout-query.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { SessionDto } from './dto/session.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { accessTokenRevoked, BearerCheckService } from '../bearer/bearer-check.service.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { ClientInfo } from '../common/principal/client-info.js';
import { hashRefreshToken } from './refresh-token.js';
import { SessionGrant, SessionsService } from './sessions.service.js';
import {
  PasskeyAssertionsService,
  type VerifiedAssertion,
} from '../passkeys/passkey-assertions.service.js';

const invalidCredentials = () =>
  new AppException(Problem.InvalidCredentials, 'The login name or password is wrong.');

/** Names the identifier tried and why it failed; never the password. */
const loginFailed = (dto: LoginDto, user: User | null, matches: boolean, locked = false) => ({
  type: SecurityEventType.LoginFailed,
  userId: user?.id ?? null,
  actorId: null,
  sessionId: null,
  details: {
    identifier: (dto.email ?? dto.username ?? '').slice(0, 254),
    reason: locked
      ? 'locked_out'
      : !user
        ? 'unknown_user'
        : !matches
          ? 'wrong_password'
          : 'inactive',
  },
});

/** A JWT is three base64url parts; refresh tokens are one. */
const isJwtShaped = (token: string) => token.split('.').length === 3;

/** Who revoked is unknown (the token is the credential), so no actor. */
const tokenRevoked = (
  session: { sessionId: string; userId: string },
  revoked: 'access_token' | 'refresh_token',
) => ({
  type: SecurityEventType.TokenRevoked,
  userId: session.userId,
  actorId: null,
  sessionId: session.sessionId,
  details: { revoked },
});

const sessionRevoked = (caller: AuthenticatedUser, sessionId: string) => ({
  type: SecurityEventType.SessionRevoked,
  userId: caller.user.id,
  ...madeBy(caller),
  details: { revokedSessionId: sessionId },
});

/** RFC 8176: `hwk` a key held in hardware, `user` the user verified to it. */
const passkeyLogin = ({ userVerified }: VerifiedAssertion): Authentication =>
  userVerified ? { amr: ['hwk', 'user'], aal: 'aal2' } : { amr: ['hwk'], aal: 'aal1' };

@Injectable()
export class AuthService {
  private readonly requireVerifiedEmail: boolean;

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly accessTokens: AccessTokenService,
    private readonly sessions: SessionsService,
    private readonly revocation: RevocationService,
    private readonly account: AccountService,
    private readonly events: SecurityEventsService,
    private readonly lockout: LoginLockoutService,
    private readonly bearerCheck: BearerCheckService,
    private readonly passkeyAssertions: PasskeyAssertionsService,
    private readonly transactions: Transactions,
    private readonly mfa: MfaService,
    config: ConfigService<Environment, true>,
  ) {
    this.requireVerifiedEmail = config.get('REQUIRE_VERIFIED_EMAIL', { infer: true });
  }

  /** Creates the account; its verification mail goes out after the answer. */
  async register(dto: RegisterDto, client: ClientInfo): Promise<UserDto> {
    const user = await this.users.create(dto, client);
    this.account.sendVerification(user, client);
    return UserDto.from(user);
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<TokenResponseDto> {
    if ((dto.email === undefined) === (dto.username === undefined)) {
      throw AppException.validation('email', 'Give exactly one of email and username.');
    }
    const user = await this.users.findWithPasswordHash(dto);
    const attempt = await this.lockout.read(
      (dto.email ?? dto.username ?? '').toLowerCase(),
      user ? [user.email, user.username] : [],
    );
    // Checked whether or not the name is locked: a locked name answers in the time a wrong
    // password takes, and the right password does not get through it either.
    const matches = await this.passwords.verify(dto.password, user?.passwordHash);
    if (attempt.lockedUntil) {
      try {
        this.lockout.assertNotLocked(attempt);
      } catch (error) {
        this.events.recordDetached(loginFailed(dto, user, matches, true), client);
        throw error;
      }
    }
    if (!user || !matches || !user.isActive) {
      this.events.recordDetached(loginFailed(dto, user, matches), client);
      const begun = await this.lockout.recordFailure(attempt, user?.id ?? null, client);
      if (begun?.first && user) {
        this.account.sendLockoutNotice(
          user,
          {
            loginName: dto.email ?? dto.username ?? '',
            failures: begun.failures,
            lockedAt: new Date(begun.lockedUntil.getTime() - begun.seconds * 1000),
            lockedUntil: begun.lockedUntil,
          },
          client,
        );
      }
      throw invalidCredentials();
    }
    // Only after the right password: this answer must not tell a guesser anything.
    if (this.requireVerifiedEmail && !user.emailVerified) {
      throw new AppException(
        Problem.EmailNotVerified,
        'Confirm your email address first: follow the link in the verification mail.',
      );
    }
    const challenge = await this.mfa.challengeFor(user.id, user.passwordHash);
    if (challenge) {
      throw new AppException(
        Problem.MfaRequired,
        'The password is right; a second factor is needed. Answer with the mfaToken.',
        { extensions: { ...challenge } },
      );
    }
    // The password was checked outside a transaction: only while it is still the password.
    const checked = user.passwordHash;
    const started = await this.startSession(
      user.id,
      client,
      PASSWORD_LOGIN,
      (now) => now.passwordHash === checked,
    );
    if (!started) throw invalidCredentials();
    await this.lockout.recordSuccess(attempt);
    return this.tokenResponse(started.user, started.grant);
  }

  /**
   * A passwordless login with a discoverable credential: the passkey names its user. With user
   * verification (PIN, biometrics) it is two factors in one: `aal2`.
   */
  async loginWithPasskey(credential: unknown, client: ClientInfo): Promise<TokenResponseDto> {
    const assertion = await this.passkeyAssertions.verify(credential, client);
    const user = await this.users.findById(assertion.userId);
    // A passkey that did not verify its user is one factor: for an account that turned a second
    // factor on, it must not open what the password alone cannot.
    if (
      user?.isActive &&
      !assertion.userVerified &&
      (await this.mfa.status(user.id)).totp.enabled
    ) {
      throw new AppException(
        Problem.PasskeyInvalid,
        'This account has a second factor: sign in with a passkey that verifies you (PIN or ' +
          'biometrics), or with the password and then the passkey or a code.',
      );
    }
    const started =
      user?.isActive &&
      (await this.startSession(user.id, client, passkeyLogin(assertion), (_, tx) =>
        this.passkeyAssertions.stillRegistered(assertion, tx),
      ));
    if (!started) {
      throw new AppException(Problem.PasskeyInvalid, 'The passkey could not be verified.');
    }
    return this.tokenResponse(started.user, started.grant);
  }

  /** Options for a passkey sign-in; with an `mfaToken`, bound to that login's user. */
  async passkeyRequestOptions(mfaToken?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const userId = mfaToken === undefined ? null : await this.mfa.pendingUser(mfaToken);
    return this.passkeyAssertions.options(userId);
  }

  /**
   * A passkey as the second step of a password login that answered `mfa-required`: the assertion
   * must be the user's (from options asked with the same `mfaToken`); then the token is redeemed
   * and the session is `aal2`. A refused assertion counts against the token like a wrong code.
   */
  async passkeySecondFactor(
    credential: unknown,
    mfaToken: string,
    client: ClientInfo,
  ): Promise<TokenResponseDto> {
    const expectedUserId = await this.mfa.pendingUser(mfaToken);
    let assertion: VerifiedAssertion;
    try {
      assertion = await this.passkeyAssertions.verify(credential, client, expectedUserId);
    } catch (error) {
      const refused = () => Promise.resolve(false);
      await this.mfa.redeemChallenge(mfaToken, 'passkey', refused, client).catch(() => undefined);
      throw error;
    }
    const redeemed = await this.mfa.redeemChallenge(
      mfaToken,
      'passkey',
      (userId) => Promise.resolve(userId === assertion.userId),
      client,
    );
    const amr = ['pwd', 'hwk', ...(assertion.userVerified ? ['user'] : [])];
    return this.finishSecondFactor(redeemed, { amr, aal: 'aal2' }, client);
  }

  /** The second step of a login that answered `mfa-required`: a TOTP or recovery code. */
  async answerMfaChallenge(dto: MfaChallengeDto, client: ClientInfo): Promise<TokenResponseDto> {
    const { mfaToken, code, recoveryCode } = dto;
    if ((code === undefined) === (recoveryCode === undefined)) {
      throw AppException.validation('code', 'Give exactly one of code and recoveryCode.');
    }
    const proof: ChallengeProof = code !== undefined ? { code } : { recoveryCode: recoveryCode! };
    const redeemed = await this.mfa.answerChallenge(mfaToken, proof, client);
    return this.finishSecondFactor(redeemed, PASSWORD_AND_OTP_LOGIN, client);
  }

  /**
   * Starts the session of a login whose `mfaToken` a second factor has redeemed
   * (`MfaService.redeemChallenge`): for TOTP here, for a passkey on its own route; only while
   * the password is still the one that login proved.
   */
  private async finishSecondFactor(
    { userId, passwordFingerprint: proved }: RedeemedChallenge,
    authentication: Authentication,
    client: ClientInfo,
  ): Promise<TokenResponseDto> {
    // A reset of the password or an admin's reset of the factors (which holds the user too)
    // that committed since the token was redeemed voids the login.
    const started = await this.startSession(
      userId,
      client,
      authentication,
      async (now, tx) =>
        passwordFingerprint(now.passwordHash) === proved && (await this.mfa.hasTotp(userId, tx)),
    );
    if (!started) {
      throw new AppException(Problem.MfaTokenInvalid, 'The mfaToken is no longer valid.');
    }
    return this.tokenResponse(started.user, started.grant);
  }

  /**
   * Turns the caller's pending TOTP on with its first code: every session of theirs ends, and
   * they get a new `aal2` session and their recovery codes, in one transaction.
   */
  async confirmTotp(
    caller: AuthenticatedUser,
    code: string,
    client: ClientInfo,
  ): Promise<MfaEnabledDto> {
    const { recoveryCodes, user, grant } = await this.transactions.run(async (tx) => {
      // Held first, as every session start holds the user: one lock order with role changes.
      // A deactivation that committed since the bearer check revoked the caller's session.
      const user = await this.users.hold(caller.user.id, tx);
      if (!user?.isActive) throw accessTokenRevoked();
      const recoveryCodes = await this.mfa.confirmTotp(caller, code, client, tx);
      const grant = await this.sessions.start(user.id, client, PASSWORD_AND_OTP_LOGIN, tx);
      return { recoveryCodes, user, grant };
    });
    return { ...this.tokenResponse(user, grant), recoveryCodes };
  }

  async refresh(presented: string, client: ClientInfo): Promise<TokenResponseDto> {
    const grant = await this.sessions.rotate(presented, client);
    const user = await this.users.findById(grant.userId);
    if (!user?.isActive) {
      await this.revocation.revokeSession(grant.userId, grant.sessionId);
      throw new AppException(Problem.RefreshTokenInvalid, 'The refresh token is invalid.');
    }
    return this.tokenResponse(user, grant);
  }

  async logout(
    { token }: AuthenticatedUser,
    scope: LogoutScope,
    client: ClientInfo,
  ): Promise<void> {
    switch (scope) {
      case 'local':
        return this.revocation.revokeCurrent(token, client);
      case 'global':
        return this.revocation.revokeEverything(token, client);
      case 'others':
        return this.revocation.revokeOthers(token, client);
    }
  }

  /**
   * Changes the password and ends every other session; this one stays signed in. Reset links
   * mailed before go void with the old password, in the same transaction.
   */
  changePassword(
    caller: AuthenticatedUser,
    dto: ChangePasswordDto,
    client: ClientInfo,
  ): Promise<void> {
    const change = { current: dto.currentPassword, next: dto.newPassword };
    return this.users.changePassword(caller, change, client, (tx) =>
      this.account.voidResetLinks(caller.user.id, tx),
    );
  }

  async listSessions({ user, token }: AuthenticatedUser): Promise<SessionDto[]> {
    const sessions = await this.sessions.listActive(user.id);
    return sessions.map((session) => SessionDto.from(session, token.sid));
  }

  async revokeSession(
    caller: AuthenticatedUser,
    sessionId: string,
    client: ClientInfo,
  ): Promise<void> {
    const revoked = await this.transactions.run(async (tx) => {
      const found = await this.revocation.revokeSession(caller.user.id, sessionId, tx);
      if (found) await this.events.record(sessionRevoked(caller, sessionId), client, tx);
      return found;
    });
    if (!revoked) throw AppException.notFound('Session');
  }

  /** RFC 7662-style: anything but a live access token is simply inactive. */
  async introspect(token: string): Promise<IntrospectionDto> {
    try {
      const claims = this.accessTokens.verify(token);
      const { user } = await this.bearerCheck.authenticate(claims);
      return {
        active: true,
        sub: user.id,
        username: user.username,
        role: user.role,
        sid: claims.sid,
        jti: claims.jti,
        iat: claims.iat,
        exp: claims.exp,
        token_type: 'access_token',
      };
    } catch (error) {
      if (error instanceof AppException) return { active: false };
      throw error;
    }
  }

  /**
   * RFC 7009: the token is the credential, and the answer is the same whatever it was. A
   * refresh token (current or retired) ends its session; an access token that still verifies is
   * blocklisted until its `exp`. The hint only orders the search.
   */
  async revoke(token: string, hint: string | undefined, client: ClientInfo): Promise<void> {
    const refreshFirst =
      hint === 'refresh_token' || (hint !== 'access_token' && !isJwtShaped(token));
    if (refreshFirst) {
      if (!(await this.revokeRefreshToken(token, client)))
        await this.revokeAccessToken(token, client);
    } else if (!(await this.revokeAccessToken(token, client))) {
      await this.revokeRefreshToken(token, client);
    }
  }

  private async revokeRefreshToken(token: string, client: ClientInfo): Promise<boolean> {
    if (isJwtShaped(token)) return false;
    return this.transactions.run(async (tx) => {
      const session = await this.revocation.revokeSessionOfRefreshToken(
        hashRefreshToken(token),
        tx,
      );
      if (!session) return false;
      await this.events.record(tokenRevoked(session, 'refresh_token'), client, tx);
      return true;
    });
  }

  private async revokeAccessToken(token: string, client: ClientInfo): Promise<boolean> {
    let claims: AccessTokenClaims;
    try {
      claims = this.accessTokens.verify(token);
    } catch (error) {
      if (error instanceof AppException) return false;
      throw error;
    }
    await this.transactions.run(async (tx) => {
      await this.revocation.blockAccessToken(claims, tx);
      const session = { sessionId: claims.sid, userId: claims.sub };
      await this.events.record(tokenRevoked(session, 'access_token'), client, tx);
    });
    return true;
  }

  /**
   * Starts a session of the user as committed now, holding their row (share mode) until the
   * session commits: a deactivation, role change, password reset or deletion has either
   * committed before (the user read shows it: no session, or tokens with the new role) or
   * waits and then revokes this session. Null for a user gone, inactive or not `admits` (asked
   * under the hold, in the session's transaction).
   */
  private startSession(
    userId: string,
    client: ClientInfo,
    authentication: Authentication,
    admits: (user: User, tx: Transaction) => boolean | Promise<boolean> = () => true,
  ): Promise<{ user: User; grant: SessionGrant } | null> {
    return this.transactions.run(async (tx) => {
      const user = await this.users.hold(userId, tx);
      if (!user?.isActive || !(await admits(user, tx))) return null;
      return { user, grant: await this.sessions.start(userId, client, authentication, tx) };
    });
  }

  private tokenResponse(user: Principal, grant: SessionGrant): TokenResponseDto {
    const session = {
      id: grant.sessionId,
      expiresAt: grant.expiresAt,
      authentication: grant.authentication,
    };
    const { token, claims } = this.accessTokens.issue(user, session);
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: claims.exp - claims.iat,
      expires_at: claims.exp,
      refresh_token: grant.refreshToken,
      user: UserDto.from(user),
    };
  }
}
