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

/** When the current holder's lease runs out (renewTime + duration); 0 when it has no renew time. */
export function leaseExpiresAtMs(lease: LeaseRecord): number {
  const renewed = lease.renewTime ? Date.parse(lease.renewTime) : NaN;
  if (Number.isNaN(renewed)) return 0;
  return renewed + (lease.leaseDurationSeconds ?? 0) * 1000;
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Pure leader-election step: given the lease as read (undefined when it does not exist), who we
 * are and the time, decide to create it, take it over (free: empty holder, or expired), renew our
 * own, or wait. A released lease (empty holder) is taken at once.
 */
export function decideLease(
  lease: LeaseRecord | undefined,
  identity: string,
  nowMs: number,
  leaseDurationSeconds: number,
): LeaseDecision {
  const now = microTime(nowMs);
  if (!lease) {
    return {
      action: 'create',
      spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }
  const holder = lease.holderIdentity ?? '';
  if (holder === identity) {
    return { action: 'renew', spec: { ...lease, leaseDurationSeconds, renewTime: now } };
  }
  const expiresAtMs = leaseExpiresAtMs(lease);
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
