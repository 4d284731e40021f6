import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';

const BEARER = /^Bearer\s+(\S+)$/i;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** With METRICS_TOKEN set, a scrape must present it as a bearer token. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: ConfigService<Environment, true>) {
    const token = config.get('METRICS_TOKEN', { infer: true });
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = BEARER.exec(request.headers.authorization?.trim() ?? '')?.[1];
    if (!presented) {
      throw new AppException(Problem.TokenMissing, 'The metrics token is required.');
    }
    // Digests of equal length, so the comparison takes the same time whatever was sent.
    if (!timingSafeEqual(digest(presented), this.expected)) {
      throw new AppException(Problem.TokenInvalid, 'The metrics token is wrong.');
    }
    return true;
  }
}
