import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { Environment } from '../config/environment.js';
import type { AccessTokenClaims, Authentication, Role } from '../common/principal/principal.js';
import {
  checkAccessToken,
  MAX_TOKEN_LENGTH,
  tokenProblem,
  tooLong,
} from '../bearer/access-token-rules.js';
import { KeyRing } from '../signing-keys/key-ring.service.js';

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
}

/**
 * Signs access tokens with `JwtService` (configured in AuthModule), with the KeyRing's signing
 * key named in the `kid` header, and verifies them outside the bearer strategy (introspection).
 * The bearer strategy verifies with the same keys and rules, through `checkAccessToken`.
 */
@Injectable()
export class AccessTokenService {
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttl: number;

  constructor(
    private readonly jwt: JwtService,
    private readonly ring: KeyRing,
    config: ConfigService<Environment, true>,
  ) {
    this.issuer = config.get('JWT_ISSUER', { infer: true });
    this.audience = config.get('JWT_AUDIENCE', { infer: true });
    this.ttl = config.get('JWT_ACCESS_TTL', { infer: true });
  }

  get lifetimeSeconds(): number {
    return this.ttl;
  }

  /**
   * A token for the session, expiring with it at the latest: an instance that has not heard of a
   * session's end accepts its tokens, so no token may outlive the session it names.
   */
  issue(
    user: { id: string; role: Role; username: string },
    session: { id: string; expiresAt: Date; authentication: Authentication },
  ): IssuedAccessToken {
    const iat = Math.floor(Date.now() / 1000);
    const exp = Math.min(iat + this.ttl, Math.floor(session.expiresAt.getTime() / 1000));
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      aud: this.audience,
      sub: user.id,
      sid: session.id,
      jti: randomUUID(),
      iat,
      exp,
      role: user.role,
      username: user.username,
      amr: session.authentication.amr,
      aal: session.authentication.aal,
    };
    // `iss`, `aud`, `sub` and `jti` through the options that jsonwebtoken expects them in.
    // The provider of AuthModule's JwtModule hands jsonwebtoken the private key of `keyid`.
    const token = this.jwt.sign(
      {
        iat,
        exp,
        sid: claims.sid,
        role: claims.role,
        username: claims.username,
        amr: claims.amr,
        aal: claims.aal,
      },
      { subject: claims.sub, jwtid: claims.jti, keyid: this.ring.signingKey().kid },
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
    return checkAccessToken(decoded, this.ttl);
  }
}
