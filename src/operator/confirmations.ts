/**
 * What a reconcile confirmed in AWS, so that the reconciles an event triggers soon after skip
 * reading it again: a workload's IRSA role read (or created, or corrected) as planned is not read
 * again while its plan is unchanged (same digest) and the confirmation is younger than the TTL.
 * A reconcile the resync queued trusts no confirmation (ReconcileContext.resync), so every resync
 * reads the role and corrects drift made behind the operator's back; the TTL (below the resync
 * period) bounds the trust when resyncs are off or late. Kept in memory only: a restarted or newly
 * elected operator reads everything once.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../controller/clock.js';

const hashOf = (digest: string): string => createHash('sha256').update(digest).digest('base64');

/** Confirmations by key (a role name): the plan's digest, what was confirmed (the ARN), and when. */
export class Confirmations {
  private readonly entries = new Map<string, { digest: string; value: string; at: number }>();
  private sweptAt = 0;

  /** `ttlMs` 0 turns confirmations off: every reconcile reads. */
  constructor(private readonly clock: Pick<Clock, 'now'>, readonly ttlMs: number) {}

  /** The confirmed value when the digest matches and the confirmation is fresh. */
  fresh(key: string, digest: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.digest !== hashOf(digest) || this.clock.now() - entry.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  confirm(key: string, digest: string, value: string): void {
    if (this.ttlMs <= 0) return;
    const now = this.clock.now();
    // Entries of workloads deleted without a reconcile (finalizer removed by hand) go when expired.
    if (this.entries.size > 0 && now - this.sweptAt >= this.ttlMs) {
      for (const [known, entry] of this.entries) if (now - entry.at >= this.ttlMs) this.entries.delete(known);
      this.sweptAt = now;
    }
    // A plan holds whole policy documents: a hash of it is kept, not the text.
    this.entries.set(key, { digest: hashOf(digest), value, at: now });
  }

  /** Forgets a key (the role is being deleted or replaced). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * How long a confirmation or a shared AWS read is trusted, given the resync period: 90% of it
 * (so each resync finds it expired) and never more than `ceilingMs` (pure).
 */
export function trustedForMs(resyncPeriodMs: number, ceilingMs: number): number {
  return Math.max(0, Math.min(ceilingMs, Math.floor(resyncPeriodMs * 0.9)));
}
