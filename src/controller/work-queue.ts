import { KeyBackoff, type KeyBackoffOptions } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.js';

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  clock?: Clock;
  /** Most keys handed out and not yet `done` at once; default unbounded (workers bound it). */
  maxInFlight?: number;
  /** Per-key backoff for `addRateLimited`. */
  backoff?: KeyBackoffOptions;
  /** Overall limit for `addRateLimited`, default 10 per second with a burst of 100. */
  rateLimit?: TokenBucketOptions;
  /** Called with the number of keys waiting to be handed out whenever it changes. */
  onDepth?: (depth: number) => void;
}

/**
 * The controller work queue, with client-go's semantics: a key is queued at most once; a key is
 * never handed out twice at once (adding it while it is processed marks it dirty, and it is
 * queued again when `done`); retries go through per-key exponential backoff combined with an
 * overall token bucket; `addAfter` delays a key (earliest request wins).
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly backoff: KeyBackoff;
  private readonly bucket: TokenBucket;
  private readonly onDepth: (depth: number) => void;

  private readonly order: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { due: number; timer: TimerHandle }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxInFlight = options.maxInFlight ?? Infinity;
    this.backoff = new KeyBackoff(options.backoff);
    this.bucket = new TokenBucket(options.rateLimit ?? { ratePerSecond: 10, burst: 100 }, this.clock);
    this.onDepth = options.onDepth ?? (() => undefined);
  }

  /** Queues `key` now. No-op when it is already queued or the queue is shut down. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.onDepth(this.order.length);
    this.dispatch();
  }

  /** Queues `key` after `ms`. A pending earlier request for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.due <= due) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { due, timer });
  }

  /** Queues `key` after its backoff delay or the rate limit's wait, whichever is longer. */
  addRateLimited(key: string): number {
    const delay = Math.max(this.backoff.next(key), this.bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  /** The backoff delay `key` will get if it fails now (its rate-limit wait aside): what a status can promise. */
  retryDelayMs(key: string): number {
    return this.backoff.peek(key);
  }

  /** Resets the backoff of `key`: call after it was processed successfully. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Failures of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.count(key);
  }

  /** Keys waiting to be handed out. */
  depth(): number {
    return this.order.length;
  }

  /** Keys handed out and not yet done. */
  inFlight(): number {
    return this.processing.size;
  }

  /** Resolves with the next key to process, or `undefined` once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.dispatch();
    });
  }

  /** Marks `key` as processed; a key added meanwhile is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key) && !this.shuttingDown) this.add(key);
    if (this.processing.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.dispatch();
  }

  /** Stops handing out work: waiting `get` calls resolve `undefined`, queued and delayed keys are dropped. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.order.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.onDepth(0);
    this.waiters.splice(0).forEach((resolve) => resolve(undefined));
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves true when no key is in flight any more, false if `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onIdle = (): void => {
        this.clock.clearTimeout(timer);
        resolve(true);
      };
      const timer = this.clock.setTimeout(() => {
        const index = this.idleWaiters.indexOf(onIdle);
        if (index >= 0) this.idleWaiters.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(onIdle);
    });
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.order.length > 0 && this.processing.size < this.maxInFlight) {
      const key = this.order.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.onDepth(this.order.length);
      this.waiters.shift()?.(key);
    }
  }
}
