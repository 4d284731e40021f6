import { AppException } from '../common/errors/app.exception.js';

export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

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
}
