import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { ApiProblems } from '../common/swagger/api-problems.decorator.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsService } from './metrics.service.js';

/** Served at `/metrics`, outside the API prefix, where Prometheus looks by default. */
export const METRICS_PATH = 'metrics';

@ApiTags('service')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  // Public to the user-token guard: a scrape carries METRICS_TOKEN, not an access token.
  @Public()
  @UseGuards(MetricsTokenGuard)
  @Get(METRICS_PATH)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Prometheus metrics (text format)',
    description:
      'HTTP request durations by method, route template and status; logins, refreshes and ' +
      'bearer checks by outcome; rate-limit hits; database pool use; process metrics. ' +
      'With METRICS_TOKEN set, needs `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example: 'auth_logins_total{outcome="succeeded"} 3\n',
      },
    },
  })
  @ApiProblems(Problem.TokenMissing, Problem.TokenInvalid)
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
