import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import type { Environment } from '../config/environment.js';
import { checkAccessToken, MAX_TOKEN_LENGTH, tooLong } from './access-token-rules.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { accessTokenFromRequest } from './bearer-token.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';
import { BearerCheckService } from './bearer-check.service.js';

export const JWT_STRATEGY = 'jwt';

/**
 * An oversized token is refused before anything parses it; throwing here reaches the guard
 * as the error of `canActivate`, the same way as a refusal of `validate`.
 */
function boundedAccessToken(request: FastifyRequest): string | null {
  const token = accessTokenFromRequest(request);
  if (token && token.length > MAX_TOKEN_LENGTH) throw tooLong();
  return token;
}

/**
 * passport-jwt verifies signature, the pinned algorithm, `iss`, `aud` and `exp`; `validate`
 * checks the `typ` header and the claims, then asks BearerCheckService whether the token is
 * still live. JwtAuthGuard turns passport-jwt's refusals into problem documents.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(JWT_KEYS) keys: JwtKeys,
    config: ConfigService<Environment, true>,
    private readonly bearerCheck: BearerCheckService,
  ) {
    super({
      jwtFromRequest: boundedAccessToken,
      // jsonwebtoken takes a KeyObject (and is far faster with one); the typings say Buffer.
      secretOrKey: keys.verification as unknown as Buffer,
      algorithms: [keys.algorithm],
      issuer: config.get('JWT_ISSUER', { infer: true }),
      audience: config.get('JWT_AUDIENCE', { infer: true }),
      // The header too, for its `typ`.
      jsonWebTokenOptions: { complete: true },
    });
  }

  validate(decoded: unknown): AuthenticatedUser | Promise<AuthenticatedUser> {
    return this.bearerCheck.authenticate(checkAccessToken(decoded));
  }
}
