import { sha256 } from '../common/crypto/sha256.js';

/**
 * Names a stored password hash without holding it (SHA-256, hex): what a login's pending
 * second step keeps to know that the password it proved is still the password.
 */
export function passwordFingerprint(passwordHash: string): string {
  return sha256(passwordHash);
}
