import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { AddressRateLimiter } from './address-rate-limiter.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimitStore } from './rate-limit.store.js';

@Module({
  imports: [SecurityEventsModule],
  providers: [
    {
      provide: RateLimitStore,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<Environment, true>): Promise<RateLimitStore> => {
        const url = config.get('REDIS_URL', { infer: true });
        if (!url) return new MemoryRateLimitStore();
        // ioredis (about 6 MB resident) is loaded only by the instances that use it.
        const { RedisRateLimitStore } = await import('./redis-rate-limit.store.js');
        return new RedisRateLimitStore(url, config.get('REDIS_KEY_PREFIX', { infer: true }));
      },
    },
    // Registered as a global guard by AppModule, where the order of the guards is decided.
    RateLimitGuard,
    AddressRateLimiter,
  ],
  exports: [AddressRateLimiter, RateLimitGuard],
})
export class RateLimitModule {}
