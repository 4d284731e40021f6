import { OnModuleDestroy } from '@nestjs/common';
import { RateLimitHit, RateLimitStore } from './rate-limit.store.js';

const SWEEP_EVERY_MS = 60_000;

/** Counters in this process only (no REDIS_URL). */
export class MemoryRateLimitStore extends RateLimitStore implements OnModuleDestroy {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();

  hit(key: string, windowMs: number, limit: number): Promise<RateLimitHit> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return Promise.resolve({
      hits: window.hits,
      retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
      limited: window.hits > limit,
    });
  }

  private sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
