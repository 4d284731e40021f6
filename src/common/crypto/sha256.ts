import { createHash } from 'node:crypto';

/**
 * SHA-256 of a string's UTF-8 bytes, as text: how the service keeps what it must not hold
 * (refresh and action tokens, login names, addresses) and names what it must compare.
 */
export function sha256(text: string, encoding: 'hex' | 'base64' | 'base64url' = 'hex'): string {
  return createHash('sha256').update(text, 'utf8').digest(encoding);
}
