import { ManualClock } from '../../src/controller/clock.js';
import { Controller } from '../../src/controller/controller.js';
import { TerminalError, type ReconcileResult } from '../../src/controller/reconciler.js';
import { formatKey, type ObjectKey } from '../../src/kube/object-key.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

/** Lets pending promise callbacks (the workers) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A controller over a scripted reconciler: each call takes the next outcome for its key. */
function harness(script: Record<string, Array<ReconcileResult | Error>>, keys: string[] = [], backoff: { jitter?: number; random?: () => number } = { jitter: 0 }) {
  const clock = new ManualClock(0);
  const metrics = createMetrics();
  const calls: string[] = [];
  const promised: number[] = [];
  const resyncs: string[] = [];
  const passNumbers: number[] = [];
  const reconciler = {
    reconcile: async (key: ObjectKey, context: { reconcileId: string; retryDelayMs: number; resync?: { number: number } }): Promise<ReconcileResult> => {
      const name = formatKey(key);
      calls.push(name);
      if (context.resync) {
        resyncs.push(name);
        passNumbers.push(context.resync.number);
      }
      promised.push(context.retryDelayMs);
      expect(context.reconcileId).toMatch(/^[0-9a-f]{8}$/);
      const outcome = script[name]?.shift() ?? {};
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  const controller = new Controller({
    kind: 'Test',
    reconciler,
    logger: createLogger({ silent: true }),
    metrics,
    listKeys: () => keys,
    resyncPeriodMs: 60_000,
    clock,
    queue: { rateLimit: { ratePerSecond: 1e9, burst: 1e9 }, backoff },
  });
  const count = async (result: string): Promise<number> =>
    (await metrics.reconcileTotal.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  const errorsByReason = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await metrics.reconcileErrorsTotal.get()).values.map((v) => [String(v.labels.reason), v.value]));
  return { clock, controller, calls, count, errorsByReason, promised, resyncs, passNumbers };
}

describe('Controller', () => {
  it('retries a failing key with backoff and stops retrying after success', async () => {
    const { clock, controller, calls, count, errorsByReason } = harness({ 'ns/a': [new Error('boom'), new Error('boom'), {}] });
    controller.start();
    controller.enqueue('ns/a');
    await settle();
    expect(calls).toEqual(['ns/a']);
    clock.advance(5);
    await settle();
    expect(calls).toHaveLength(2);
    clock.advance(9);
    await settle();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(calls).toHaveLength(3);
    clock.advance(59_000);
    await settle();
    expect(calls).toHaveLength(3);
    expect([await count('error'), await count('success')]).toEqual([2, 1]);
    expect(await errorsByReason()).toEqual({ Error: 2 });
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
    await controller.stop(1000);
  });

  it('tells each reconcile the jittered delay its retry will get, and keeps that promise', async () => {
    const { clock, controller, calls, promised } = harness({ 'ns/a': [new Error('boom'), new Error('boom'), {}] }, [], { jitter: 0.5, random: () => 1 });
    controller.start();
    controller.enqueue('ns/a');
    await settle();
    // 5 ms cut by half by the jitter: 3 ms (rounded), then 10 ms cut to 5 ms.
    expect(promised).toEqual([3]);
    clock.advance(2);
    await settle();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(calls).toHaveLength(2);
    expect(promised).toEqual([3, 5]);
    clock.advance(4);
    await settle();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(calls).toHaveLength(3);
    await controller.stop(1000);
  });

  it('does not requeue a terminal error, and honours requeueAfter', async () => {
    const { clock, controller, calls, count, errorsByReason } = harness({ bad: [new TerminalError('invalid spec', 'InvalidSpec')], slow: [{ requeueAfterMs: 30_000 }] });
    controller.start();
    controller.enqueue('bad');
    controller.enqueue('slow');
    await settle();
    expect(calls).toEqual(['bad', 'slow']);
    clock.advance(29_999);
    await settle();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(calls).toEqual(['bad', 'slow', 'slow']);
    expect([await count('terminal'), await count('requeue')]).toEqual([1, 1]);
    // Counted by the terminal error's reason, the one its Stalled condition shows.
    expect(await errorsByReason()).toEqual({ InvalidSpec: 1 });
    await controller.stop(1000);
  });

  it('enqueues every cached key on start and again at each resync', async () => {
    const { clock, controller, calls } = harness({}, ['x', 'y']);
    controller.start();
    await settle();
    expect(calls).toEqual(['x', 'y']);
    clock.advance(60_000);
    await settle();
    expect(calls).toEqual(['x', 'y', 'x', 'y']);
    expect(await controller.stop(1000)).toBe(true);
    clock.advance(60_000);
    await settle();
    expect(calls).toHaveLength(4);
  });

  it('counts the reconciles running in eksfo_active_workers, failed ones too', async () => {
    const metrics = createMetrics();
    const gates: Array<() => void> = [];
    const controller = new Controller({
      kind: 'Test',
      reconciler: {
        reconcile: (key: ObjectKey) =>
          new Promise<ReconcileResult>((resolve, reject) => gates.push(() => (formatKey(key) === 'b' ? reject(new TerminalError('no')) : resolve({})))),
      },
      logger: createLogger({ silent: true }),
      metrics,
      listKeys: () => ['a', 'b'],
      resyncPeriodMs: 60_000,
      clock: new ManualClock(0),
      queue: { rateLimit: { ratePerSecond: 1e9, burst: 1e9 }, backoff: { jitter: 0 } },
    });
    const active = async (): Promise<number> => (await metrics.activeWorkers.get()).values.find((v) => v.labels.kind === 'Test')?.value ?? 0;
    controller.start();
    await settle();
    expect(await active()).toBe(2);
    gates.shift()!();
    await settle();
    expect(await active()).toBe(1);
    gates.shift()!();
    await settle();
    expect(await active()).toBe(0);
    expect(await controller.stop(1000)).toBe(true);
  });

  it('tells a reconcile the resync queued it, and an event-driven one that it did not', async () => {
    const { clock, controller, calls, resyncs, passNumbers } = harness({}, ['x', 'y']);
    controller.start();
    await settle();
    expect(resyncs).toEqual(['x', 'y']);
    controller.enqueue('x');
    await settle();
    expect(calls).toEqual(['x', 'y', 'x']);
    expect(resyncs).toEqual(['x', 'y']);
    clock.advance(60_000);
    await settle();
    expect(resyncs).toEqual(['x', 'y', 'x', 'y']);
    // The reconciles of one pass are told its number (reads started for it may be shared), the next pass the next.
    expect(passNumbers).toEqual([1, 1, 2, 2]);
    expect(await controller.stop(1000)).toBe(true);
  });

  it("retries a failed resync reconcile as its pass's, which still reads everything", async () => {
    const { clock, controller, calls, resyncs, passNumbers } = harness({ 'ns/a': [new Error('boom'), {}] }, ['ns/a']);
    controller.start();
    await settle();
    clock.advance(30_000);
    await settle();
    expect(calls).toEqual(['ns/a', 'ns/a']);
    expect(resyncs).toEqual(['ns/a', 'ns/a']);
    expect(passNumbers).toEqual([1, 1]);
    expect(await controller.stop(1000)).toBe(true);
  });
});
