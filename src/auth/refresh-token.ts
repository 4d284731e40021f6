import { createHash, randomBytes } from 'node:crypto';

/** An opaque refresh token: 256 random bits, base64url. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Refresh tokens are stored only as this hash (hex SHA-256). */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
