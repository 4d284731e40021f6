import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
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

    const redis = (sut as unknown as { redis: Redis }).redis;
    const evalCalls = jest.spyOn(redis, 'eval');
    // "At once": each answer comes before the event loop's next turn, so it waited on no socket,
    // reconnect or command timeout; and no command was even tried.
    const nextTurn = () =>
      new Promise<'next turn'>((resolve) => setImmediate(resolve, 'next turn'));
    const hits = [];
    for (let i = 0; i < 4; i++) {
      const hit = await Promise.race([sut.hit('k', 60_000, 3), nextTurn()]);
      if (hit === 'next turn') throw new Error(`hit ${i + 1} waited for the event loop`);
      hits.push(hit);
    }
    expect(evalCalls).not.toHaveBeenCalled();
    expect(hits.map((hit) => hit.limited)).toEqual([false, false, false, true]);
    expect(hits[3].hits).toBe(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/counting rate limits in this process/);
  });
});
