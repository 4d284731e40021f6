import { TokenExpiredError } from '@nestjs/jwt';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import { ACCESS_TOKEN_TYPE } from './jwt-keys.js';

/** How far clocks may disagree: an `iat` no further ahead, an `exp` no further past the lifetime. */
export const CLOCK_SKEW_SECONDS = 30;

/** Longer bearer tokens are refused unread. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

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
 * `typ` header (RFC 9068), the claims an access token of ours always carries, and times that
 * make sense: issued no later than now (give or take CLOCK_SKEW_SECONDS), and expiring no later
 * than `lifetimeSeconds` after that (an `exp` of 1e308 is a token that never expires).
 */
export function checkAccessToken(
  decoded: unknown,
  lifetimeSeconds: number,
  now: number = Date.now(),
): AccessTokenClaims {
  const { header, payload } = (decoded ?? {}) as { header?: { typ?: unknown }; payload?: unknown };
  if (!isAccessTokenType(header?.typ)) {
    throw new AppException(Problem.TokenInvalid, 'The access token is invalid.');
  }
  if (!isAccessTokenClaims(payload)) {
    throw new AppException(Problem.TokenInvalid, 'The access token has malformed claims.');
  }
  if (payload.iat > now / 1000 + CLOCK_SKEW_SECONDS) {
    throw new AppException(Problem.TokenInvalid, 'The access token was issued in the future.');
  }
  if (payload.exp > payload.iat + lifetimeSeconds + CLOCK_SKEW_SECONDS) {
    throw new AppException(
      Problem.TokenInvalid,
      'The access token outlives the access-token lifetime.',
    );
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
    Number.isSafeInteger(claims.iat) &&
    Number.isSafeInteger(claims.exp) &&
    Object.values(Role).includes(claims.role as Role) &&
    typeof claims.username === 'string' &&
    (claims.amr === undefined ||
      (Array.isArray(claims.amr) && claims.amr.every((method) => typeof method === 'string'))) &&
    (claims.aal === undefined || claims.aal === 'aal1' || claims.aal === 'aal2')
  );
}
