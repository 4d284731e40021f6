import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Roles } from '../common/decorators/roles.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { Paginated } from '../common/pagination/paginated.js';
import { ApiProblems, AUTH_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import { Role } from '../common/principal/principal.js';
import { AuditEventQueryDto } from './dto/audit-event-query.dto.js';
import { SecurityEventDto, SecurityEventPageDto } from './dto/security-event.dto.js';
import { SecurityEventsService } from './security-events.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me/security-events')
export class MySecurityEventsController {
  constructor(private readonly events: SecurityEventsService) {}

  @Get()
  @ApiOperation({
    summary: "The caller's own security events, newest first",
    description: 'Logins (failed ones too), logouts, password and role changes, and the like.',
  })
  @ApiOkResponse({ type: SecurityEventPageDto })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS)
  list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: PageQueryDto,
  ): Promise<Paginated<SecurityEventDto>> {
    return this.events.listForUser(caller.user.id, query);
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit-events')
export class AuditEventsController {
  constructor(private readonly events: SecurityEventsService) {}

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Admin: every security event, newest first',
    description:
      'Filtered by `userId`, `type` and an inclusive `since` / `until`: RFC 3339 date-times ' +
      '(seconds and a time zone, e.g. `2026-11-21T08:30:00Z`) or dates (`2026-11-21`, midnight UTC).',
  })
  @ApiOkResponse({ type: SecurityEventPageDto })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS, Problem.Forbidden)
  list(@Query() query: AuditEventQueryDto): Promise<Paginated<SecurityEventDto>> {
    return this.events.list(query);
  }
}
