/**
 * Per-key exponential backoff (client-go's ItemExponentialFailureRateLimiter): 5 ms doubling,
 * capped, with jitter so that many keys failing together (an AWS throttling storm) do not retry
 * in lockstep.
 */

/** Delay before retry number `failures` (0-based): base * 2^failures, never above cap. */
export function exponentialDelayMs(failures: number, baseMs: number, capMs: number): number {
  // 2^failures overflows to Infinity long after the cap is reached; min() keeps it finite.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failures));
}

/**
 * The delay with jitter: spread uniformly over [delay * (1 - jitter), delay] by `random` (0 to 1),
 * so jitter only shortens a delay and the cap still holds. Whole milliseconds, at least 1.
 */
export function jitteredDelayMs(delayMs: number, jitter: number, random: number): number {
  return Math.max(1, Math.round(delayMs * (1 - jitter * random)));
}

/** Options of {@link KeyBackoff}. */
export interface KeyBackoffOptions {
  /** First delay, default 5 ms. */
  baseMs?: number;
  /** Largest delay, default 1000 s (client-go's default, about 15 minutes). */
  capMs?: number;
  /** Fraction of each delay that may be cut at random, 0 to 1; default 0.2. */
  jitter?: number;
  /** Source of randomness (tests pin it); default Math.random. */
  random?: () => number;
}

/**
 * Counts failures per key and turns them into growing delays; `forget` resets a key after
 * success. The next delay of a key is drawn once and kept until used, so `peek` (what a status
 * message promises) and `next` (what the queue then does) agree.
 */
export class KeyBackoff {
  private readonly failures = new Map<string, number>();
  private readonly drawn = new Map<string, number>();
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: KeyBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 5;
    this.capMs = options.capMs ?? 1_000_000;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.random = options.random ?? Math.random;
  }

  /** The delay the next failure of `key` will get (no failure is recorded). */
  peek(key: string): number {
    let delay = this.drawn.get(key);
    if (delay === undefined) {
      delay = jitteredDelayMs(exponentialDelayMs(this.count(key), this.baseMs, this.capMs), this.jitter, this.random());
      this.drawn.set(key, delay);
    }
    return delay;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const delay = this.peek(key);
    this.drawn.delete(key);
    this.failures.set(key, this.count(key) + 1);
    return delay;
  }

  /** Failures recorded for `key` since the last `forget`. */
  count(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
    this.drawn.delete(key);
  }
}
