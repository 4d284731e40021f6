import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Client } from '../common/decorators/client-info.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { ApiProblems, BODY_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import { PasskeyAuthenticationDto } from '../passkeys/dto/passkey-authentication.dto.js';
import { PasskeyRequestOptionsDto } from '../passkeys/dto/passkey-options.dto.js';
import { PasskeyAssertionsService } from '../passkeys/passkey-assertions.service.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import { TokenResponseDto } from './dto/token-response.dto.js';

/** Signing in with a passkey: the login routes of the passkeys API. */
@ApiTags('passkeys')
@Controller('auth/passkeys')
export class PasskeyLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly assertions: PasskeyAssertionsService,
  ) {}

  @Public()
  @Post('authentication/options')
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Request options for signing in with a passkey',
    description:
      'Pass them to `PublicKeyCredential.parseRequestOptionsFromJSON`, then to ' +
      '`navigator.credentials.get({ publicKey })`, and post `credential.toJSON()` to ' +
      '`POST /auth/passkeys/authentication` within 5 minutes. The browser offers every passkey ' +
      'it holds for this site. No body is needed.',
  })
  @ApiOkResponse({ type: PasskeyRequestOptionsDto })
  @ApiProblems(Problem.TooManyRequests, Problem.ServiceUnavailable)
  options(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.assertions.options();
  }

  @Public()
  @Post('authentication')
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with a passkey (passwordless); starts a session',
    description:
      'The access token carries `amr` `["hwk","user"]` and `aal` `"aal2"` when the ' +
      'authenticator verified the user, else `["hwk"]` and `"aal1"`. A challenge works once; ' +
      'an assertion whose signature counter does not go forward is refused.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.PasskeyInvalid,
    Problem.TooManyRequests,
    Problem.ServiceUnavailable,
  )
  authenticate(
    @Body() dto: PasskeyAuthenticationDto,
    @Client() client: ClientInfo,
  ): Promise<TokenResponseDto> {
    return this.auth.loginWithPasskey(dto.response, client);
  }
}
