import {
  decideLease,
  leaseExpiresAtMs,
  microTime,
  releasedLease,
  renewDeadlinePassed,
} from '../../src/controller/leader-decision.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

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
    const decision = decideLease(lease, 'a', T0 + 2000, 15);
    expect(decision.action).toBe('renew');
    expect(decision).toMatchObject({ spec: { acquireTime: microTime(T0), renewTime: microTime(T0 + 2000), leaseTransitions: 3 } });
  });

  it('waits while another holder is within its lease, and acquires once it expired', () => {
    const lease = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0), leaseTransitions: 1 };
    expect(decideLease(lease, 'a', T0 + 14_999, 15)).toEqual({ action: 'wait', holder: 'b', expiresAtMs: T0 + 15_000 });
    const decision = decideLease(lease, 'a', T0 + 15_000, 15);
    expect(decision).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a', leaseTransitions: 2, acquireTime: microTime(T0 + 15_000) } });
  });

  it('takes over a released lease at once', () => {
    const held = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0), leaseTransitions: 0 };
    const released = releasedLease(held, T0 + 1000);
    expect(released.holderIdentity).toBe('');
    expect(decideLease(released, 'a', T0 + 1001, 15)).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a', leaseTransitions: 1 } });
  });

  it('treats a lease without renew time as expired', () => {
    expect(leaseExpiresAtMs({ holderIdentity: 'b' })).toBe(0);
    expect(decideLease({ holderIdentity: 'b' }, 'a', T0, 15).action).toBe('acquire');
  });
});

describe('renewDeadlinePassed', () => {
  it('is false before the deadline and true from it on', () => {
    expect(renewDeadlinePassed(T0, T0 + 9_999, 10_000)).toBe(false);
    expect(renewDeadlinePassed(T0, T0 + 10_000, 10_000)).toBe(true);
  });
});
