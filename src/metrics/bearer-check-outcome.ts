import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';

const OUTCOMES: Partial<Record<Problem, string>> = {
  [Problem.TokenMissing]: 'missing',
  [Problem.TokenInvalid]: 'invalid',
  [Problem.TokenExpired]: 'expired',
  [Problem.TokenRevoked]: 'revoked',
};

/** The label of one bearer check: `ok`, why the token was refused, or `error` (an outage). */
export function bearerCheckOutcome(error: unknown, user: unknown): string {
  if (error) return (error instanceof AppException && OUTCOMES[error.problem]) || 'error';
  return user ? 'ok' : 'missing';
}
