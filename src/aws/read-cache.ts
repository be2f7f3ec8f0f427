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

/** One read on its way; marked stale when its key is invalidated meanwhile. */
interface Load<V> {
  promise: Promise<V>;
  stale: boolean;
}

/** Cached reads by key: in flight (shared), or answered at a time. */
export class ReadCache<V> {
  private readonly answered = new Map<string, { value: V; at: number }>();
  /** The read new gets of a key join (the latest, when not stale). */
  private readonly inFlight = new Map<string, Load<V>>();
  /** Every read of a key still on its way, the ones new gets no longer join included. */
  private readonly outstanding = new Map<string, Set<Load<V>>>();
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
    if (flying && !flying.stale) {
      this.counts.hits++;
      return flying.promise;
    }
    this.counts.misses++;
    // The answer is as old as the read's start: a slow read is not fresh for a whole TTL after it.
    const startedAt = this.options.clock.now();
    const entry: Load<V> = { promise: Promise.resolve(undefined as V), stale: false };
    const settle = (): void => {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      const loads = this.outstanding.get(key);
      loads?.delete(entry);
      if (loads?.size === 0) this.outstanding.delete(key);
    };
    entry.promise = load().then(
      (value) => {
        settle();
        // A write landed while this read was on its way: its answer may predate the write.
        if (!entry.stale && (this.options.keep?.(value) ?? true)) this.answered.set(key, { value, at: startedAt });
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    this.inFlight.set(key, entry);
    const loads = this.outstanding.get(key) ?? new Set<Load<V>>();
    loads.add(entry);
    this.outstanding.set(key, loads);
    return entry.promise;
  }

  /** Forgets `key`: the next get reads again, and no read already on its way is kept. */
  invalidate(key: string): void {
    this.answered.delete(key);
    for (const entry of this.outstanding.get(key) ?? []) entry.stale = true;
  }

  /** Forgets every key whose name starts with `prefix`. */
  invalidatePrefix(prefix: string): void {
    const keys = new Set([...this.answered.keys(), ...this.outstanding.keys()].filter((key) => key.startsWith(prefix)));
    keys.forEach((key) => this.invalidate(key));
  }

  /** Drops expired answers (their keys stay out of memory once no one asks). */
  prune(): void {
    const now = this.options.clock.now();
    for (const [key, entry] of this.answered) if (now - entry.at >= this.options.ttlMs) this.answered.delete(key);
  }
}
