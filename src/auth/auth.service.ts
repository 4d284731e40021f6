import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccountService } from '../account/account.service.js';
import { Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { madeBy, SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { PasswordService } from '../users/password.service.js';
import { UserDto } from '../users/user.dto.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import {
  type AuthenticatedUser,
  PASSWORD_AUTHENTICATION,
  type Principal,
  type SessionAuthentication,
} from '../common/principal/principal.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { IntrospectionDto } from './dto/introspect.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { LogoutScope } from './dto/logout-query.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { SessionDto } from './dto/session.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { BearerCheckService } from '../bearer/bearer-check.service.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { ClientInfo } from '../common/principal/client-info.js';
import { SessionGrant, SessionsService } from './sessions.service.js';
import {
  PasskeyAssertionsService,
  type VerifiedAssertion,
} from '../passkeys/passkey-assertions.service.js';

const invalidCredentials = () =>
  new AppException(Problem.InvalidCredentials, 'The login name or password is wrong.');

/** Names the identifier tried and why it failed; never the password. */
const loginFailed = (dto: LoginDto, user: User | null, matches: boolean) => ({
  type: SecurityEventType.LoginFailed,
  userId: user?.id ?? null,
  actorId: null,
  sessionId: null,
  details: {
    identifier: (dto.email ?? dto.username ?? '').slice(0, 254),
    reason: !user ? 'unknown_user' : !matches ? 'wrong_password' : 'inactive',
  },
});

const sessionRevoked = (caller: AuthenticatedUser, sessionId: string) => ({
  type: SecurityEventType.SessionRevoked,
  userId: caller.user.id,
  ...madeBy(caller),
  details: { revokedSessionId: sessionId },
});

/** RFC 8176: `hwk` a key held in hardware, `user` the user verified to it. */
const passkeyLogin = ({ userVerified }: VerifiedAssertion): SessionAuthentication =>
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
    private readonly bearerCheck: BearerCheckService,
    private readonly passkeyAssertions: PasskeyAssertionsService,
    private readonly transactions: Transactions,
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
    const matches = await this.passwords.verify(dto.password, user?.passwordHash);
    if (!user || !matches || !user.isActive) {
      this.events.recordDetached(loginFailed(dto, user, matches), client);
      throw invalidCredentials();
    }
    // Only after the right password: this answer must not tell a guesser anything.
    if (this.requireVerifiedEmail && !user.emailVerified) {
      throw new AppException(
        Problem.EmailNotVerified,
        'Confirm your email address first: follow the link in the verification mail.',
      );
    }
    // The account can be deleted between the password check and the session insert.
    const grant = await this.sessions.start(user.id, client, PASSWORD_AUTHENTICATION);
    if (!grant) throw invalidCredentials();
    return this.tokenResponse(user, grant);
  }

  /**
   * A passwordless login with a discoverable credential: the passkey names its user. With user
   * verification (PIN, biometrics) it is two factors in one: `aal2`.
   */
  async loginWithPasskey(credential: unknown, client: ClientInfo): Promise<TokenResponseDto> {
    const assertion = await this.passkeyAssertions.verify(credential, client);
    const user = await this.users.findById(assertion.userId);
    const grant =
      user?.isActive && (await this.sessions.start(user.id, client, passkeyLogin(assertion)));
    if (!user || !grant) {
      throw new AppException(Problem.PasskeyInvalid, 'The passkey could not be verified.');
    }
    return this.tokenResponse(user, grant);
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
