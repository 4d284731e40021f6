import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rateLimitBucket';

/**
 * `login`: attempts per client IP and login name. `auth`: requests per client IP.
 * `second-factor`: code checks, counted with the login attempts of the client IP (they name no
 * login). Routes without this decorator are not rate-limited.
 */
export type RateLimitBucket = 'login' | 'auth' | 'second-factor';

export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);
