import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { Client } from '../common/decorators/client-info.decorator.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { uuidParam } from '../common/http/uuid.pipe.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { PasskeyCreationOptionsDto } from './dto/passkey-options.dto.js';
import { PasskeyDto } from './dto/passkey.dto.js';
import { RegisterPasskeyDto } from './dto/register-passkey.dto.js';
import { PasskeysService } from './passkeys.service.js';

@ApiTags('passkeys')
@ApiBearerAuth()
@Controller('auth/passkeys')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Post('registration/options')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Creation options for a new passkey of the caller',
    description:
      'Pass them to `PublicKeyCredential.parseCreationOptionsFromJSON`, then to ' +
      '`navigator.credentials.create({ publicKey })`, and post `credential.toJSON()` to ' +
      '`POST /auth/passkeys/registration` within 5 minutes. No body is needed.',
  })
  @ApiOkResponse({ type: PasskeyCreationOptionsDto })
  @ApiProblems(...AUTH_PROBLEMS, Problem.ServiceUnavailable)
  registrationOptions(
    @CurrentUser() caller: AuthenticatedUser,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.passkeys.registrationOptions(caller.user);
  }

  @Post('registration')
  @ApiOperation({
    summary: "Register a passkey from the browser's answer to the creation options",
    description: 'The options work once: a second answer to them is refused.',
  })
  @ApiCreatedResponse({ type: PasskeyDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...AUTH_PROBLEMS,
    Problem.PasskeyInvalid,
    Problem.Conflict,
    Problem.ServiceUnavailable,
  )
  register(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: RegisterPasskeyDto,
    @Client() client: ClientInfo,
  ): Promise<PasskeyDto> {
    return this.passkeys.register(caller, dto, client);
  }

  @Get()
  @ApiOperation({ summary: "The caller's passkeys, newest first" })
  @ApiOkResponse({ type: [PasskeyDto] })
  @ApiProblems(...AUTH_PROBLEMS)
  list(@CurrentUser() caller: AuthenticatedUser): Promise<PasskeyDto[]> {
    return this.passkeys.list(caller.user.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove one of the caller's passkeys; it signs in no more" })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS, Problem.NotFound)
  remove(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', uuidParam()) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.passkeys.remove(caller, id, client);
  }
}
