import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppException } from '../common/errors/app.exception.js';
import { IS_PUBLIC } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { bearerCheckOutcome } from '../metrics/bearer-check-outcome.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JWT_STRATEGY } from './jwt.strategy.js';

/** The global guard: every route needs a live access token unless it says `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T = AuthenticatedUser>(error: Error | null, user: T | false): T {
    this.metrics.countBearerCheck(bearerCheckOutcome(error, user));
    if (error) throw error;
    if (!user) throw new AppException(Problem.TokenMissing, 'A bearer access token is required.');
    return user;
  }
}
