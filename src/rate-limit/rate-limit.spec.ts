import { afterEach, describe, expect, it } from '@jest/globals';
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

  it('starts a new window once the old one has ended', async () => {
    await sut.hit('c', 1, 1);
    expect((await sut.hit('c', 1, 1)).limited).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await sut.hit('c', 1, 1)).limited).toBe(false);
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
