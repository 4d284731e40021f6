import { type JwtModuleOptions, JwtSecretRequestType } from '@nestjs/jwt';
import type { Secret } from 'jsonwebtoken';
import type { Environment } from '../config/environment.js';
import type { KeyRing } from '../signing-keys/key-ring.service.js';
import { readTokenHeader } from './token-structure.js';

/** The `at+jwt` media type of RFC 9068, in the `typ` header of every access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** What verifies and signs, as KeyRing answers it. */
export type SigningKeySource = Pick<KeyRing, 'verificationKey' | 'privateKeyOf'>;

/**
 * The key that verifies `token`: the one its header's `kid` names, if that key may verify now.
 * Throws (a token problem) for a malformed token, a header we must refuse, or an unknown,
 * retired or revoked `kid`.
 */
export function verificationKeyFor(ring: SigningKeySource, token: string): Secret {
  const { kid } = readTokenHeader(token);
  const key = ring.verificationKey(kid);
  if (!key) throw new UnknownKeyError();
  // A KeyObject: jsonwebtoken is far faster with one than with a PEM or secret string.
  return key.verification;
}

/** jsonwebtoken's own error name, so the refusal maps like any other verification failure. */
export class UnknownKeyError extends Error {
  override name = 'JsonWebTokenError';
  constructor() {
    super('unknown, retired or revoked signing key');
  }
}

type ClaimSettings = Pick<Environment, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_ALGORITHM'>;

/**
 * JwtModule's options: keys from the ring through `secretOrKeyProvider` (for signing, the
 * private key of the `keyid` the caller signs with; for verifying, the key the token's `kid`
 * names), the algorithm pinned both ways, `iss` and `aud` set and checked. `exp` is in each
 * token's payload (AccessTokenService caps it at its session's expiry).
 */
export function jwtModuleOptions(ring: SigningKeySource, env: ClaimSettings): JwtModuleOptions {
  return {
    secretOrKeyProvider: (requestType, tokenOrPayload, options) =>
      (requestType === JwtSecretRequestType.SIGN
        ? ring.privateKeyOf((options as { keyid?: string } | undefined)?.keyid)
        : verificationKeyFor(
            ring,
            typeof tokenOrPayload === 'string' ? tokenOrPayload : '',
          )) as Secret,
    signOptions: {
      algorithm: env.JWT_ALGORITHM,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      header: { alg: env.JWT_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
    },
    verifyOptions: {
      algorithms: [env.JWT_ALGORITHM],
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
  };
}
