import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Client } from '../common/decorators/client-info.decorator.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { AcceptsFormBody } from '../common/http/form-body.js';
import { uuidParam } from '../common/http/uuid.pipe.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { UserDto } from '../users/user.dto.js';
import { AuthService } from './auth.service.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { IntrospectDto, IntrospectionDto } from './dto/introspect.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { LogoutQueryDto } from './dto/logout-query.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { RevokeDto } from './dto/revoke.dto.js';
import { SessionDto } from './dto/session.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import type { ClientInfo } from '../common/principal/client-info.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @RateLimit('auth')
  @ApiOperation({ summary: 'Create an account (role user); a verification mail goes out' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.Conflict,
    Problem.TooManyRequests,
    Problem.ServiceUnavailable,
  )
  register(@Body() dto: RegisterDto, @Client() client: ClientInfo): Promise<UserDto> {
    return this.auth.register(dto, client);
  }

  @Public()
  @Post('login')
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in with email or username; starts a session',
    description:
      'After LOCKOUT_THRESHOLD (10) failed logins in a row for one login name, from any IP, the ' +
      'name is refused with 429 and Retry-After for LOCKOUT_SECONDS (60), even with the right ' +
      'password; twice as long after each further failure once a lockout ends (at most an ' +
      'hour). A name with no account is treated the same. A success or a password reset clears it. ' +
      'For a user with a second factor, the right password answers 403 mfa-required with an ' +
      '`mfaToken` (one use, 5 minutes) and the `methods` that can answer it; no token is ' +
      'issued until POST /auth/mfa/challenge (or a passkey) finishes the login.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.InvalidCredentials,
    Problem.EmailNotVerified,
    Problem.MfaRequired,
    Problem.TooManyRequests,
    Problem.ServiceUnavailable,
  )
  login(@Body() dto: LoginDto, @Client() client: ClientInfo): Promise<TokenResponseDto> {
    return this.auth.login(dto, client);
  }

  @Public()
  @Post('refresh')
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair (the old one is retired)',
    description:
      'A retired token presented again within JWT_REFRESH_REUSE_GRACE seconds (default 10) of ' +
      "its rotation answers with a new access token and the session's current refresh token, so " +
      'clients refreshing at once all end up with one token. Later, it is reuse: the session is ' +
      'revoked and the answer is 401.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(...BODY_PROBLEMS, Problem.RefreshTokenInvalid, Problem.TooManyRequests)
  refresh(@Body() dto: RefreshDto, @Client() client: ClientInfo): Promise<TokenResponseDto> {
    return this.auth.refresh(dto.refresh_token, client);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out this session, every session, or every other session' })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS)
  logout(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: LogoutQueryDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.logout(caller, query.scope, client);
  }

  @Post('password')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change the password; every other session is revoked' })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, Problem.ServiceUnavailable)
  changePassword(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.changePassword(caller, dto, client);
  }

  @Get('sessions')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's active sessions, newest first" })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiProblems(...AUTH_PROBLEMS)
  sessions(@CurrentUser() caller: AuthenticatedUser): Promise<SessionDto[]> {
    return this.auth.listSessions(caller);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Revoke one of the caller's sessions" })
  @ApiNoContentResponse({ description: 'Session revoked' })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS, Problem.NotFound)
  revokeSession(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', uuidParam()) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.revokeSession(caller, id, client);
  }

  @Public()
  @Post('introspect')
  @RateLimit('auth')
  @HttpCode(200)
  @AcceptsFormBody()
  @ApiOperation({
    summary: 'Is this access token live? (RFC 7662 style)',
    description:
      'No authentication. JSON or application/x-www-form-urlencoded, as RFC 7662 clients send ' +
      'it; client_id is accepted and ignored. Anything but a live access token is {"active": false}.',
  })
  @ApiOkResponse({ type: IntrospectionDto })
  @ApiProblems(...BODY_PROBLEMS, Problem.TooManyRequests)
  introspect(@Body() dto: IntrospectDto): Promise<IntrospectionDto> {
    return this.auth.introspect(dto.token);
  }

  @Public()
  @Post('revoke')
  @RateLimit('auth')
  @HttpCode(200)
  @AcceptsFormBody()
  @ApiOperation({
    summary: 'Revoke an access or refresh token (RFC 7009)',
    description:
      'The token is the credential: no authentication. The answer is 200 with an empty body ' +
      'whatever the token (unknown, expired, already revoked). A refresh token ends its session ' +
      'and every access token of it; an access token is refused until its exp. JSON or ' +
      'application/x-www-form-urlencoded.',
  })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke (empty body)' })
  @ApiProblems(...BODY_PROBLEMS, Problem.TooManyRequests)
  revoke(@Body() dto: RevokeDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.revoke(dto.token, dto.token_type_hint, client);
  }
}
