/** Per-key exponential backoff (client-go's ItemExponentialFailureRateLimiter): 5 ms doubling, capped. */

/** Delay before retry number `failures` (0-based): base * 2^failures, never above cap. */
export function exponentialDelayMs(failures: number, baseMs: number, capMs: number): number {
  // 2^failures overflows to Infinity long after the cap is reached; min() keeps it finite.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failures));
}

/** Options of {@link KeyBackoff}. */
export interface KeyBackoffOptions {
  /** First delay, default 5 ms. */
  baseMs?: number;
  /** Largest delay, default 1000 s (client-go's default, about 15 minutes). */
  capMs?: number;
}

/** Counts failures per key and turns them into growing delays; `forget` resets a key after success. */
export class KeyBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly capMs: number;

  constructor(options: KeyBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 5;
    this.capMs = options.capMs ?? 1_000_000;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const count = this.failures.get(key) ?? 0;
    this.failures.set(key, count + 1);
    return exponentialDelayMs(count, this.baseMs, this.capMs);
  }

  /** Failures recorded for `key` since the last `forget`. */
  count(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
