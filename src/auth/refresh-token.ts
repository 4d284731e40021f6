import { createHmac, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { sha256 } from '../common/crypto/sha256.js';
import type { Environment } from '../config/environment.js';

/**
 * How many rotations ahead of a retired token the current one may be and still be found. A
 * grace period of seconds holds a handful of rotations; the bound keeps a broken chain cheap.
 */
export const MAX_CHAIN_STEPS = 100;

const SUCCESSOR_KEY_INFO = 'auth-service refresh-token successor v1';

/** An opaque refresh token: 256 random bits, base64url. Each login starts a chain with one. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Refresh tokens are stored only as this hash (hex SHA-256). */
export function hashRefreshToken(token: string): string {
  return sha256(token);
}

/**
 * The key successors are derived with, taken by HKDF from the signing key (the HS256 secret, or
 * the private key in its canonical PKCS#8 form), so that every instance sharing that key derives
 * the same successors and an operator has no further secret to keep. The label separates it
 * from the signing use; the derived key never leaves the process.
 */
export function successorKey(
  env: Pick<Environment, 'JWT_ALGORITHM' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY'>,
): Buffer {
  let material: Buffer;
  if (env.JWT_ALGORITHM === 'HS256') {
    material = Buffer.from(env.JWT_SECRET ?? '', 'utf8');
  } else {
    try {
      material = createPrivateKey(env.JWT_PRIVATE_KEY ?? '').export({
        format: 'der',
        type: 'pkcs8',
      });
    } catch {
      throw new Error('JWT_PRIVATE_KEY is not a readable PEM private key');
    }
  }
  if (material.length === 0) throw new Error('JWT_SECRET is required to derive refresh tokens');
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), SUCCESSOR_KEY_INFO, 32));
}

/**
 * The token that replaces `token` when it is exchanged: 256 bits, base64url. Derived rather than
 * random, so that a racer presenting the retired token can be handed the very token the winner
 * got, while the database keeps nothing but hashes.
 */
export function deriveSuccessor(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token, 'utf8').digest('base64url');
}

/**
 * Follows the chain from a retired token to the descendant whose hash is `currentHash`; undefined
 * when it is not within `maxSteps` (e.g. the signing key changed since).
 */
export function findCurrentDescendant(
  key: Buffer,
  retired: string,
  currentHash: string,
  maxSteps = MAX_CHAIN_STEPS,
): string | undefined {
  let token = retired;
  for (let step = 0; step < maxSteps; step += 1) {
    token = deriveSuccessor(key, token);
    if (hashRefreshToken(token) === currentHash) return token;
  }
  return undefined;
}

/**
 * Whether a retired token presented at `now` is a client racing its own rotation rather than
 * reuse. A grace of 0 turns this off: every retired token is reuse.
 */
export function isWithinReuseGrace(retiredAt: Date, now: Date, graceSeconds: number): boolean {
  return graceSeconds > 0 && now.getTime() - retiredAt.getTime() <= graceSeconds * 1000;
}
