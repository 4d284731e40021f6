import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rateLimitBucket';

/**
 * `login`: attempts per client IP and login name. `auth`: requests per client IP.
 * Routes without this decorator are not rate-limited.
 */
export type RateLimitBucket = 'login' | 'auth';

export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);
