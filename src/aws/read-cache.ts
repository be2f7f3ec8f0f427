/**
 * A cache of AWS reads that many reconciles share (the network of a cluster's subnets, a Shared
 * Fargate profile): concurrent reads of one key make one call, and an answer is kept for a
 * time-to-live, so that a thousand workloads on three subnets cost one preflight, not a thousand.
 * Failed reads are not kept. Writes through the operator drop the key at once (invalidate); a
 * change made outside the operator is seen when the answer expires, which is never later than the
 * next resync when the TTL is below the resync period.
 */
import type { Clock } from '../controller/clock.js';

/** How long an answer may be kept; `keep` can refuse an answer (a profile in transition is read afresh). */
export interface ReadCacheOptions<V> {
  ttlMs: number;
  clock: Pick<Clock, 'now'>;
  keep?: (value: V) => boolean;
}

/** Cached reads by key: in flight (shared), or answered at a time. */
export class ReadCache<V> {
  private readonly answered = new Map<string, { value: V; at: number }>();
  private readonly inFlight = new Map<string, { promise: Promise<V>; generation: number }>();
  /** Bumped by every invalidation of a key: a read started before it is not kept. */
  private readonly generations = new Map<string, number>();
  /** Reads made (misses) and answers served from the cache (hits), for metrics and tests. */
  readonly counts = { hits: 0, misses: 0 };

  constructor(private readonly options: ReadCacheOptions<V>) {}

  /** The cached answer for `key` when fresh, the read in flight, or a new read by `load`. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.answered.get(key);
    if (cached && this.options.clock.now() - cached.at < this.options.ttlMs) {
      this.counts.hits++;
      return Promise.resolve(cached.value);
    }
    const flying = this.inFlight.get(key);
    if (flying && flying.generation === this.generationOf(key)) {
      this.counts.hits++;
      return flying.promise;
    }
    this.counts.misses++;
    const generation = this.generationOf(key);
    const promise = load().then(
      (value) => {
        if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
        // A write landed while this read was on its way: its answer may predate the write.
        if (generation === this.generationOf(key) && (this.options.keep?.(value) ?? true)) this.answered.set(key, { value, at: this.options.clock.now() });
        return value;
      },
      (error: unknown) => {
        if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, { promise, generation });
    return promise;
  }

  /** Forgets `key`: the next get reads again, and a read already on its way is not kept. */
  invalidate(key: string): void {
    this.answered.delete(key);
    this.generations.set(key, this.generationOf(key) + 1);
  }

  /** Forgets every key whose name starts with `prefix`. */
  invalidatePrefix(prefix: string): void {
    const keys = new Set([...this.answered.keys(), ...this.inFlight.keys()].filter((key) => key.startsWith(prefix)));
    keys.forEach((key) => this.invalidate(key));
  }

  /** Drops expired answers (their keys stay out of memory once no one asks). */
  prune(): void {
    const now = this.options.clock.now();
    for (const [key, entry] of this.answered) if (now - entry.at >= this.options.ttlMs) this.answered.delete(key);
    for (const key of this.generations.keys()) if (!this.answered.has(key) && !this.inFlight.has(key)) this.generations.delete(key);
  }

  private generationOf(key: string): number {
    return this.generations.get(key) ?? 0;
  }
}
