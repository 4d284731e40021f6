import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
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
import type { ClientInfo } from '../common/principal/client-info.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { MfaService } from '../mfa/mfa.service.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import {
  DisableTotpDto,
  MfaChallengeDto,
  MfaEnabledDto,
  MfaStatusDto,
  RecoveryCodesDto,
  StartTotpDto,
  TotpCodeDto,
  TotpEnrolmentDto,
} from './dto/mfa.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';

// Code checks count against the login limits: a 6-digit code is no harder to guess than a
// weak password.
@ApiTags('mfa')
@Controller('auth/mfa')
export class MfaController {
  constructor(
    private readonly auth: AuthService,
    private readonly mfa: MfaService,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's second factors" })
  @ApiOkResponse({ type: MfaStatusDto })
  @ApiProblems(...AUTH_PROBLEMS)
  status(@CurrentUser() caller: AuthenticatedUser): Promise<MfaStatusDto> {
    return this.mfa.status(caller.user.id);
  }

  @Post('totp')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Start TOTP enrolment (password re-entered): a secret for an authenticator app',
    description:
      'Show the QR code (or the secret) to the user, then confirm with a first code. Not on ' +
      'until confirmed; asking again replaces a pending secret. 409 when TOTP is already on.',
  })
  @ApiCreatedResponse({ type: TotpEnrolmentDto })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, Problem.Conflict, Problem.ServiceUnavailable)
  startTotp(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: StartTotpDto,
  ): Promise<TotpEnrolmentDto> {
    return this.mfa.startTotpEnrolment(caller.user, dto.password);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @RateLimit('second-factor')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Turn TOTP on with a first code; answers a new aal2 session and recovery codes',
    description:
      "Every session of the user ends, this one included; the answer's tokens are a new " +
      'session with amr ["pwd","otp"] and aal2. The ten recovery codes are shown this once.',
  })
  @ApiOkResponse({ type: MfaEnabledDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...AUTH_PROBLEMS,
    Problem.MfaCodeInvalid,
    Problem.NotFound,
    Problem.Conflict,
    Problem.TooManyRequests,
  )
  confirmTotp(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: TotpCodeDto,
    @Client() client: ClientInfo,
  ): Promise<MfaEnabledDto> {
    return this.auth.confirmTotp(caller, dto.code, client);
  }

  @Delete('totp')
  @HttpCode(204)
  @RateLimit('second-factor')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Turn TOTP off (password and a TOTP or recovery code)',
    description: 'Recovery codes stop working and every other session is revoked.',
  })
  @ApiNoContentResponse({ description: 'TOTP is off' })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...AUTH_PROBLEMS,
    Problem.MfaCodeInvalid,
    Problem.NotFound,
    Problem.TooManyRequests,
  )
  disableTotp(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: DisableTotpDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.mfa.disableTotp(caller, dto, client);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @RateLimit('second-factor')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'A new set of recovery codes (needs a current TOTP code); the old set stops working',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...AUTH_PROBLEMS,
    Problem.MfaCodeInvalid,
    Problem.NotFound,
    Problem.TooManyRequests,
  )
  async regenerateRecoveryCodes(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: TotpCodeDto,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.mfa.regenerateRecoveryCodes(caller, dto.code, client) };
  }

  @Public()
  @Post('challenge')
  @HttpCode(200)
  @RateLimit('second-factor')
  @ApiOperation({
    summary: 'Second step of a login that answered 403 mfa-required',
    description:
      'Send the `mfaToken` of that answer with exactly one of `code` (TOTP) and ' +
      '`recoveryCode`. The answer is the token response of an aal2 session. A wrong code is ' +
      '401 mfa-code-invalid; the fifth voids the mfaToken (401 mfa-token-invalid): log in again.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.MfaCodeInvalid,
    Problem.MfaTokenInvalid,
    Problem.TooManyRequests,
  )
  challenge(@Body() dto: MfaChallengeDto, @Client() client: ClientInfo): Promise<TokenResponseDto> {
    return this.auth.answerMfaChallenge(dto, client);
  }
}
