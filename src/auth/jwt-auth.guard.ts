import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppException } from '../common/errors/app.exception.js';
import { IS_PUBLIC } from '../common/decorators/public.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { tokenProblem } from './access-token.service.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { bearerCheckOutcome } from '../metrics/bearer-check-outcome.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JWT_STRATEGY } from './jwt.strategy.js';

/** What passport-jwt says when a request carries no token. */
const NO_TOKEN = 'No auth token';

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

  /**
   * passport-jwt reports a refusal as `info`: its own "No auth token" when the request has
   * none, else the jsonwebtoken error (expired, bad signature, wrong issuer...).
   */
  override handleRequest<T = AuthenticatedUser>(
    error: Error | null,
    user: T | false,
    info?: unknown,
  ): T {
    const refusal = error ?? (user ? undefined : this.refusal(info));
    this.metrics.countBearerCheck(bearerCheckOutcome(refusal, user));
    if (refusal) throw refusal;
    return user as T;
  }

  private refusal(info: unknown): AppException {
    if (!info || (info instanceof Error && info.message === NO_TOKEN)) {
      return new AppException(Problem.TokenMissing, 'A bearer access token is required.');
    }
    return tokenProblem(info);
  }
}
