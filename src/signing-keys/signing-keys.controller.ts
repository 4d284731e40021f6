import { Controller, Get, HttpCode, Param, PipeTransform, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Client } from '../common/decorators/client-info.decorator.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Roles } from '../common/decorators/roles.decorator.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { type AuthenticatedUser, Role } from '../common/principal/principal.js';
import { ApiProblems, AUTH_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import { SigningKeyDto } from './dto/signing-key.dto.js';
import { SigningKeysService } from './signing-keys.service.js';

const ADMIN_PROBLEMS = [...AUTH_PROBLEMS, Problem.Forbidden];
/** What our kids are made of: base64url, at most the column's 64 characters. */
const KID = /^[A-Za-z0-9_-]{1,64}$/;

class KidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !KID.test(value)) {
      throw AppException.validation('kid', 'kid must be 1 to 64 base64url characters');
    }
    return value;
  }
}

@ApiTags('signing keys')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/signing-keys')
export class SigningKeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get()
  @ApiOperation({ summary: 'The signing keys: next, current, retiring and revoked, newest first' })
  @ApiOkResponse({ type: [SigningKeyDto] })
  @ApiProblems(...ADMIN_PROBLEMS)
  list(): Promise<SigningKeyDto[]> {
    return this.keys.list();
  }

  @Post('rotate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rotate now: publish a new key, which signs JWT_KEY_PUBLISH_AHEAD seconds later',
    description:
      'The key it replaces keeps verifying (and stays in the JWKS) until every token it signed has expired.',
  })
  @ApiAcceptedResponse({
    type: SigningKeyDto,
    description: 'The new key, `next` until it activates',
  })
  @ApiProblems(...ADMIN_PROBLEMS)
  rotate(
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<SigningKeyDto> {
    return this.keys.rotate({ actorId: caller.user.id, client });
  }

  @Post(':kid/revoke')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a compromised key: its tokens are refused everywhere at once',
    description:
      'The key leaves the JWKS and its private part is erased. If it was signing, the next key ' +
      '(or a new one) signs from now on. Revoking a revoked key changes nothing.',
  })
  @ApiParam({ name: 'kid', example: 'Xq3n0bU6cR1mYb3n3QeXcRk9h1m2V3o2b7dH3tqL1yE' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(Problem.ValidationFailed, ...ADMIN_PROBLEMS, Problem.NotFound)
  revoke(
    @Param('kid', KidPipe) kid: string,
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.keys.revoke(kid, { actorId: caller.user.id, client });
  }
}
