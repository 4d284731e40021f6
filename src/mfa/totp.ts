import { Secret, TOTP } from 'otpauth';
import { randomBytes } from 'node:crypto';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
const PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of one step before or after the current one are accepted (clock drift). */
const SKEW_STEPS = 1;
const CODE = /^\d{6}$/;

/** A new 160-bit secret (the RFC 4226 recommendation), base32. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({
    ...PARAMETERS,
    issuer,
    label: account,
    secret: Secret.fromBase32(secret),
  }).toString();
}

/** The time step of `at` (milliseconds since the epoch). */
export function totpStep(at: number): number {
  return Math.floor(at / 1000 / PARAMETERS.period);
}

/** Spaces are allowed inside a code, as apps show it in two groups of three. */
export function normalizeTotpCode(code: string): string {
  return code.replace(/\s/g, '');
}

export function looksLikeTotpCode(code: string): boolean {
  return CODE.test(normalizeTotpCode(code));
}

/** The time step a code belongs to, within the allowed skew of `at`; null when it is wrong. */
export function matchTotpCode(secret: string, code: string, at: number): number | null {
  const token = normalizeTotpCode(code);
  if (!CODE.test(token)) return null;
  const totp = new TOTP({ ...PARAMETERS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token, timestamp: at, window: SKEW_STEPS });
  return delta === null ? null : totpStep(at) + delta;
}

/** A recovery code: 60 random bits as 12 characters of a lower-case base32, `xxxx-xxxx-xxxx`. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function generateRecoveryCode(): string {
  const bytes = randomBytes(12);
  const chars = [...bytes].map((byte) => RECOVERY_ALPHABET[byte & 31]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)]
    .map((group) => group.join(''))
    .join('-');
}

/** What a user types, as stored: lower case, without dashes or spaces. */
export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}
