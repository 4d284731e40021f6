import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { ApiProblems } from '../common/swagger/api-problems.decorator.js';
import { HealthService } from './health.service.js';

@ApiTags('service')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness and database reachability' })
  @ApiOkResponse({
    schema: { example: { status: 'ok', info: { database: { status: 'up' } } } },
  })
  @ApiProblems(Problem.ServiceUnavailable)
  check() {
    return this.health.check();
  }
}
