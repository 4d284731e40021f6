import { createHash } from 'node:crypto';

/**
 * Names a stored password hash without holding it (SHA-256, hex): what a login's pending
 * second step keeps to know that the password it proved is still the password.
 */
export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('hex');
}
