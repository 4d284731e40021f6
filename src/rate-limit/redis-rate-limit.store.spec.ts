import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { freePort } from '../database/embedded-postgres.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

describe(RedisRateLimitStore.name, () => {
  let sut: RedisRateLimitStore | undefined;
  afterEach(async () => {
    await sut?.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('counts in this process at once while Redis is away, and warns once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sut = new RedisRateLimitStore(`redis://127.0.0.1:${await freePort()}`, 'test:');
    await sut.onModuleInit();

    const started = Date.now();
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await sut.hit('k', 60_000, 3));
    expect(Date.now() - started).toBeLessThan(500);
    expect(hits.map((hit) => hit.limited)).toEqual([false, false, false, true]);
    expect(hits[3].hits).toBe(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/counting rate limits in this process/);
  });
});
