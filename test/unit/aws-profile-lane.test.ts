import { beforeEach, describe, expect, it } from '@jest/globals';
import { blockerFromMessage, ProfileLane } from '../../src/aws/profile-lane.js';

const C = 'prod';
let clock = 0;
let lane: ProfileLane;

beforeEach(() => {
  clock = 1_000;
  lane = new ProfileLane({
    now: () => clock,
    creatingRequeueMs: 5_000,
    deletingRequeueMs: 10_000,
    queuedRequeueMs: 1_000,
    waiterTtlMs: 60_000,
    grantTtlMs: 120_000,
    observationMaxAgeMs: 5_000,
  });
});

describe('ProfileLane', () => {
  it('grants nothing on a cluster it has never observed (after a restart memory is not trusted)', () => {
    expect(lane.needsObservation(C)).toBe(true);
    expect(lane.requestCreate(C, 'fw-a', 'shop/a')).toEqual({ granted: false, reason: 'unobserved', position: 0, requeueAfterMs: 0 });
    lane.observe(C, []);
    expect(lane.needsObservation(C)).toBe(false);
    expect(lane.requestCreate(C, 'fw-a', 'shop/a')).toEqual({ granted: true });
  });

  it('keeps one operation in flight per cluster and says what others wait behind, with their position', () => {
    lane.observe(C, []);
    expect(lane.requestCreate(C, 'fw-a', 'shop/a').granted).toBe(true);
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toEqual({
      granted: false,
      reason: 'in-flight',
      waitingBehind: { profile: 'fw-a', status: 'CREATING' },
      position: 1,
      requeueAfterMs: 5_000,
    });
    expect(lane.requestDelete(C, 'fw-old', 'shop/old')).toMatchObject({ granted: false, position: 2 });
    // Asking again keeps the place in line.
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toMatchObject({ granted: false, position: 1 });
    // Other clusters have their own lane.
    lane.observe('staging', []);
    expect(lane.requestCreate('staging', 'fw-a', 'shop/a').granted).toBe(true);
  });

  it('serves waiters first come, first served once the operation completes', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.requestCreate(C, 'fw-b', 'shop/b');
    lane.requestCreate(C, 'fw-c', 'shop/c');
    const next = lane.complete(C, 'fw-a');
    expect(next).toMatchObject({ profile: 'fw-b', owners: ['shop/b'], operation: 'create' });
    // The lane is free, but fw-b asked first.
    expect(lane.requestCreate(C, 'fw-c', 'shop/c')).toEqual({
      granted: false,
      reason: 'queued',
      waitingBehind: { profile: 'fw-b', status: 'CREATING' },
      position: 2,
      requeueAfterMs: 1_000,
    });
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toEqual({ granted: true });
    expect(lane.complete(C, 'fw-b')).toMatchObject({ profile: 'fw-c' });
    expect(lane.requestCreate(C, 'fw-c', 'shop/c')).toEqual({ granted: true });
  });

  it('a second owner asking for the profile already being created waits for it without being queued', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-shared', 'shop/a');
    expect(lane.requestCreate(C, 'fw-shared', 'blog/b')).toEqual({
      granted: false,
      reason: 'in-flight',
      waitingBehind: { profile: 'fw-shared', status: 'CREATING' },
      position: 0,
      requeueAfterMs: 5_000,
    });
    expect(lane.snapshot(C).queue).toEqual([]);
  });

  it('two owners waiting for the same operation share one place in line', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.requestCreate(C, 'fw-shared', 'shop/x');
    expect(lane.requestCreate(C, 'fw-shared', 'blog/y')).toMatchObject({ position: 1 });
    expect(lane.snapshot(C).queue).toEqual([expect.objectContaining({ profile: 'fw-shared', owners: ['shop/x', 'blog/y'] })]);
  });

  it('rebuilds from observed state: any profile CREATING or DELETING blocks, whoever started it', () => {
    lane.observe(C, [
      { name: 'fw-x', status: 'ACTIVE' },
      { name: 'fw-y', status: 'DELETING' },
    ]);
    expect(lane.requestCreate(C, 'fw-a', 'shop/a')).toMatchObject({
      granted: false,
      reason: 'in-flight',
      waitingBehind: { profile: 'fw-y', status: 'DELETING' },
      requeueAfterMs: 10_000,
    });
    expect(lane.snapshot(C).inFlight).toMatchObject({ profile: 'fw-y', source: 'observed' });
    // fw-y is gone: the next observation frees the lane.
    lane.observe(C, [{ name: 'fw-x', status: 'ACTIVE' }]);
    expect(lane.requestCreate(C, 'fw-a', 'shop/a')).toEqual({ granted: true });
  });

  it.each(['ACTIVE', 'CREATE_FAILED'])('a granted create ends when an observation shows it %s', (status) => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.observe(C, [{ name: 'fw-a', status: 'CREATING' }]);
    expect(lane.snapshot(C).inFlight).toMatchObject({ profile: 'fw-a', status: 'CREATING', owner: 'shop/a' });
    lane.observe(C, [{ name: 'fw-a', status }]);
    expect(lane.snapshot(C).inFlight).toBeUndefined();
  });

  it('a granted create is not ended by an observation taken before its call landed', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.observe(C, []);
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toMatchObject({ granted: false, waitingBehind: { profile: 'fw-a' } });
  });

  it('a granted delete ends when the profile is gone or DELETE_FAILED, not while it is still ACTIVE', () => {
    lane.observe(C, [{ name: 'fw-a', status: 'ACTIVE' }]);
    expect(lane.requestDelete(C, 'fw-a', 'shop/a').granted).toBe(true);
    lane.observe(C, [{ name: 'fw-a', status: 'ACTIVE' }]);
    expect(lane.snapshot(C).inFlight).toMatchObject({ profile: 'fw-a', status: 'DELETING' });
    lane.observe(C, []);
    expect(lane.snapshot(C).inFlight).toBeUndefined();

    lane.observe(C, [{ name: 'fw-b', status: 'ACTIVE' }]);
    lane.requestDelete(C, 'fw-b', 'shop/b');
    lane.observe(C, [{ name: 'fw-b', status: 'DELETE_FAILED' }]);
    expect(lane.snapshot(C).inFlight).toBeUndefined();
  });

  it('complete frees the lane only for the profile that holds it', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.complete(C, 'fw-other');
    expect(lane.snapshot(C).inFlight).toMatchObject({ profile: 'fw-a' });
    lane.complete(C, 'fw-a');
    expect(lane.snapshot(C).inFlight).toBeUndefined();
  });

  it('ResourceInUse marks the lane busy with the blocker, requeues the requester at the head and wants an observation', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-c', 'shop/c');
    lane.complete(C, 'fw-c');
    lane.requestCreate(C, 'fw-b', 'shop/b');
    const decision = lane.resourceInUse(
      C,
      'create',
      'fw-b',
      'shop/b',
      'Cannot create Fargate Profile fw-b because cluster prod currently has Fargate profile fw-ext in status DELETING',
    );
    expect(decision).toEqual({
      granted: false,
      reason: 'in-flight',
      waitingBehind: { profile: 'fw-ext', status: 'DELETING' },
      position: 1,
      requeueAfterMs: 10_000,
    });
    expect(lane.needsObservation(C)).toBe(true);
    expect(lane.requestCreate(C, 'fw-d', 'shop/d')).toMatchObject({ granted: false, reason: 'unobserved' });
    lane.observe(C, []);
    expect(lane.requestCreate(C, 'fw-d', 'shop/d')).toMatchObject({ granted: false, reason: 'queued', position: 2 });
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toEqual({ granted: true });
  });

  it('asks for a new observation once the last one is older than the limit', () => {
    lane.observe(C, []);
    clock += 5_000;
    expect(lane.needsObservation(C)).toBe(false);
    clock += 1;
    expect(lane.needsObservation(C)).toBe(true);
  });

  it('while a profile it did not grant is in flight, an observation is old after one requeue interval', () => {
    const quick = new ProfileLane({ now: () => clock, creatingRequeueMs: 250, observationMaxAgeMs: 60_000 });
    quick.observe(C, [{ name: 'fw-ext', status: 'CREATING' }]);
    clock += 250;
    expect(quick.needsObservation(C)).toBe(false);
    clock += 1;
    expect(quick.needsObservation(C)).toBe(true);
    quick.observe(C, [{ name: 'fw-ext', status: 'ACTIVE' }]);
    clock += 1_000;
    expect(quick.needsObservation(C)).toBe(false);
  });

  it('drops waiters that stopped asking, and withdrawn ones', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    lane.requestCreate(C, 'fw-gone', 'shop/gone');
    clock += 30_000;
    lane.requestCreate(C, 'fw-b', 'shop/b');
    lane.requestCreate(C, 'fw-c', 'shop/c');
    lane.withdraw(C, 'shop/c');
    clock += 31_000;
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toMatchObject({ position: 1 });
    expect(lane.snapshot(C).queue.map((w) => w.profile)).toEqual(['fw-b']);
  });

  it('drops a grant that no observation confirmed within its time to live (its caller crashed)', () => {
    lane.observe(C, []);
    lane.requestCreate(C, 'fw-a', 'shop/a');
    clock += 120_001;
    lane.observe(C, []);
    expect(lane.requestCreate(C, 'fw-b', 'shop/b')).toEqual({ granted: true });
  });
});

describe('blockerFromMessage', () => {
  it('reads the profile and status EKS names', () => {
    expect(
      blockerFromMessage('Cannot create Fargate Profile b because cluster c currently has Fargate profile a in status CREATING'),
    ).toEqual({ profile: 'a', status: 'CREATING' });
    expect(blockerFromMessage('Cannot delete Fargate Profile b because cluster c currently has Fargate profile fw-shared-3f2a in status DELETING')).toEqual({
      profile: 'fw-shared-3f2a',
      status: 'DELETING',
    });
    expect(blockerFromMessage('Cluster is busy')).toBeUndefined();
  });
});
