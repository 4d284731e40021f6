import { describe, expect, it } from '@jest/globals';
import {
  chainOf,
  keyStatus,
  type KeyTimes,
  leavesAt,
  lingerMs,
  mayVerify,
  relink,
  RETIRE_MARGIN_MS,
  signingKeyOf,
} from './key-schedule.js';

const T = 1_800_000_000_000;
const TTL = 900;
const LINGER = lingerMs(TTL);
const key = (kid: string, times: Partial<KeyTimes> = {}): KeyTimes => ({
  kid,
  activatesAt: T,
  retiresAt: null,
  revokedAt: null,
  ...times,
});

describe('key schedule', () => {
  it('lingers for the access-token lifetime plus a margin', () => {
    expect(LINGER).toBe(TTL * 1000 + RETIRE_MARGIN_MS);
  });

  it('goes next, current, retiring, expired by its times alone', () => {
    const old = key('old', { activatesAt: T, retiresAt: T + 60_000 });
    expect(keyStatus(old, T - 1, LINGER)).toBe('next');
    expect(keyStatus(old, T, LINGER)).toBe('current');
    expect(keyStatus(old, T + 59_999, LINGER)).toBe('current');
    expect(keyStatus(old, T + 60_000, LINGER)).toBe('retiring');
    expect(keyStatus(old, T + 60_000 + LINGER - 1, LINGER)).toBe('retiring');
    expect(keyStatus(old, T + 60_000 + LINGER, LINGER)).toBe('expired');
    expect(leavesAt(old, LINGER)).toBe(T + 60_000 + LINGER);
  });

  it('stays current while it has no successor', () => {
    const only = key('only');
    expect(keyStatus(only, T + 1e12, LINGER)).toBe('current');
    expect(leavesAt(only, LINGER)).toBeNull();
  });

  it('is revoked whatever its times say', () => {
    for (const now of [T - 1, T, T + 1e12]) {
      expect(keyStatus(key('k', { revokedAt: T }), now, LINGER)).toBe('revoked');
    }
  });

  it('verifies while next, current or retiring, and never once revoked or expired', () => {
    expect(['next', 'current', 'retiring'].every((s) => mayVerify(s as never))).toBe(true);
    expect(['revoked', 'expired'].some((s) => mayVerify(s as never))).toBe(false);
  });

  it('signs with the current key activated last, never with a next one', () => {
    const old = key('old', { activatesAt: T - 10_000, retiresAt: T + 5_000 });
    const next = key('new', { activatesAt: T + 5_000 });
    expect(signingKeyOf([old, next], T, LINGER)?.kid).toBe('old');
    expect(signingKeyOf([old, next], T + 5_000, LINGER)?.kid).toBe('new');
    expect(signingKeyOf([key('r', { revokedAt: T })], T, LINGER)).toBeUndefined();
  });

  it('links the chain: each key retires when the next one activates', () => {
    const retired = key('retired', { activatesAt: T - 100_000, retiresAt: T - 50_000 });
    const current = key('current', { activatesAt: T - 50_000 });
    const next = key('next', { activatesAt: T + 10_000 });
    expect(chainOf([next, retired, current], T).map((k) => k.kid)).toEqual(['current', 'next']);
    expect(relink([retired, current, next], T)).toEqual([
      { kid: 'current', retiresAt: T + 10_000 },
    ]);
  });

  it('gives the current key back its open end when the next one is revoked', () => {
    const current = key('current', { activatesAt: T - 50_000, retiresAt: T + 10_000 });
    const revoked = key('next', { activatesAt: T + 10_000, revokedAt: T });
    expect(relink([current, revoked], T)).toEqual([{ kid: 'current', retiresAt: null }]);
  });

  it('leaves a retired key alone when the key after it is revoked', () => {
    const retired = key('retired', { activatesAt: T - 100_000, retiresAt: T - 50_000 });
    const revoked = key('current', { activatesAt: T - 50_000, revokedAt: T });
    const takeover = key('takeover', { activatesAt: T });
    expect(relink([retired, revoked, takeover], T)).toEqual([]);
  });
});
