import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Client } from '../common/decorators/client-info.decorator.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Roles } from '../common/decorators/roles.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { uuidParam } from '../common/http/uuid.pipe.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { type AuthenticatedUser, Role } from '../common/principal/principal.js';
import { ApiProblems, AUTH_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import { MfaService } from './mfa.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

  @Delete(':id/mfa')
  @HttpCode(204)
  @Roles(Role.Admin)
  @ApiOperation({
    summary: "Admin: remove a user's second factors (a lost authenticator)",
    description:
      "TOTP, recovery codes and passkeys are removed and every session of the user revoked; the user's next login needs the password only.",
  })
  @ApiNoContentResponse({ description: 'Factors removed' })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS, Problem.Forbidden, Problem.NotFound)
  reset(
    @Param('id', uuidParam()) id: string,
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.mfa.resetByAdmin(caller, id, client);
  }
}
