/** The types of security event, dotted: `<area>.<subject>[.<what happened>]`. */
export const SecurityEventType = {
  Registered: 'auth.registered',
  LoginSucceeded: 'auth.login.succeeded',
  LoginFailed: 'auth.login.failed',
  RefreshTokenReused: 'auth.refresh.reuse_detected',
  Logout: 'auth.logout',
  SessionRevoked: 'auth.session.revoked',
  PasswordChanged: 'auth.password.changed',
  PasswordResetRequested: 'auth.password.reset_requested',
  PasswordReset: 'auth.password.reset',
  EmailVerified: 'auth.email.verified',
  RateLimited: 'auth.rate_limited',
  PasskeyRegistered: 'passkey.registered',
  PasskeyDeleted: 'passkey.deleted',
  PasskeyUsed: 'passkey.used',
  PasskeyFailed: 'passkey.failed',
  RoleChanged: 'user.role.changed',
  Deactivated: 'user.deactivated',
  Activated: 'user.activated',
  Deleted: 'user.deleted',
} as const;

export type SecurityEventType = (typeof SecurityEventType)[keyof typeof SecurityEventType];

export const SECURITY_EVENT_TYPES: readonly SecurityEventType[] = Object.values(SecurityEventType);
