import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { sha256 } from '../common/crypto/sha256.js';
import type { JwtAlgorithm } from '../config/environment.js';

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
  [member: string]: string;
}

/** A key as it is kept in the database: the private part still to be sealed. */
export interface NewKeyMaterial {
  kid: string;
  algorithm: JwtAlgorithm;
  /** SPKI PEM; null for HS256 (nothing public about an HMAC key). */
  publicKey: string | null;
  /** The HMAC secret, or the PKCS#8 DER private key. */
  privateKey: Buffer;
}

/** Ready to sign and verify: parsed once, as jsonwebtoken re-parses a string key per call. */
export interface UsableKey {
  kid: string;
  algorithm: JwtAlgorithm;
  signing?: KeyObject;
  verification: KeyObject;
  jwk?: PublicJwk;
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
  return sha256(canonical, 'base64url');
}

/** A fresh key: 256 random bits for HS256, a P-256 or 2048-bit RSA pair otherwise. */
export function generateKey(algorithm: JwtAlgorithm): NewKeyMaterial {
  if (algorithm === 'HS256') {
    return {
      kid: randomBytes(16).toString('base64url'),
      algorithm,
      publicKey: null,
      privateKey: randomBytes(32),
    };
  }
  const { privateKey } =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return fromPrivateKey(algorithm, privateKey);
}

/** The key configured in JWT_SECRET or JWT_PRIVATE_KEY, which becomes the first one. */
export function configuredKey(
  algorithm: JwtAlgorithm,
  secret: string | undefined,
  privatePem: string | undefined,
): NewKeyMaterial {
  if (algorithm === 'HS256') {
    return {
      kid: randomBytes(16).toString('base64url'),
      algorithm,
      publicKey: null,
      privateKey: Buffer.from(secret ?? '', 'utf8'),
    };
  }
  return fromPrivateKey(algorithm, createPrivateKey(privatePem ?? ''));
}

function fromPrivateKey(algorithm: JwtAlgorithm, privateKey: KeyObject): NewKeyMaterial {
  const publicKey = createPublicKey(privateKey);
  return {
    // The RFC 7638 thumbprint, as before keys rotated: a JWKS cached then still matches.
    kid: jwkThumbprint(publicKey.export({ format: 'jwk' })),
    algorithm,
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

/** Parses a key read from the database; `privateKey` only while it may sign. */
export function usableKey(
  kid: string,
  algorithm: JwtAlgorithm,
  publicPem: string | null,
  privateKey: Buffer | undefined,
): UsableKey {
  if (algorithm === 'HS256') {
    if (!privateKey) throw new Error(`The HS256 key ${kid} has no secret`);
    const secret = createSecretKey(privateKey);
    return { kid, algorithm, signing: secret, verification: secret };
  }
  const verification = createPublicKey(publicPem ?? '');
  const jwk = verification.export({ format: 'jwk' }) as Record<string, string>;
  return {
    kid,
    algorithm,
    signing: privateKey && createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }),
    verification,
    jwk: { ...jwk, kty: jwk.kty, kid, alg: algorithm, use: 'sig' },
  };
}

const SEALED_VERSION = 'v1';

/**
 * Seals private key material under the key-encryption key: AES-256-GCM with a random 96-bit
 * nonce, the kid and algorithm as associated data, so a sealed value moved to another row (or
 * altered) does not open.
 */
export function seal(plain: Buffer, kek: Buffer, kid: string, algorithm: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(`${kid}.${algorithm}`, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [SEALED_VERSION, iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export class UnsealError extends Error {
  override name = 'UnsealError';
}

/** Opens what `seal` made; throws UnsealError (never with the material) for anything else. */
export function unseal(sealed: string, kek: Buffer, kid: string, algorithm: string): Buffer {
  const [version, iv, tag, body, ...rest] = sealed.split('.');
  if (version !== SEALED_VERSION || !iv || !tag || body === undefined || rest.length) {
    throw new UnsealError(`The private key of ${kid} is not in a known sealed format`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${kid}.${algorithm}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  } catch {
    throw new UnsealError(
      `The private key of ${kid} does not open with JWT_KEY_ENCRYPTION_KEY (another key sealed it, or it was altered)`,
    );
  }
}
