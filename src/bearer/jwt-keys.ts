import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
} from 'node:crypto';
import type { JwtModuleOptions } from '@nestjs/jwt';
import type { Environment, JwtAlgorithm } from '../config/environment.js';

/** The provider of the keys made once at start (see `jwtKeys`). */
export const JWT_KEYS = Symbol('JWT_KEYS');

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
  [member: string]: string;
}

/** The keys of the configured algorithm, made once: jsonwebtoken re-parses a string key per call. */
export interface JwtKeys {
  algorithm: JwtAlgorithm;
  signing: KeyObject;
  verification: KeyObject;
  keyId?: string;
  jwks: PublicJwk[];
}

// RFC 7638: the required members of the key, in lexicographic order, without whitespace.
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
};

export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`No RFC 7638 thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

type KeySettings = Pick<
  Environment,
  'JWT_ALGORITHM' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY' | 'JWT_PUBLIC_KEY'
>;

export function jwtKeys(env: KeySettings): JwtKeys {
  const algorithm = env.JWT_ALGORITHM;
  if (algorithm === 'HS256') {
    const secret = createSecretKey(Buffer.from(env.JWT_SECRET ?? '', 'utf8'));
    return { algorithm, signing: secret, verification: secret, jwks: [] };
  }
  const signing = createPrivateKey(env.JWT_PRIVATE_KEY ?? '');
  const verification = createPublicKey(env.JWT_PUBLIC_KEY ?? '');
  const jwk = verification.export({ format: 'jwk' }) as Record<string, string>;
  const keyId = jwkThumbprint(jwk);
  return {
    algorithm,
    signing,
    verification,
    keyId,
    jwks: [{ ...jwk, kty: jwk.kty, kid: keyId, alg: algorithm, use: 'sig' }],
  };
}

/** The `at+jwt` media type of RFC 9068, in the `typ` header of every access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

type ClaimSettings = Pick<Environment, 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

/**
 * JwtModule's options: the algorithm pinned both ways, `iss` and `aud` set and checked. `exp` is
 * in each token's payload (AccessTokenService caps it at its session's expiry).
 */
export function jwtModuleOptions(keys: JwtKeys, env: ClaimSettings): JwtModuleOptions {
  return {
    privateKey: keys.signing,
    publicKey: keys.verification,
    signOptions: {
      algorithm: keys.algorithm,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      ...(keys.keyId && { keyid: keys.keyId }),
      header: { alg: keys.algorithm, typ: ACCESS_TOKEN_TYPE },
    },
    verifyOptions: {
      algorithms: [keys.algorithm],
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
  };
}
