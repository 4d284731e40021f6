import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import { loginName } from './rate-limit.guard.js';

describe(MemoryRateLimitStore.name, () => {
  const sut = new MemoryRateLimitStore();
  afterEach(() => sut.onModuleDestroy());

  it('limits a key past its limit until the window ends, and keys apart', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await sut.hit('a', 60_000, 3)).toEqual({
        hits: i,
        retryAfterSeconds: 60,
        limited: false,
      });
    }
    const fourth = await sut.hit('a', 60_000, 3);
    expect(fourth.limited).toBe(true);
    expect(fourth.retryAfterSeconds).toBeGreaterThan(0);
    expect((await sut.hit('b', 60_000, 3)).limited).toBe(false);
  });

  // A fake clock: on a loaded machine real milliseconds pass between two calls.
  it('starts a new window once the old one has ended', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      await sut.hit('c', 100, 1);
      jest.setSystemTime(1_000_099);
      expect((await sut.hit('c', 100, 1)).limited).toBe(true);
      jest.setSystemTime(1_000_100);
      expect((await sut.hit('c', 100, 1)).limited).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe(loginName.name, () => {
  it('is the email or username, lower-cased, from whatever body arrives', () => {
    expect(loginName({ email: ' Ada@Example.COM ' })).toBe('ada@example.com');
    expect(loginName({ username: 'ADA_L' })).toBe('ada_l');
    expect(loginName({ email: 42 })).toBe('');
    expect(loginName('text')).toBe('');
    expect(loginName(null)).toBe('');
  });
});
