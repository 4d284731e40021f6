import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Client } from '../common/decorators/client-info.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { ApiProblems, BODY_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import {
  PasskeyAuthenticationDto,
  PasskeyRequestOptionsBodyDto,
} from '../passkeys/dto/passkey-authentication.dto.js';
import { PasskeyRequestOptionsDto } from '../passkeys/dto/passkey-options.dto.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import { TokenResponseDto } from './dto/token-response.dto.js';

/** Signing in with a passkey: the login routes of the passkeys API. */
@ApiTags('passkeys')
@Controller('auth/passkeys')
export class PasskeyLoginController {
  constructor(private readonly auth: AuthService) {}

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
      'it holds for this site. No body is needed for a passwordless sign-in; as the second ' +
      "factor of a password login, send `{ mfaToken }`: the options then name that user's " +
      'passkeys, and only they are accepted.',
  })
  @ApiOkResponse({ type: PasskeyRequestOptionsDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.MfaTokenInvalid,
    Problem.TooManyRequests,
    Problem.ServiceUnavailable,
  )
  options(
    @Body() dto: PasskeyRequestOptionsBodyDto,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.auth.passkeyRequestOptions(dto.mfaToken);
  }

  @Public()
  @Post('authentication')
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with a passkey (passwordless, or as a second factor); starts a session',
    description:
      'Passwordless: the access token carries `amr` `["hwk","user"]` and `aal` `"aal2"` when ' +
      'the authenticator verified the user, else `["hwk"]` and `"aal1"`. With the `mfaToken` of ' +
      'a password login that answered `mfa-required` (and options asked with it): `amr` ' +
      '`["pwd","hwk"]` (plus `"user"` when verified) and `aal2`. A challenge works once; an ' +
      'assertion whose signature counter does not go forward is refused.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    Problem.PasskeyInvalid,
    Problem.MfaTokenInvalid,
    Problem.MfaCodeInvalid,
    Problem.TooManyRequests,
    Problem.ServiceUnavailable,
  )
  authenticate(
    @Body() dto: PasskeyAuthenticationDto,
    @Client() client: ClientInfo,
  ): Promise<TokenResponseDto> {
    return dto.mfaToken === undefined
      ? this.auth.loginWithPasskey(dto.response, client)
      : this.auth.passkeySecondFactor(dto.response, dto.mfaToken, client);
  }
}
