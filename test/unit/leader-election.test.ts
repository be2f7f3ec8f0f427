/**
 * LeaderElector on a fake Lease API and a manual clock: expiry judged by local observation time,
 * the renew-deadline timer that steps down while a renew call hangs, and the synchronous write
 * refusal a paused-then-resumed process gets before any of its timers has run.
 */
import type { CoordinationV1Api, CoreV1Api, V1Lease } from '@kubernetes/client-node';
import { ManualClock, type Clock } from '../../src/controller/clock.js';
import { microTime } from '../../src/controller/leader-decision.js';
import { checkLeaseNamespace, LeaderElector, LeaseNamespaceMissingError } from '../../src/controller/leader-election.js';
import { createLogger } from '../../src/observability/logger.js';
import { apiError } from '../support/fakes/fake-kubernetes.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const NAME = 'operator';
const NAMESPACE = 'system';

/** One Lease with optimistic concurrency; `hangWrites` leaves every later create or replace pending forever. */
class FakeLeaseApi {
  lease: V1Lease | undefined;
  hangWrites = false;
  private version = 0;

  async readNamespacedLease(): Promise<V1Lease> {
    if (!this.lease) throw apiError(404, 'NotFound', 'lease not found');
    return structuredClone(this.lease);
  }

  async createNamespacedLease({ body }: { body: V1Lease }): Promise<V1Lease> {
    if (this.hangWrites) return new Promise(() => {});
    if (this.lease) throw apiError(409, 'AlreadyExists', 'lease exists');
    return this.store(body);
  }

  async replaceNamespacedLease({ body }: { body: V1Lease }): Promise<V1Lease> {
    if (this.hangWrites) return new Promise(() => {});
    if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw apiError(409, 'Conflict', 'the object has been modified');
    return this.store(body);
  }

  /** Another holder writes the lease (its own clock's renewTime). */
  writeAsOther(holderIdentity: string, renewTimeMs: number, leaseDurationSeconds = 3): void {
    this.store({ metadata: { name: NAME, namespace: NAMESPACE }, spec: { holderIdentity, leaseDurationSeconds, renewTime: microTime(renewTimeMs) as unknown as Date, leaseTransitions: 1 } });
  }

  private store(body: V1Lease): V1Lease {
    // Stored as JSON, so times come back as strings, as from the API server.
    this.lease = JSON.parse(JSON.stringify({ ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } })) as V1Lease;
    return structuredClone(this.lease);
  }
}

/** A manual clock whose longer timers fire 5 ms before they are due, as a Node timer can by Date.now(). */
class EarlyTimerClock extends ManualClock {
  override setTimeout(callback: () => void, ms: number): ReturnType<Clock['setTimeout']> {
    return super.setTimeout(callback, ms >= 100 ? ms - 5 : ms);
  }
}

/** A manual clock whose time can also jump without firing timers: a paused process that was just resumed. */
class PausableClock implements Clock {
  readonly timers = new ManualClock(T0);
  private skippedMs = 0;

  now(): number {
    return this.timers.now() + this.skippedMs;
  }
  setTimeout(callback: () => void, ms: number): ReturnType<Clock['setTimeout']> {
    return this.timers.setTimeout(callback, ms);
  }
  clearTimeout(handle: ReturnType<Clock['setTimeout']>): void {
    this.timers.clearTimeout(handle);
  }
  /** Moves time on, firing due timers. */
  advance(ms: number): void {
    this.timers.advance(ms);
  }
  /** Moves time on without firing anything yet: the process was paused, and is running again. */
  resumeAfterPause(ms: number): void {
    this.skippedMs += ms;
  }
  /** Then the timers that fell due during the pause run. */
  runOverdueTimers(): void {
    const skipped = this.skippedMs;
    this.skippedMs = 0;
    this.timers.advance(skipped);
  }
}

/** Lets pending promise callbacks (the fake API's answers) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function elector(api: FakeLeaseApi, clock: Clock, identity = 'a') {
  const transitions: string[] = [];
  const leader = new LeaderElector({
    api: api as unknown as CoordinationV1Api,
    namespace: NAMESPACE,
    name: NAME,
    identity,
    leaseDurationSeconds: 3,
    renewDeadlineMs: 2000,
    retryPeriodMs: 500,
    onStartedLeading: () => transitions.push('started'),
    onStoppedLeading: () => transitions.push('stopped'),
    logger: createLogger({ silent: true }),
    clock,
  });
  return { leader, transitions };
}

/** An elector started on a fresh lease, leading after its first try. */
async function startedLeader<C extends Clock & { advance(ms: number): void }>(clock: C) {
  const api = new FakeLeaseApi();
  const { leader, transitions } = elector(api, clock);
  leader.start();
  clock.advance(0);
  await settle();
  return { api, clock, leader, transitions };
}

describe('LeaderElector', () => {
  it('leads after creating the lease and may write until its renew deadline', async () => {
    const api = new FakeLeaseApi();
    const clock = new PausableClock();
    const { leader, transitions } = elector(api, clock);
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    expect(transitions).toEqual(['started']);
    expect(leader.writeRefusal()).toBeUndefined();
    expect(api.lease?.spec?.holderIdentity).toBe('a');
  });

  it('steps down at the renew deadline while a renew call still hangs, and refuses writes from then on', async () => {
    const { api, clock, leader, transitions } = await startedLeader(new PausableClock());
    expect(leader.isLeader()).toBe(true);
    api.hangWrites = true;
    // Renews every 500 ms; each now hangs, so the one-at-a-time tries stop at the first.
    clock.advance(1999);
    await settle();
    expect(leader.isLeader()).toBe(true);
    expect(leader.writeRefusal()).toBeUndefined();
    clock.advance(1);
    expect(transitions).toEqual(['started', 'stopped']);
    expect(leader.writeRefusal()).toBe('this process does not hold the lease');
    // Nothing to release when not leading: a hung try does not hold up the shutdown.
    await leader.release();
  });

  it('steps down even when its deadline timer fires a few milliseconds early (as Node timers can)', async () => {
    const { api, clock, leader, transitions } = await startedLeader(new EarlyTimerClock(T0));
    expect(leader.isLeader()).toBe(true);
    api.hangWrites = true;
    // The deadline timer fires 5 ms before the deadline: not passed yet, so it waits for the rest.
    clock.advance(1995);
    await settle();
    expect(transitions).toEqual(['started']);
    clock.advance(10);
    expect(transitions).toEqual(['started', 'stopped']);
    expect(leader.writeRefusal()).toBe('this process does not hold the lease');
  });

  it('refuses writes at once in a process resumed after a pause past its renew deadline, before any timer runs', async () => {
    const { clock, leader, transitions } = await startedLeader(new PausableClock());
    clock.resumeAfterPause(5000);
    expect(leader.isLeader()).toBe(true);
    expect(leader.writeRefusal()).toBe('the lease was last renewed 5000 ms ago, past the renew deadline of 2000 ms');
    // Then its timers run: the deadline timer steps down.
    clock.runOverdueTimers();
    expect(transitions).toEqual(['started', 'stopped']);
    await leader.release();
  });

  it('does not lead on a renew that succeeded only after its renew deadline', async () => {
    const api = new FakeLeaseApi();
    const clock = new PausableClock();
    const { leader, transitions } = elector(api, clock);
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    // The read is answered after a 2.5 s pause; the write then succeeds (nobody took the lease).
    const read = api.readNamespacedLease.bind(api);
    api.readNamespacedLease = async () => {
      clock.resumeAfterPause(2500);
      return read();
    };
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    expect(transitions).toEqual(['started', 'stopped']);
    expect(leader.writeRefusal()).toBe('this process does not hold the lease');
  });

  it('takes over from a holder whose clock is an hour ahead once its lease has not changed for its duration here', async () => {
    const api = new FakeLeaseApi();
    const clock = new PausableClock();
    api.writeAsOther('b', T0 + 3_600_000);
    const { leader } = elector(api, clock);
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    clock.advance(2999);
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    clock.advance(1);
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 2 });
  });

  it('never takes over from a holder whose clock is an hour behind while it keeps renewing', async () => {
    const api = new FakeLeaseApi();
    const clock = new PausableClock();
    const { leader } = elector(api, clock);
    for (let renewal = 0; renewal < 10; renewal++) {
      api.writeAsOther('b', T0 - 3_600_000 + clock.now() - T0);
      expect(await leader.tryAcquireOrRenew()).toBe(false);
      clock.advance(1000);
    }
    expect(api.lease?.spec?.holderIdentity).toBe('b');
  });
});

describe('checkLeaseNamespace', () => {
  /** A Lease API and a Namespace API that record calls and answer as told. */
  function apis(read: () => unknown, createNamespace: () => unknown): { leases: CoordinationV1Api; namespaces: CoreV1Api; calls: string[] } {
    const calls: string[] = [];
    const leases = { readNamespacedLease: async (param: { namespace: string }) => (calls.push(`read lease in ${param.namespace}`), read()) } as unknown as CoordinationV1Api;
    const namespaces = {
      createNamespace: async (param: { dryRun?: string; body: { metadata: { name: string } } }) => (calls.push(`create namespace ${param.body.metadata.name} dryRun=${param.dryRun}`), createNamespace()),
    } as unknown as CoreV1Api;
    return { leases, namespaces, calls };
  }
  const answer = (code: number, reason: string) => (): never => {
    throw apiError(code, reason, reason);
  };

  it('accepts a namespace whose Lease can be read, with one read', async () => {
    const { leases, namespaces, calls } = apis(() => ({}), answer(500, 'InternalError'));
    await checkLeaseNamespace(leases, namespaces, 'ops', 'lease');
    expect(calls).toEqual(['read lease in ops']);
  });

  it('asks the namespace itself when the Lease cannot be read (missing, or forbidden as in a cluster): a dry-run create', async () => {
    for (const lease of [answer(404, 'NotFound'), answer(403, 'Forbidden')]) {
      const exists = apis(lease, answer(409, 'AlreadyExists'));
      await checkLeaseNamespace(exists.leases, exists.namespaces, 'ops', 'lease');
      expect(exists.calls).toEqual(['read lease in ops', 'create namespace ops dryRun=All']);
      const missing = apis(lease, () => ({}));
      await expect(checkLeaseNamespace(missing.leases, missing.namespaces, 'gone', 'lease')).rejects.toEqual(new LeaseNamespaceMissingError('gone'));
    }
    const missing = apis(answer(403, 'Forbidden'), () => ({}));
    await expect(checkLeaseNamespace(missing.leases, missing.namespaces, 'gone', 'lease')).rejects.toThrow('the leader-election namespace "gone" does not exist');
  });

  it('leaves any other answer of the namespace to the elector, which reports it on every try', async () => {
    for (const refusal of [answer(403, 'Forbidden'), answer(500, 'InternalError')]) {
      const { leases, namespaces } = apis(answer(404, 'NotFound'), refusal);
      await expect(checkLeaseNamespace(leases, namespaces, 'ops', 'lease')).resolves.toBeUndefined();
    }
  });
});
