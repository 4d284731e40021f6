import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Client } from '../common/decorators/client-info.decorator.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { Roles } from '../common/decorators/roles.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { uuidParam } from '../common/http/uuid.pipe.js';
import { SearchPageQueryDto } from '../common/pagination/page-query.dto.js';
import { Paginated } from '../common/pagination/paginated.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { DeleteAccountDto } from './dto/delete-account.dto.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { UserPageDto } from './dto/user-page.dto.js';
import { WelcomeMessageDto } from './dto/welcome-message.dto.js';
import { UserDto } from './user.dto.js';
import { Role } from '../common/principal/principal.js';
import { UsersService } from './users.service.js';

const ADMIN_PROBLEMS = [...AUTH_PROBLEMS, Problem.Forbidden];

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(...AUTH_PROBLEMS)
  me(@CurrentUser() caller: AuthenticatedUser): UserDto {
    return UserDto.from(caller.user);
  }

  @Patch('me')
  @ApiOperation({ summary: "Change the caller's name or username (at least one)" })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, Problem.Conflict)
  updateMe(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: UpdateProfileDto,
  ): Promise<UserDto> {
    return this.users.updateProfile(caller.user, dto);
  }

  @Delete('me')
  @HttpCode(204)
  @ApiOperation({
    summary: "Delete the caller's account, sessions and templates (needs the password)",
    description: 'The last active admin cannot delete their account (409).',
  })
  @ApiNoContentResponse({ description: 'Account deleted; its tokens are refused from now on' })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, Problem.Conflict, Problem.ServiceUnavailable)
  deleteMe(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: DeleteAccountDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.users.deleteAccount(caller, dto.password, client);
  }

  @Get('me/message')
  @ApiOperation({ summary: 'A welcome message that depends on the role' })
  @ApiOkResponse({ type: WelcomeMessageDto })
  @ApiProblems(...AUTH_PROBLEMS)
  message(@CurrentUser() caller: AuthenticatedUser): WelcomeMessageDto {
    return this.users.welcomeMessage(caller.user);
  }

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Admin: every user, newest first',
    description: '`q` is a case-insensitive part of the email or username, matched literally.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblems(Problem.ValidationFailed, ...ADMIN_PROBLEMS)
  list(@Query() query: SearchPageQueryDto): Promise<Paginated<UserDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @Roles(Role.Admin)
  @ApiOperation({ summary: 'Admin: one user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(Problem.ValidationFailed, ...ADMIN_PROBLEMS, Problem.NotFound)
  get(@Param('id', uuidParam()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @Roles(Role.Admin)
  @ApiOperation({
    summary: "Admin: change a user's role, active flag or name (at least one)",
    description:
      'A role change or a deactivation revokes every session and access token of the user. ' +
      'Demoting or deactivating the last active admin is a 409.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(...BODY_PROBLEMS, ...ADMIN_PROBLEMS, Problem.NotFound, Problem.Conflict)
  update(
    @Param('id', uuidParam()) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<UserDto> {
    return this.users.update(id, dto, caller, client);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Admin: delete a user, their sessions and templates',
    description: 'Deleting the last active admin is a 409.',
  })
  @ApiNoContentResponse({ description: 'User deleted' })
  @ApiProblems(Problem.ValidationFailed, ...ADMIN_PROBLEMS, Problem.NotFound, Problem.Conflict)
  remove(
    @Param('id', uuidParam()) id: string,
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.users.remove(id, caller, client);
  }
}
