import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import { RateLimitHit, RateLimitStore } from './rate-limit.store.js';

// One atomic round trip: count the hit and start the window on the first one.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { hits, redis.call('PTTL', KEYS[1]) }
`;

/** Longest a request waits on a Redis that is connected but slow, before counting locally. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * Counters in Redis, shared by every instance that uses the same server and prefix. While Redis
 * is away, each instance counts in its own memory instead: limits stay in force, per process,
 * and no request waits on reconnects. Counting goes back to Redis once it is ready again.
 */
export class RedisRateLimitStore extends RateLimitStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisRateLimitStore.name);
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateLimitStore();
  private degraded = false;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    this.redis = new Redis(url, {
      // Commands fail at once while disconnected rather than queue behind reconnects.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // How long a closing socket may take before it is destroyed. ioredis also arms this timer
      // for a socket that had already closed (Redis away at shutdown), and it holds the process
      // open until it fires: its default of 2 s kept Jest from exiting after the unit run.
      disconnectTimeout: COMMAND_TIMEOUT_MS,
    });
    this.redis.on('error', (error: Error) => this.fallBack(error.message));
    this.redis.on('ready', () => {
      if (!this.degraded) return;
      this.degraded = false;
      this.logger.warn('Redis is back: rate limits are shared again');
    });
  }

  /** Gives Redis a moment to connect, so the first requests share counters; never blocks boot. */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, COMMAND_TIMEOUT_MS * 2);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.redis.once('ready', done);
    });
  }

  async hit(key: string, windowMs: number, limit: number): Promise<RateLimitHit> {
    if (this.redis.status !== 'ready') {
      this.fallBack(`connection ${this.redis.status}`);
      return this.fallback.hit(key, windowMs, limit);
    }
    try {
      const [hits, ttlMs] = (await this.redis.eval(HIT, 1, `${this.prefix}${key}`, windowMs)) as [
        number,
        number,
      ];
      return {
        hits,
        retryAfterSeconds: Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowMs) / 1000)),
        limited: hits > limit,
      };
    } catch (error) {
      this.fallBack((error as Error).message);
      return this.fallback.hit(key, windowMs, limit);
    }
  }

  /** Logs once per outage, not once per request. */
  private fallBack(reason: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(`Redis unavailable (${reason}): counting rate limits in this process`);
  }

  async onModuleDestroy(): Promise<void> {
    this.fallback.onModuleDestroy();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
