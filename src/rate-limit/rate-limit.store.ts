export interface RateLimitHit {
  /** Hits counted in the current window, this one included. */
  hits: number;
  /** Seconds until the window (or the block past the limit) ends. */
  retryAfterSeconds: number;
  limited: boolean;
}

/**
 * Fixed-window counters. Past the limit, a key stays limited until its window ends.
 * Implementations: in this process, or in Redis to share the counters between instances.
 */
export abstract class RateLimitStore {
  abstract hit(key: string, windowMs: number, limit: number): Promise<RateLimitHit>;
}
