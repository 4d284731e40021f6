export enum Problem {
  ValidationFailed = 'validation-failed',
  MalformedRequest = 'malformed-request',
  InvalidCredentials = 'invalid-credentials',
  TokenMissing = 'token-missing',
  TokenInvalid = 'token-invalid',
  TokenExpired = 'token-expired',
  TokenRevoked = 'token-revoked',
  RefreshTokenInvalid = 'refresh-token-invalid',
  ActionTokenInvalid = 'action-token-invalid',
  PasskeyInvalid = 'passkey-invalid',
  EmailNotVerified = 'email-not-verified',
  MfaRequired = 'mfa-required',
  MfaCodeInvalid = 'mfa-code-invalid',
  MfaTokenInvalid = 'mfa-token-invalid',
  RequestTimeout = 'request-timeout',
  UriTooLong = 'uri-too-long',
  HeadersTooLarge = 'headers-too-large',
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  Conflict = 'conflict',
  PreconditionFailed = 'precondition-failed',
  PayloadTooLarge = 'payload-too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  TooManyRequests = 'too-many-requests',
  ServiceUnavailable = 'service-unavailable',
  InternalError = 'internal-error',
}

interface ProblemDefinition {
  status: number;
  title: string;
}

export const PROBLEMS: Record<Problem, ProblemDefinition> = {
  [Problem.ValidationFailed]: { status: 400, title: 'Validation failed' },
  [Problem.MalformedRequest]: { status: 400, title: 'Malformed request' },
  [Problem.InvalidCredentials]: { status: 401, title: 'Invalid credentials' },
  [Problem.TokenMissing]: { status: 401, title: 'Token missing' },
  [Problem.TokenInvalid]: { status: 401, title: 'Token invalid' },
  [Problem.TokenExpired]: { status: 401, title: 'Token expired' },
  [Problem.TokenRevoked]: { status: 401, title: 'Token revoked' },
  [Problem.RefreshTokenInvalid]: { status: 401, title: 'Refresh token invalid' },
  [Problem.ActionTokenInvalid]: { status: 400, title: 'Action token invalid' },
  [Problem.PasskeyInvalid]: { status: 401, title: 'Passkey invalid' },
  [Problem.EmailNotVerified]: { status: 403, title: 'Email not verified' },
  [Problem.MfaRequired]: { status: 403, title: 'Second factor required' },
  [Problem.MfaCodeInvalid]: { status: 401, title: 'Second-factor code invalid' },
  [Problem.MfaTokenInvalid]: { status: 401, title: 'MFA token invalid' },
  [Problem.Forbidden]: { status: 403, title: 'Forbidden' },
  [Problem.RequestTimeout]: { status: 408, title: 'Request timeout' },
  [Problem.UriTooLong]: { status: 414, title: 'URI too long' },
  [Problem.HeadersTooLarge]: { status: 431, title: 'Request header fields too large' },
  [Problem.NotFound]: { status: 404, title: 'Not found' },
  [Problem.Conflict]: { status: 409, title: 'Conflict' },
  [Problem.PreconditionFailed]: { status: 412, title: 'Precondition failed' },
  [Problem.PayloadTooLarge]: { status: 413, title: 'Payload too large' },
  [Problem.UnsupportedMediaType]: { status: 415, title: 'Unsupported media type' },
  [Problem.TooManyRequests]: { status: 429, title: 'Too many requests' },
  [Problem.ServiceUnavailable]: { status: 503, title: 'Service unavailable' },
  [Problem.InternalError]: { status: 500, title: 'Internal server error' },
};

/** The problems that answer a bearer token which was sent but cannot be used. */
export const INVALID_TOKEN_PROBLEMS: ReadonlySet<Problem> = new Set([
  Problem.TokenInvalid,
  Problem.TokenExpired,
  Problem.TokenRevoked,
]);

export function problemTypeUri(problem: Problem): string {
  return `/problems/${problem}`;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}
