import { sha256 } from '../common/crypto/sha256.js';

/** No lockout lasts longer than this, however many came before it. */
export const MAX_LOCKOUT_SECONDS = 3600;
/** A name whose last failure (or lockout) ended this long ago starts from nothing again. */
export const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export interface LockoutPolicy {
  /** Failures in a row that lock a name; 0: never. */
  threshold: number;
  /** The first lockout's length; each further one doubles it, up to MAX_LOCKOUT_SECONDS. */
  baseSeconds: number;
}

export interface LockoutState {
  failures: number;
  lockouts: number;
  lockedUntil: Date | null;
  lastFailureAt: Date | null;
}

export const NO_FAILURES: LockoutState = {
  failures: 0,
  lockouts: 0,
  lockedUntil: null,
  lastFailureAt: null,
};

/** The key a login name is counted under: its lower-cased form, hashed. */
export function loginNameKey(name: string): string {
  return sha256(name.toLowerCase());
}

export function isLocked(state: Pick<LockoutState, 'lockedUntil'>, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
}

/** Whole seconds until the lockout ends, at least 1 (for Retry-After). */
export function secondsLeft(lockedUntil: Date, now: Date): number {
  return Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
}

/** How long the n-th lockout in a row lasts (n >= 1). */
export function lockoutSeconds(n: number, baseSeconds: number): number {
  return Math.min(MAX_LOCKOUT_SECONDS, baseSeconds * 2 ** Math.min(n - 1, 30));
}

/**
 * The state after one more failed login at `now`, and whether it began a lockout. A failure
 * while the name is locked changes nothing (it was not checked against a password that counts).
 * Once THRESHOLD failures are reached, every further failure after a lockout ends begins the
 * next lockout, twice as long, until a success clears the name.
 */
export function afterFailure(
  state: LockoutState,
  now: Date,
  policy: LockoutPolicy,
): { state: LockoutState; lockedFor?: number } {
  if (isLocked(state, now)) return { state };
  const lastActivity = Math.max(
    state.lastFailureAt?.getTime() ?? 0,
    state.lockedUntil?.getTime() ?? 0,
  );
  const from = now.getTime() - lastActivity > FORGET_AFTER_MS ? NO_FAILURES : state;
  const failures = from.failures + 1;
  if (failures < policy.threshold) {
    return { state: { ...from, failures, lastFailureAt: now } };
  }
  const lockouts = from.lockouts + 1;
  const lockedFor = lockoutSeconds(lockouts, policy.baseSeconds);
  return {
    state: {
      failures,
      lockouts,
      lockedUntil: new Date(now.getTime() + lockedFor * 1000),
      lastFailureAt: now,
    },
    lockedFor,
  };
}
