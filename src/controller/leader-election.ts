import { V1MicroTime, type CoordinationV1Api, type CoreV1Api, type V1Lease } from '@kubernetes/client-node';
import { describeKubeError, isConflict, isNotFound } from '../kube/api-error.js';
import type { Logger } from '../observability/logger.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { decideLease, observeLease, releasedLease, renewDeadlinePassed, writeRefusal, type LeaseObservation, type LeaseRecord } from './leader-decision.js';

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  /** Unique per process (pod name + random suffix). */
  identity: string;
  /** How long a lease is valid without renewal; default 15 s. */
  leaseDurationSeconds?: number;
  /**
   * A leader that has not renewed for this long steps down, even while a renew call is still
   * pending, and writes nothing more from then on; default 10 s.
   */
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

/** The Lease's namespace does not exist: no replica could ever lead, so the operator does not start. */
export class LeaseNamespaceMissingError extends Error {
  override readonly name = 'LeaseNamespaceMissing';

  constructor(readonly namespace: string) {
    super(`the leader-election namespace "${namespace}" does not exist`);
  }
}

/**
 * Throws {@link LeaseNamespaceMissingError} when the Lease's namespace does not exist. A Lease
 * that can be read proves the namespace. Otherwise the namespace itself is asked, with a dry-run
 * create (nothing is stored): 409 means it exists, success that it does not. Not the Lease: in a
 * cluster the operator's Role exists only in its own namespace, so for any other one RBAC answers
 * 403 before the namespace could answer 404; the ClusterRole may create namespaces (Fargate
 * logging's aws-observability). Any other answer is left to the elector, which reports it.
 */
export async function checkLeaseNamespace(leases: CoordinationV1Api, namespaces: CoreV1Api, namespace: string, name: string): Promise<void> {
  try {
    await leases.readNamespacedLease({ name, namespace });
    return;
  } catch {
    // Missing, or not readable from here: the namespace itself says.
  }
  try {
    await namespaces.createNamespace({ dryRun: 'All', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  } catch {
    // 409 AlreadyExists: it exists. Anything else (403, a webhook): not ours to decide.
    return;
  }
  throw new LeaseNamespaceMissingError(namespace);
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with optimistic concurrency on its
 * resourceVersion. Every retry period it creates, acquires or renews the lease according to
 * {@link decideLease}, judging another holder's expiry by when this process saw the lease change
 * (its own clock), not by the renewTime the holder's clock wrote. A leader steps down when its
 * renew deadline passes without a successful renew, by a timer: a renew call that hangs, or a
 * process that was paused, does not keep it leading. `writeRefusal()` is the synchronous check
 * the write gate makes before every write; `release()` clears the holder so that a standby takes
 * over at once.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private leading = false;
  private lastRenewMs = 0;
  private timer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private running = false;
  /** Set by release(): a try still in flight then starts nothing. */
  private released = false;
  private current: V1Lease | undefined;
  private observed: LeaseObservation | undefined;
  private tick: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Why this process may not write now (not leading, or its last successful renew is older than
   * the renew deadline by the local clock), or undefined when it may. Synchronous, so that it can
   * be asked right before a request is sent: a process resumed after a pause is refused before any
   * timer has run.
   */
  writeRefusal(): string | undefined {
    return writeRefusal(this.leading, this.lastRenewMs, this.clock.now(), this.renewDeadlineMs());
  }

  /** Starts trying; the first try runs now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.released = false;
    this.schedule(0);
  }

  /** Stops trying and, when leading, releases the lease. */
  async release(): Promise<void> {
    this.running = false;
    this.released = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    // Not leading: nothing to release, and a renew call that hangs must not hold up the shutdown.
    if (!this.leading) return;
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
      this.options.logger.warn('could not release the lease; a standby takes over when it expires', { error: describeKubeError(error) });
    }
    this.setLeading(false);
  }

  /** One acquire-or-renew step; exposed so that tests can drive it without waiting. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, name, namespace, identity } = this.options;
    const duration = this.options.leaseDurationSeconds ?? 15;
    // Taken before the read: the renew deadline counts from before the write could land.
    const now = this.clock.now();
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      this.observed = lease ? observeLease(this.observed, toRecord(lease), this.clock.now()) : undefined;
      const decision = decideLease(this.observed, identity, this.clock.now(), duration);
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
      this.observed = { record: decision.spec, observedAtMs: this.clock.now() };
      // A write that succeeded only after its own renew deadline (a hung call, a pause) leads to
      // nothing: the deadline counts from before the read, and it has passed.
      if (renewDeadlinePassed(now, this.clock.now(), this.renewDeadlineMs())) {
        if (this.leading) this.stepDown();
        return false;
      }
      this.lastRenewMs = now;
      this.armRenewDeadline();
      this.setLeading(true);
      return true;
    } catch (error) {
      if (!isConflict(error)) this.options.logger.warn('lease update failed', { error: describeKubeError(error) });
      if (this.leading && renewDeadlinePassed(this.lastRenewMs, this.clock.now(), this.renewDeadlineMs())) this.stepDown();
      return false;
    }
  }

  private renewDeadlineMs(): number {
    return this.options.renewDeadlineMs ?? 10_000;
  }

  /**
   * Steps down at the renew deadline unless a renew succeeds before it (each success re-arms it).
   * A timer can fire a few milliseconds early by the clock it is judged with (Node measures from
   * its loop's cached time): then it waits again for the rest, rather than never stepping down.
   */
  private armRenewDeadline(): void {
    if (this.deadlineTimer) this.clock.clearTimeout(this.deadlineTimer);
    const deadlineMs = this.lastRenewMs + this.renewDeadlineMs();
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (!this.leading) return;
      if (renewDeadlinePassed(this.lastRenewMs, this.clock.now(), this.renewDeadlineMs())) this.stepDown();
      else this.armRenewDeadline();
    }, Math.max(1, deadlineMs - this.clock.now()));
  }

  private stepDown(): void {
    this.options.logger.error('could not renew the lease before the renew deadline; stepping down', { renewDeadlineMs: this.renewDeadlineMs(), sinceLastRenewMs: this.clock.now() - this.lastRenewMs });
    this.setLeading(false);
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
    // A try that was in flight when release() stopped the elector does not start leading.
    if (leading && this.released) return;
    this.leading = leading;
    if (!leading && this.deadlineTimer) {
      this.clock.clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
    this.options.logger.info(leading ? 'became leader' : 'lost leadership', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity });
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }
}
