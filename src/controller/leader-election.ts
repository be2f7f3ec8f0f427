import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../kube/api-error.js';
import type { Logger } from '../observability/logger.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { decideLease, releasedLease, renewDeadlinePassed, type LeaseRecord } from './leader-decision.js';

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  /** Unique per process (pod name + random suffix). */
  identity: string;
  /** How long a lease is valid without renewal; default 15 s. */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down; default 10 s. */
  renewDeadlineMs?: number;
  /** Time between tries; default 2 s. */
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  logger: Logger;
  clock?: Clock;
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  const time = (value: unknown): string | undefined =>
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : undefined;
  return {
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: time(spec.acquireTime),
    renewTime: time(spec.renewTime),
    leaseTransitions: spec.leaseTransitions,
  };
}

function toSpec(record: LeaseRecord): NonNullable<V1Lease['spec']> {
  // V1MicroTime serializes with six fractional digits; a plain Date's three are rejected by the API server.
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime ? new V1MicroTime(record.acquireTime) : undefined,
    renewTime: record.renewTime ? new V1MicroTime(record.renewTime) : undefined,
    leaseTransitions: record.leaseTransitions,
  };
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with optimistic concurrency on its
 * resourceVersion. Every retry period it creates, acquires or renews the lease according to
 * {@link decideLease}; a leader that cannot renew within the renew deadline steps down;
 * `release()` clears the holder so that a standby takes over at once.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private leading = false;
  private lastRenewMs = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private current: V1Lease | undefined;
  private tick: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying; the first try runs now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops trying and, when leading, releases the lease. */
  async release(): Promise<void> {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    await this.tick;
    if (!this.leading || !this.current) return;
    try {
      const spec = toSpec(releasedLease(toRecord(this.current), this.clock.now()));
      await this.options.api.replaceNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
        body: { ...this.current, spec },
      });
    } catch (error) {
      this.options.logger.warn('could not release the lease; a standby takes over when it expires', { error: String(error) });
    }
    this.setLeading(false);
  }

  /** One acquire-or-renew step; exposed so that tests can drive it without waiting. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, name, namespace, identity } = this.options;
    const duration = this.options.leaseDurationSeconds ?? 15;
    const now = this.clock.now();
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const decision = decideLease(lease ? toRecord(lease) : undefined, identity, now, duration);
      if (decision.action === 'wait') {
        this.current = lease;
        this.setLeading(false);
        return false;
      }
      if (decision.action === 'create') {
        this.current = await api.createNamespacedLease({
          namespace,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: toSpec(decision.spec) },
        });
      } else {
        // replace carries the read resourceVersion: a concurrent writer makes this fail with 409.
        this.current = await api.replaceNamespacedLease({ name, namespace, body: { ...(lease as V1Lease), spec: toSpec(decision.spec) } });
      }
      this.lastRenewMs = now;
      this.setLeading(true);
      return true;
    } catch (error) {
      if (!isConflict(error)) this.options.logger.warn('lease update failed', { error: String(error) });
      if (this.leading && renewDeadlinePassed(this.lastRenewMs, this.clock.now(), this.options.renewDeadlineMs ?? 10_000)) {
        this.options.logger.error('could not renew the lease before the renew deadline; stepping down');
        this.setLeading(false);
      }
      return false;
    }
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.tick = this.tryAcquireOrRenew().then(() => {
        if (this.running) this.schedule(this.options.retryPeriodMs ?? 2000);
      });
    }, ms);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.logger.info(leading ? 'became leader' : 'lost leadership', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity });
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }
}
