import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import type { Environment } from '../config/environment.js';
import { checkAccessToken, MAX_TOKEN_LENGTH, tooLong } from './access-token-rules.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { accessTokenFromRequest } from './bearer-token.js';
import { KeyRing } from '../signing-keys/key-ring.service.js';
import { verificationKeyFor } from './jwt-keys.js';
import { BearerCheckService } from './bearer-check.service.js';

export const JWT_STRATEGY = 'jwt';

type KeyCallback = (error: Error | null, key?: string | Buffer) => void;

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
 * passport-jwt verifies signature (with the key the token's `kid` names, from the KeyRing), the
 * pinned algorithm, `iss`, `aud` and `exp`; `validate` checks the `typ` header and the claims,
 * then asks BearerCheckService whether the token is still live. JwtAuthGuard turns
 * passport-jwt's refusals into problem documents.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  private readonly lifetime: number;

  constructor(
    ring: KeyRing,
    config: ConfigService<Environment, true>,
    private readonly bearerCheck: BearerCheckService,
  ) {
    super({
      jwtFromRequest: boundedAccessToken,
      secretOrKeyProvider: (_request: unknown, token: string, done: KeyCallback) => {
        let key;
        try {
          key = verificationKeyFor(ring, token);
        } catch (error) {
          return done(error as Error);
        }
        // jsonwebtoken takes a KeyObject (and is far faster with one); the typings say Buffer.
        done(null, key as unknown as Buffer);
      },
      algorithms: [config.get('JWT_ALGORITHM', { infer: true })],
      issuer: config.get('JWT_ISSUER', { infer: true }),
      audience: config.get('JWT_AUDIENCE', { infer: true }),
      // The header too, for its `typ`.
      jsonWebTokenOptions: { complete: true },
    });
    this.lifetime = config.get('JWT_ACCESS_TTL', { infer: true });
  }

  validate(decoded: unknown): AuthenticatedUser | Promise<AuthenticatedUser> {
    return this.bearerCheck.authenticate(checkAccessToken(decoded, this.lifetime));
  }
}
