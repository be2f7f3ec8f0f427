import type { Clock } from './clock.js';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many tokens may be spent at once. */
  burst: number;
}

/**
 * An overall rate limit (client-go's BucketRateLimiter). `reserve()` always takes a token and
 * returns how long the caller must wait for it, so callers schedule instead of blocking.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {
    this.tokens = options.burst;
    this.updatedAt = clock.now();
  }

  /** Takes one token; returns 0 when one was available, otherwise the wait in ms until it is. */
  reserve(): number {
    const now = this.clock.now();
    const refill = ((now - this.updatedAt) / 1000) * this.options.ratePerSecond;
    this.tokens = Math.min(this.options.burst, this.tokens + refill);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // Tokens can go negative: each waiter owns a later slot, so waits grow by 1/rate each.
    return Math.ceil((-this.tokens / this.options.ratePerSecond) * 1000);
  }
}
