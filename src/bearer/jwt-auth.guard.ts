import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppException } from '../common/errors/app.exception.js';
import { IS_PUBLIC } from '../common/decorators/public.decorator.js';
import { RouteMetadata } from '../common/decorators/route-metadata.js';
import { Problem } from '../common/errors/problem.js';
import { tokenProblem } from './access-token-rules.js';
import type { AuthenticatedUser, CallerRequest } from '../common/principal/principal.js';
import { bearerCheckOutcome } from '../metrics/bearer-check-outcome.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BearerCheckService } from './bearer-check.service.js';
import { accessTokenFromRequest, rememberedTokenCandidate } from './bearer-token.js';
import { JWT_STRATEGY } from './jwt.strategy.js';
import { VerifiedTokens } from './verified-tokens.js';

/** What passport-jwt says when a request carries no token. */
const NO_TOKEN = 'No auth token';

/**
 * The global guard: every route needs a live access token unless it says `@Public()`.
 *
 * A token seen for the first time goes through passport-jwt (JwtStrategy), and what it
 * verified is remembered (VerifiedTokens) until the token's `exp`; the same token again skips
 * only the verification, never the bearer check of the revocation state.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  private readonly isPublic = new RouteMetadata((handler, controller) =>
    Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller])),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: MetricsService,
    private readonly bearerCheck: BearerCheckService,
    @Inject(VerifiedTokens) private readonly verified: VerifiedTokens,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.of(context)) return true;
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const candidate = rememberedTokenCandidate(request);
    const claims = candidate ? this.verified.claimsOf(candidate) : undefined;
    return claims
      ? this.checkRemembered(request, claims)
      : this.verifyAndRemember(context, request);
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

  private async verifyAndRemember(
    context: ExecutionContext,
    request: CallerRequest,
  ): Promise<boolean> {
    const epoch = this.verified.epoch;
    // AuthGuard's canActivate is async: it sets request.user or throws handleRequest's refusal.
    const allowed = await (super.canActivate(context) as Promise<boolean>);
    // The token passport-jwt verified, read as its extractor reads it (not the candidate).
    const token = accessTokenFromRequest(request);
    if (token && request.user) this.verified.remember(token, request.user.token, epoch);
    return allowed;
  }

  /**
   * A boolean when memory answers at once (Nest then awaits nothing), else a promise. A refusal
   * is thrown either way, through handleRequest, which counts every outcome.
   */
  private checkRemembered(
    request: CallerRequest,
    claims: AuthenticatedUser['token'],
  ): boolean | Promise<boolean> {
    let caller: AuthenticatedUser | undefined;
    try {
      caller = this.bearerCheck.fromMemoryNow(claims);
    } catch (refusal) {
      return this.settle(request, refusal as Error, false);
    }
    if (caller) return this.settle(request, null, caller);
    return this.bearerCheck.afterRoundTrip(claims).then(
      (user) => this.settle(request, null, user),
      (refusal: Error) => this.settle(request, refusal, false),
    );
  }

  private settle(
    request: CallerRequest,
    error: Error | null,
    caller: AuthenticatedUser | false,
  ): boolean {
    request.user = this.handleRequest(error, caller);
    return true;
  }

  private refusal(info: unknown): AppException {
    if (!info || (info instanceof Error && info.message === NO_TOKEN)) {
      return new AppException(Problem.TokenMissing, 'A bearer access token is required.');
    }
    return tokenProblem(info);
  }
}
