import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { AccessTokenService } from './access-token.service.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { extractBearerToken } from './bearer-token.js';
import { RevocationService } from './revocation.service.js';

export const JWT_STRATEGY = 'jwt';

/** Verifies the bearer access token and checks that it has not been revoked. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly revocation: RevocationService,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<AuthenticatedUser> {
    const token = extractBearerToken(request.headers);
    if (!token) {
      throw new AppException(Problem.TokenMissing, 'A bearer access token is required.');
    }
    const claims = await this.accessTokens.verify(token);
    return this.revocation.authenticate(claims);
  }
}
