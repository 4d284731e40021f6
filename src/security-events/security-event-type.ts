/** The types of security event, dotted: `<area>.<subject>[.<what happened>]`. */
export const SecurityEventType = {
  Registered: 'auth.registered',
  LoginSucceeded: 'auth.login.succeeded',
  LoginFailed: 'auth.login.failed',
  RefreshTokenReused: 'auth.refresh.reuse_detected',
  Logout: 'auth.logout',
  SessionRevoked: 'auth.session.revoked',
  TokenRevoked: 'auth.token.revoked',
  PasswordChanged: 'auth.password.changed',
  PasswordResetRequested: 'auth.password.reset_requested',
  PasswordReset: 'auth.password.reset',
  EmailVerified: 'auth.email.verified',
  RateLimited: 'auth.rate_limited',
  Lockout: 'auth.lockout',
  PasskeyRegistered: 'passkey.registered',
  PasskeyDeleted: 'passkey.deleted',
  PasskeyUsed: 'passkey.used',
  PasskeyFailed: 'passkey.failed',
  RoleChanged: 'user.role.changed',
  Deactivated: 'user.deactivated',
  Activated: 'user.activated',
  Deleted: 'user.deleted',
  SigningKeyRotated: 'signing_key.rotated',
  SigningKeyRevoked: 'signing_key.revoked',
  MfaEnabled: 'mfa.enabled',
  MfaDisabled: 'mfa.disabled',
  MfaChallengeFailed: 'mfa.challenge.failed',
  MfaRecoveryCodeUsed: 'mfa.recovery_code.used',
  MfaRecoveryCodesRegenerated: 'mfa.recovery_codes.regenerated',
  MfaResetByAdmin: 'mfa.reset_by_admin',
} as const;

export type SecurityEventType = (typeof SecurityEventType)[keyof typeof SecurityEventType];

export const SECURITY_EVENT_TYPES: readonly SecurityEventType[] = Object.values(SecurityEventType);
