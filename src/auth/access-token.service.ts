import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  calculateJwkThumbprint,
  CryptoKey,
  errors,
  exportJWK,
  importPKCS8,
  importSPKI,
  JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment, JwtAlgorithm } from '../config/environment.js';
import { Role } from '../users/user.entity.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const MAX_TOKEN_LENGTH = 8 * 1024;

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  role: Role;
  username: string;
}

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
}

type Key = CryptoKey | Uint8Array;

/**
 * Signs and verifies access tokens. Signed with `jose` rather than `@nestjs/jwt`: its
 * jsonwebtoken 9 cannot sign EdDSA, which `JWT_ALGORITHM=EdDSA` offers.
 */
@Injectable()
export class AccessTokenService implements OnModuleInit {
  private readonly algorithm: JwtAlgorithm;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttl: number;
  private readonly secret?: string;
  private readonly privateKey?: string;
  private readonly publicKey?: string;
  private signingKey: Key;
  private verificationKey: Key;
  private publicJwks: JWK[] = [];
  private keyId?: string;

  constructor(config: ConfigService<Environment, true>) {
    this.algorithm = config.get('JWT_ALGORITHM', { infer: true });
    this.issuer = config.get('JWT_ISSUER', { infer: true });
    this.audience = config.get('JWT_AUDIENCE', { infer: true });
    this.ttl = config.get('JWT_ACCESS_TTL', { infer: true });
    this.secret = config.get('JWT_SECRET', { infer: true });
    this.privateKey = config.get('JWT_PRIVATE_KEY', { infer: true });
    this.publicKey = config.get('JWT_PUBLIC_KEY', { infer: true });
  }

  get lifetimeSeconds(): number {
    return this.ttl;
  }

  async onModuleInit(): Promise<void> {
    if (this.algorithm === 'HS256') {
      const secret = new TextEncoder().encode(this.secret);
      this.signingKey = secret;
      this.verificationKey = secret;
      return;
    }
    this.signingKey = await importPKCS8(this.privateKey ?? '', this.algorithm);
    this.verificationKey = await importSPKI(this.publicKey ?? '', this.algorithm, {
      extractable: true,
    });
    const jwk = await exportJWK(this.verificationKey);
    this.keyId = await calculateJwkThumbprint(jwk);
    this.publicJwks = [{ ...jwk, kid: this.keyId, alg: this.algorithm, use: 'sig' }];
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwks };
  }

  async issue(user: { id: string; role: Role; username: string }, sessionId: string) {
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
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: this.algorithm, typ: ACCESS_TOKEN_TYPE, kid: this.keyId })
      .sign(this.signingKey);
    return { token, claims } satisfies IssuedAccessToken;
  }

  /** Verifies signature, algorithm, `typ`, `iss`, `aud` and `exp`; throws a token problem. */
  async verify(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new AppException(Problem.TokenInvalid, 'The access token is too long.');
    }
    try {
      const { payload } = await jwtVerify(token, this.verificationKey, {
        algorithms: [this.algorithm],
        issuer: this.issuer,
        audience: this.audience,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      });
      if (!isAccessTokenClaims(payload)) {
        throw new AppException(Problem.TokenInvalid, 'The access token has malformed claims.');
      }
      return payload;
    } catch (error) {
      if (error instanceof AppException) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new AppException(Problem.TokenExpired, 'The access token has expired.');
      }
      throw new AppException(Problem.TokenInvalid, 'The access token is invalid.');
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isAccessTokenClaims(payload: object): payload is AccessTokenClaims {
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
