import { describe, expect, it } from '@jest/globals';
import {
  afterFailure,
  FORGET_AFTER_MS,
  isLocked,
  type LockoutState,
  lockoutSeconds,
  loginNameKey,
  NO_FAILURES,
  secondsLeft,
} from './lockout-policy.js';

const policy = { threshold: 3, baseSeconds: 60 };
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

/** Fails `times` times at `now`, one after the other. */
function fail(state: LockoutState, now: Date, times = 1) {
  let result: ReturnType<typeof afterFailure> = { state };
  for (let i = 0; i < times; i += 1) result = afterFailure(result.state, now, policy);
  return result;
}

describe('lockout policy', () => {
  it('locks after THRESHOLD failures in a row, for the base length', () => {
    const two = fail(NO_FAILURES, at(0), 2);
    expect(two.lockedFor).toBeUndefined();
    expect(isLocked(two.state, at(0))).toBe(false);

    const third = afterFailure(two.state, at(1), policy);
    expect(third.lockedFor).toBe(60);
    expect(third.state).toMatchObject({ failures: 3, lockouts: 1, lockedUntil: at(61) });
    expect(isLocked(third.state, at(60))).toBe(true);
    expect(isLocked(third.state, at(61))).toBe(false);
  });

  it('ignores failures while locked', () => {
    const locked = fail(NO_FAILURES, at(0), 3).state;
    const during = afterFailure(locked, at(30), policy);
    expect(during.state).toBe(locked);
    expect(during.lockedFor).toBeUndefined();
  });

  it('doubles each lockout after a further failure once one ends, up to an hour', () => {
    let state = fail(NO_FAILURES, at(0), 3).state;
    const lengths = [60];
    for (let i = 0; i < 8; i += 1) {
      const next = afterFailure(state, state.lockedUntil!, policy);
      lengths.push(next.lockedFor!);
      state = next.state;
    }
    expect(lengths).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });

  it('forgets a name a day after its last failure or lockout', () => {
    const two = fail(NO_FAILURES, at(0), 2).state;
    const later = afterFailure(two, new Date(at(0).getTime() + FORGET_AFTER_MS + 1), policy);
    expect(later.state.failures).toBe(1);
  });

  it('locks at the first failure with a threshold of 1', () => {
    expect(afterFailure(NO_FAILURES, at(0), { threshold: 1, baseSeconds: 5 }).lockedFor).toBe(5);
  });

  it('keys a name by its lower-cased form', () => {
    expect(loginNameKey('Ada@Example.com')).toBe(loginNameKey('ada@example.com'));
    expect(loginNameKey('ada')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers whole seconds for Retry-After, at least 1', () => {
    expect(secondsLeft(at(10), at(0))).toBe(10);
    expect(secondsLeft(new Date(at(0).getTime() + 1), at(0))).toBe(1);
    expect(lockoutSeconds(1, 60)).toBe(60);
    expect(lockoutSeconds(100, 60)).toBe(3600);
  });
});
