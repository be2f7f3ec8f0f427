/** The fields of a coordination.k8s.io/v1 Lease spec that leader election reads and writes. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds (MicroTime). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** What to do with the lease now. */
export type LeaseDecision =
  | { action: 'create'; spec: LeaseRecord }
  | { action: 'acquire'; spec: LeaseRecord }
  | { action: 'renew'; spec: LeaseRecord }
  | { action: 'wait'; holder: string; expiresAtMs: number };

/**
 * The lease record as this process last saw it, and when (by its own clock) it saw the record
 * change. Expiry is judged from here, as client-go does: the holder's renewTime was written by
 * the holder's clock, which may be far ahead or behind ours.
 */
export interface LeaseObservation {
  record: LeaseRecord;
  /** Local time at which this record (as it is) was first seen. */
  observedAtMs: number;
}

/** The fields that identify a version of the record; times compared as instants, whatever their precision. */
function recordIdentity(record: LeaseRecord): string {
  const instant = (time: string | undefined): number | null => (time === undefined ? null : Date.parse(time));
  return JSON.stringify([
    record.holderIdentity ?? '',
    record.leaseDurationSeconds ?? null,
    instant(record.acquireTime),
    instant(record.renewTime),
    record.leaseTransitions ?? null,
  ]);
}

/**
 * The observation after reading `record` at `nowMs` (pure): unchanged record, unchanged
 * observation time; any change (a renewal, a new holder) is observed now.
 */
export function observeLease(previous: LeaseObservation | undefined, record: LeaseRecord, nowMs: number): LeaseObservation {
  if (previous && recordIdentity(previous.record) === recordIdentity(record)) return previous;
  return { record, observedAtMs: nowMs };
}

/**
 * When the observed holder's lease runs out by our clock: observation time plus the duration the
 * holder wrote (ours when it wrote none).
 */
export function leaseExpiresAtMs(observation: LeaseObservation, defaultDurationSeconds: number): number {
  return observation.observedAtMs + (observation.record.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Pure leader-election step: given the lease as last observed (undefined when it does not exist),
 * who we are and the local time, decide to create it, take it over (free: empty holder, or not
 * seen to change for its duration), renew our own, or wait. A released lease (empty holder) is
 * taken at once. renewTime is still written, for people and other tools; it decides nothing here.
 */
export function decideLease(
  observation: LeaseObservation | undefined,
  identity: string,
  nowMs: number,
  leaseDurationSeconds: number,
): LeaseDecision {
  const now = microTime(nowMs);
  if (!observation) {
    return {
      action: 'create',
      spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }
  const lease = observation.record;
  const holder = lease.holderIdentity ?? '';
  if (holder === identity) {
    return { action: 'renew', spec: { ...lease, leaseDurationSeconds, renewTime: now } };
  }
  const expiresAtMs = leaseExpiresAtMs(observation, leaseDurationSeconds);
  if (holder === '' || expiresAtMs <= nowMs) {
    return {
      action: 'acquire',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: (lease.leaseTransitions ?? 0) + 1,
      },
    };
  }
  return { action: 'wait', holder, expiresAtMs };
}

/** The spec written on release: no holder, so a standby acquires at its next try instead of waiting out the lease. */
export function releasedLease(lease: LeaseRecord, nowMs: number): LeaseRecord {
  return { ...lease, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(nowMs) };
}

/** True when a leader whose last successful renew was at `lastRenewMs` must step down (renew deadline passed). */
export function renewDeadlinePassed(lastRenewMs: number, nowMs: number, renewDeadlineMs: number): boolean {
  return nowMs - lastRenewMs >= renewDeadlineMs;
}

/**
 * Why this process may not write now, or undefined when it may (pure): only a leader whose last
 * successful renew (local clock) is younger than the renew deadline writes. The deadline is shorter
 * than the lease duration, so a standby, which judges expiry from when it saw the last renewal,
 * cannot have taken over yet.
 */
export function writeRefusal(leading: boolean, lastRenewMs: number, nowMs: number, renewDeadlineMs: number): string | undefined {
  if (!leading) return 'this process does not hold the lease';
  if (renewDeadlinePassed(lastRenewMs, nowMs, renewDeadlineMs)) {
    return `the lease was last renewed ${nowMs - lastRenewMs} ms ago, past the renew deadline of ${renewDeadlineMs} ms`;
  }
  return undefined;
}
