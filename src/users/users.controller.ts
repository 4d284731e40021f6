import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { ApiProblems, AUTH_PROBLEMS } from '../common/swagger/api-problems.decorator.js';
import { UserDto } from './user.dto.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(...AUTH_PROBLEMS)
  me(@CurrentUser() caller: AuthenticatedUser): UserDto {
    return UserDto.from(caller.user);
  }
}
