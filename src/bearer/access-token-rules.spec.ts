import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { checkAccessToken, CLOCK_SKEW_SECONDS } from './access-token-rules.js';

const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
const TTL = 900;
const header = { alg: 'HS256', typ: 'at+jwt' };
const claims = (times: { iat?: number; exp?: number } = {}) => ({
  iss: 'i',
  aud: 'a',
  sub: randomUUID(),
  sid: randomUUID(),
  jti: randomUUID(),
  role: 'user',
  username: 'ada',
  iat: NOW_S,
  exp: NOW_S + TTL,
  ...times,
});

function problemOf(payload: object): Problem | undefined {
  try {
    checkAccessToken({ header, payload }, TTL, NOW);
    return undefined;
  } catch (error) {
    return (error as AppException).problem;
  }
}

describe(checkAccessToken.name, () => {
  it('takes a token of the configured lifetime, and clocks off by up to the skew', () => {
    expect(problemOf(claims())).toBeUndefined();
    expect(problemOf(claims({ iat: NOW_S + CLOCK_SKEW_SECONDS }))).toBeUndefined();
    expect(problemOf(claims({ exp: NOW_S + TTL + CLOCK_SKEW_SECONDS }))).toBeUndefined();
  });

  it.each([
    ['an exp of 1e308', { exp: 1e308 }],
    ['an exp of 2^53 + 1', { exp: 2 ** 53 + 1 }],
    [
      'an exp past the lifetime from iat, skew included',
      { exp: NOW_S + TTL + CLOCK_SKEW_SECONDS + 1 },
    ],
    ['an iat a year ahead', { iat: NOW_S + 365 * 86400, exp: NOW_S + 365 * 86400 + TTL }],
    ['an iat ahead by more than the skew', { iat: NOW_S + CLOCK_SKEW_SECONDS + 1 }],
    ['a fractional iat', { iat: NOW_S + 0.5 }],
  ])('refuses %s', (_, times) => {
    expect(problemOf(claims(times))).toBe(Problem.TokenInvalid);
  });
});
