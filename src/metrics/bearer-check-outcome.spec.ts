import { describe, expect, it } from '@jest/globals';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { bearerCheckOutcome } from './bearer-check-outcome.js';
import { authOutcome } from './metrics.service.js';

describe(bearerCheckOutcome.name, () => {
  it('names why a token was refused', () => {
    expect(bearerCheckOutcome(new AppException(Problem.TokenExpired, 'x'), false)).toBe('expired');
    expect(bearerCheckOutcome(new AppException(Problem.TokenRevoked, 'x'), false)).toBe('revoked');
    expect(bearerCheckOutcome(new AppException(Problem.TokenInvalid, 'x'), false)).toBe('invalid');
    expect(bearerCheckOutcome(null, false)).toBe('missing');
  });

  it('tells an accepted token from an outage', () => {
    expect(bearerCheckOutcome(null, { user: {} })).toBe('ok');
    expect(bearerCheckOutcome(new Error('connection refused'), false)).toBe('error');
    expect(bearerCheckOutcome(new AppException(Problem.ServiceUnavailable, 'x'), false)).toBe(
      'error',
    );
  });
});

describe(authOutcome.name, () => {
  it('reads the outcome of a login or refresh from its status', () => {
    expect(authOutcome(200)).toBe('succeeded');
    expect(authOutcome(401)).toBe('failed');
    expect(authOutcome(429)).toBe('rate_limited');
    expect(authOutcome(400)).toBe('rejected');
    expect(authOutcome(403, Problem.MfaRequired)).toBe('mfa_required');
    expect(authOutcome(403, Problem.EmailNotVerified)).toBe('rejected');
    expect(authOutcome(503)).toBe('error');
  });
});
