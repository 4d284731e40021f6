import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import { ACCESS_TOKEN_TYPE, type JwtKeys, type PublicJwk } from './jwt-keys.js';

export { ACCESS_TOKEN_TYPE };

export const MAX_TOKEN_LENGTH = 8 * 1024;
/** The provider of the keys made once at start (see `jwtKeys`). */
export const JWT_KEYS = Symbol('JWT_KEYS');

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
}

/**
 * Signs access tokens with `JwtService` (configured in AuthModule) and verifies them outside
 * the bearer strategy (introspection). The bearer strategy verifies with the same key and
 * rules, through `checkAccessToken`.
 */
@Injectable()
export class AccessTokenService {
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttl: number;

  constructor(
    private readonly jwt: JwtService,
    @Inject(JWT_KEYS) private readonly keys: JwtKeys,
    config: ConfigService<Environment, true>,
  ) {
    this.issuer = config.get('JWT_ISSUER', { infer: true });
    this.audience = config.get('JWT_AUDIENCE', { infer: true });
    this.ttl = config.get('JWT_ACCESS_TTL', { infer: true });
  }

  get lifetimeSeconds(): number {
    return this.ttl;
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.jwks };
  }

  issue(user: { id: string; role: Role; username: string }, sessionId: string): IssuedAccessToken {
    const iat = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      aud: this.audience,
      sub: user.id,
      sid: sessionId,
      jti: randomUUID(),
      iat,
      exp: iat + this.ttl,
      role: user.role,
      username: user.username,
    };
    // `iss`, `aud`, `sub`, `jti` and `exp` through the options that jsonwebtoken expects them in.
    const token = this.jwt.sign(
      { iat, sid: claims.sid, role: claims.role, username: claims.username },
      { subject: claims.sub, jwtid: claims.jti },
    );
    return { token, claims };
  }

  /** Verifies signature, algorithm, `typ`, `iss`, `aud` and `exp`; throws a token problem. */
  verify(token: string): AccessTokenClaims {
    if (token.length > MAX_TOKEN_LENGTH) throw tooLong();
    let decoded: unknown;
    try {
      decoded = this.jwt.verify(token, { complete: true });
    } catch (error) {
      throw tokenProblem(error);
    }
    return checkAccessToken(decoded);
  }
}

export function tooLong(): AppException {
  return new AppException(Problem.TokenInvalid, 'The access token is too long.');
}

/** The problem for a jsonwebtoken verification error (or anything else that went wrong). */
export function tokenProblem(error: unknown): AppException {
  if (error instanceof AppException) return error;
  // By name: passport-jwt and @nestjs/jwt may each bring their own copy of jsonwebtoken.
  if (error instanceof TokenExpiredError || (error as Error)?.name === 'TokenExpiredError') {
    return new AppException(Problem.TokenExpired, 'The access token has expired.');
  }
  return new AppException(Problem.TokenInvalid, 'The access token is invalid.');
}

/**
 * What jsonwebtoken leaves to us once signature, algorithm, `iss`, `aud` and `exp` hold: the
 * `typ` header (RFC 9068) and the claims an access token of ours always carries.
 */
export function checkAccessToken(decoded: unknown): AccessTokenClaims {
  const { header, payload } = (decoded ?? {}) as { header?: { typ?: unknown }; payload?: unknown };
  if (!isAccessTokenType(header?.typ)) {
    throw new AppException(Problem.TokenInvalid, 'The access token is invalid.');
  }
  if (!isAccessTokenClaims(payload)) {
    throw new AppException(Problem.TokenInvalid, 'The access token has malformed claims.');
  }
  return payload;
}

function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const type = typ.toLowerCase();
  return type === ACCESS_TOKEN_TYPE || type === `application/${ACCESS_TOKEN_TYPE}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isAccessTokenClaims(payload: unknown): payload is AccessTokenClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const claims = payload as Partial<AccessTokenClaims>;
  return (
    typeof claims.sub === 'string' &&
    UUID.test(claims.sub) &&
    typeof claims.sid === 'string' &&
    UUID.test(claims.sid) &&
    typeof claims.jti === 'string' &&
    UUID.test(claims.jti) &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp) &&
    Object.values(Role).includes(claims.role as Role) &&
    typeof claims.username === 'string'
  );
}
