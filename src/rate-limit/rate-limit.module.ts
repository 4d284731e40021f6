import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import type { Environment } from '../config/environment.js';
import { AddressRateLimiter } from './address-rate-limiter.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

@Module({
  imports: [SecurityEventsModule],
  providers: [
    {
      provide: RateLimitStore,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const url = config.get('REDIS_URL', { infer: true });
        return url
          ? new RedisRateLimitStore(url, config.get('REDIS_KEY_PREFIX', { infer: true }))
          : new MemoryRateLimitStore();
      },
    },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    AddressRateLimiter,
  ],
  exports: [AddressRateLimiter],
})
export class RateLimitModule {}
