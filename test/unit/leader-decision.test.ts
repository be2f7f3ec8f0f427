import {
  decideLease,
  leaseExpiresAtMs,
  microTime,
  observeLease,
  releasedLease,
  renewDeadlinePassed,
  writeRefusal,
  type LeaseRecord,
} from '../../src/controller/leader-decision.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const HOUR_MS = 3_600_000;

/** What a standby sees when it reads `record` at each of `readsAtMs` in turn (local clock). */
function observedAcross(records: LeaseRecord[], readsAtMs: number[]) {
  return records.reduce<ReturnType<typeof observeLease> | undefined>((previous, record, i) => observeLease(previous, record, readsAtMs[i]!), undefined);
}

describe('decideLease', () => {
  it('creates a missing lease, holding it with zero transitions', () => {
    const decision = decideLease(undefined, 'a', T0, 15);
    expect(decision).toEqual({
      action: 'create',
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2025-01-01T00:00:00.000000Z',
        renewTime: '2025-01-01T00:00:00.000000Z',
        leaseTransitions: 0,
      },
    });
  });

  it('renews its own lease, keeping acquireTime and transitions', () => {
    const lease = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 3 };
    const decision = decideLease({ record: lease, observedAtMs: T0 }, 'a', T0 + 2000, 15);
    expect(decision.action).toBe('renew');
    expect(decision).toMatchObject({ spec: { acquireTime: microTime(T0), renewTime: microTime(T0 + 2000), leaseTransitions: 3 } });
  });

  it('waits while another holder is within its lease as observed here, and acquires once it expired', () => {
    const lease = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0), leaseTransitions: 1 };
    const observation = { record: lease, observedAtMs: T0 + 400 };
    expect(decideLease(observation, 'a', T0 + 15_399, 15)).toEqual({ action: 'wait', holder: 'b', expiresAtMs: T0 + 15_400 });
    const decision = decideLease(observation, 'a', T0 + 15_400, 15);
    expect(decision).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a', leaseTransitions: 2, acquireTime: microTime(T0 + 15_400) } });
  });

  it('takes over a released lease at once', () => {
    const held = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0), leaseTransitions: 0 };
    const released = releasedLease(held, T0 + 1000);
    expect(released.holderIdentity).toBe('');
    expect(decideLease({ record: released, observedAtMs: T0 + 1001 }, 'a', T0 + 1001, 15)).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a', leaseTransitions: 1 } });
  });

  it('uses the duration the holder wrote, else its own', () => {
    expect(leaseExpiresAtMs({ record: { holderIdentity: 'b', leaseDurationSeconds: 3 }, observedAtMs: T0 }, 15)).toBe(T0 + 3000);
    expect(leaseExpiresAtMs({ record: { holderIdentity: 'b' }, observedAtMs: T0 }, 15)).toBe(T0 + 15_000);
  });

  it('does not take over from a holder whose clock is an hour behind while it keeps renewing', () => {
    // Its renewTimes are an hour old by our clock: judged by them, the lease would look long expired.
    const renewals = [0, 2000, 4000, 6000].map((at) => ({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0 - HOUR_MS + at) }));
    const reads = [T0, T0 + 2000, T0 + 4000, T0 + 6000];
    const observation = observedAcross(renewals, reads);
    expect(observation?.observedAtMs).toBe(T0 + 6000);
    expect(decideLease(observation, 'a', T0 + 6000, 15)).toEqual({ action: 'wait', holder: 'b', expiresAtMs: T0 + 21_000 });
  });

  it('takes over from a holder whose clock is an hour ahead once it stops renewing, not an hour later', () => {
    const record = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0 + HOUR_MS) };
    // The same record read again and again: it was observed first at T0.
    const observation = observedAcross([record, { ...record }, { ...record }], [T0, T0 + 5000, T0 + 15_000]);
    expect(observation?.observedAtMs).toBe(T0);
    expect(decideLease(observation, 'a', T0 + 15_000, 15)).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a' } });
  });
});

describe('observeLease', () => {
  const record = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 1 };

  it('keeps the first observation time while the record stays the same, whatever the time precision', () => {
    const first = observeLease(undefined, record, T0 + 10);
    // The API server returns MicroTime; the client may parse it to milliseconds.
    const reread = { ...record, renewTime: new Date(T0).toISOString() };
    expect(observeLease(first, reread, T0 + 900)).toBe(first);
  });

  it('observes any change of the record anew', () => {
    const first = observeLease(undefined, record, T0);
    for (const changed of [{ renewTime: microTime(T0 + 1) }, { holderIdentity: 'c' }, { leaseTransitions: 2 }, { leaseDurationSeconds: 5 }]) {
      expect(observeLease(first, { ...record, ...changed }, T0 + 500)).toEqual({ record: { ...record, ...changed }, observedAtMs: T0 + 500 });
    }
  });
});

describe('renewDeadlinePassed', () => {
  it('is false before the deadline and true from it on', () => {
    expect(renewDeadlinePassed(T0, T0 + 9_999, 10_000)).toBe(false);
    expect(renewDeadlinePassed(T0, T0 + 10_000, 10_000)).toBe(true);
  });
});

describe('writeRefusal', () => {
  it('lets a leader write until its renew deadline, and refuses from then on, or when not leading', () => {
    expect(writeRefusal(true, T0, T0 + 1999, 2000)).toBeUndefined();
    expect(writeRefusal(true, T0, T0 + 2000, 2000)).toBe('the lease was last renewed 2000 ms ago, past the renew deadline of 2000 ms');
    expect(writeRefusal(false, T0, T0 + 1, 2000)).toBe('this process does not hold the lease');
  });
});
