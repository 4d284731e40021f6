import { dictionary } from '@zxcvbn-ts/language-common';
import { AppException } from '../errors/app.exception.js';

export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

/**
 * The ~49,000 most common passwords from the zxcvbn-ts common dictionary (a maintained list),
 * compared ignoring case.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((password) => String(password).toLowerCase()),
);

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/** The rules a new password must meet beyond its length, which the DTO checks. */
export function assertPasswordAllowed(
  password: string,
  identity: { email: string; username: string },
  field = 'password',
): void {
  const lowered = password.toLowerCase();
  if (lowered === identity.email.toLowerCase() || lowered === identity.username.toLowerCase()) {
    throw AppException.validation(field, `${field} must not be the same as the email or username`);
  }
  if (isCommonPassword(password)) {
    throw AppException.validation(field, `${field} is too common; choose a less guessable one`);
  }
}
