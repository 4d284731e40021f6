import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { sha256 } from '../common/crypto/sha256.js';
import { RouteMetadata } from '../common/decorators/route-metadata.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { clientInfoOf } from '../common/principal/client-info.js';
import type { CallerRequest } from '../common/principal/principal.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { RATE_LIMIT_BUCKET, RateLimitBucket } from './rate-limit.decorator.js';
import { RateLimitHit, RateLimitStore } from './rate-limit.store.js';

/** The login name of a login attempt, lower-cased; the body is not validated yet here. */
export function loginName(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const { email, username } = body as { email?: unknown; username?: unknown };
  const name = typeof email === 'string' ? email : typeof username === 'string' ? username : '';
  return name.trim().toLowerCase();
}

function rateLimited(bucket: RateLimitBucket, request: FastifyRequest) {
  // On a limited route that needs a token, the bearer guard (registered ahead of this one in
  // AppModule) has already named the caller.
  const caller = (request as CallerRequest).user;
  return {
    type: SecurityEventType.RateLimited,
    userId: null,
    actorId: caller?.user.id ?? null,
    sessionId: caller?.token.sid ?? null,
    details: {
      bucket,
      route: request.routeOptions.url ?? null,
      ...(bucket === 'login' ? { identifier: loginName(request.body).slice(0, 254) } : {}),
    },
  };
}

/**
 * Applies the limits of the API guide to the routes marked `@RateLimit(...)`: login attempts per
 * client IP and login name and, under a higher ceiling, per client IP alone; other public auth
 * calls per client IP. The client IP is the
 * socket's unless TRUST_PROXY is set.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly enabled: boolean;
  private readonly windowMs: number;
  private readonly limits: Record<'login' | 'auth', number>;
  private readonly loginPerIp: number;
  /** The route's bucket, read once per handler (RouteMetadata), not on every request. */
  private readonly bucket = new RouteMetadata((handler) =>
    this.reflector.get<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, handler),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly store: RateLimitStore,
    private readonly events: SecurityEventsService,
    config: ConfigService<Environment, true>,
  ) {
    this.enabled = config.get('RATE_LIMIT_ENABLED', { infer: true });
    this.windowMs = config.get('RATE_LIMIT_WINDOW', { infer: true }) * 1000;
    this.limits = {
      login: config.get('RATE_LIMIT_LOGIN', { infer: true }),
      auth: config.get('RATE_LIMIT_AUTH', { infer: true }),
    };
    this.loginPerIp = config.get('RATE_LIMIT_LOGIN_IP', { infer: true });
  }

  /**
   * Synchronous on the routes it does not limit (most of them): Nest awaits a guard's answer
   * only when it is not a boolean, which saves every such request a promise and a microtask.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.enabled) return true;
    const bucket = this.bucket.of(context);
    return bucket ? this.limit(context, bucket) : true;
  }

  private async limit(context: ExecutionContext, bucket: RateLimitBucket): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const hits = bucket === 'second-factor' ? [] : [this.routeHit(bucket, context, request)];
    if (bucket !== 'auth') hits.push(this.loginIpHit(request.ip));
    const limited = (await Promise.all(hits)).filter((hit) => hit.limited);
    if (limited.length) {
      const retryAfter = Math.max(...limited.map((hit) => hit.retryAfterSeconds));
      this.recordRefusal(bucket, request, retryAfter);
      throw new AppException(Problem.TooManyRequests, 'Too many requests. Try again later.', {
        headers: { 'retry-after': String(retryAfter) },
      });
    }
    return true;
  }

  /**
   * A refusal costs a map update: the trail gets one event per client (IP and caller), route
   * and period of refusal, with the count of refused requests, written once the period is over.
   */
  private recordRefusal(bucket: RateLimitBucket, request: FastifyRequest, retryAfter: number) {
    const event = rateLimited(bucket, request);
    const key = `${bucket}|${request.routeOptions.url}|${request.ip}|${event.actorId ?? ''}`;
    const until = Date.now() + retryAfter * 1000;
    this.events.recordRepeated(key, until, event, clientInfoOf(request));
  }

  private routeHit(
    bucket: 'login' | 'auth',
    context: ExecutionContext,
    request: FastifyRequest,
  ): Promise<RateLimitHit> {
    const subject = bucket === 'login' ? `${request.ip}|${loginName(request.body)}` : request.ip;
    // Hashed, so that no login name sits in the counter store.
    const key = `${bucket}:${context.getClass().name}.${context.getHandler().name}:${sha256(subject, 'base64url')}`;
    return this.store.hit(key, this.windowMs, this.limits[bucket]);
  }

  /** Login attempts from one IP across every login name, so made-up names are counted too. */
  private loginIpHit(ip: string): Promise<RateLimitHit> {
    const key = `login-ip:${sha256(ip, 'base64url')}`;
    return this.store.hit(key, this.windowMs, this.loginPerIp);
  }
}
