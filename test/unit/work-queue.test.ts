import { ManualClock } from '../../src/controller/clock.js';
import { WorkQueue, type WorkQueueOptions } from '../../src/controller/work-queue.js';

/** Resolves the next `get()` if one is ready right now, else 'none' (a pending get stays pending). */
async function tryGet(queue: WorkQueue): Promise<string | undefined | 'none'> {
  return Promise.race([queue.get(), new Promise<'none'>((resolve) => setImmediate(() => resolve('none')))]);
}

function newQueue(options: WorkQueueOptions = {}): { queue: WorkQueue; clock: ManualClock } {
  const clock = new ManualClock(1_000_000);
  // No jitter unless a test asks for it: the delays below are client-go's exact sequence.
  return { queue: new WorkQueue({ clock, backoff: { jitter: 0 }, ...options }), clock };
}

describe('WorkQueue', () => {
  it('dedups a key that is already queued', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.depth()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
  });

  it('never hands out a key that is being processed; re-runs it once after done when it was added meanwhile', async () => {
    const { queue } = newQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.depth()).toBe(0);
    const pending = queue.get();
    queue.done('a');
    expect(await pending).toBe('a');
    queue.done('a');
    expect(queue.depth()).toBe(0);
  });

  it('bounds the number of keys in flight', async () => {
    const { queue } = newQueue({ maxInFlight: 1 });
    queue.add('a');
    queue.add('b');
    expect(await queue.get()).toBe('a');
    const second = queue.get();
    expect(await Promise.race([second, Promise.resolve('blocked')])).toBe('blocked');
    queue.done('a');
    expect(await second).toBe('b');
  });

  it('addAfter queues the key when the delay passes; the earliest request wins', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1000);
    queue.addAfter('a', 5000);
    queue.addAfter('a', 300);
    clock.advance(299);
    expect(queue.depth()).toBe(0);
    clock.advance(1);
    expect(queue.depth()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('backs off a failing key exponentially from 5 ms up to the cap, and forget resets it', () => {
    const { queue } = newQueue({ rateLimit: { ratePerSecond: 1e9, burst: 1e9 } });
    const delays = Array.from({ length: 30 }, () => queue.addRateLimited('a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(Math.max(...delays)).toBe(1_000_000);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(queue.numRequeues('a')).toBe(30);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    expect(queue.addRateLimited('a')).toBe(5);
    // Another key has its own backoff.
    expect(queue.addRateLimited('b')).toBe(5);
  });

  it('applies the overall rate limit once the burst is spent', () => {
    const { queue, clock } = newQueue({ rateLimit: { ratePerSecond: 10, burst: 3 } });
    const delays = ['a', 'b', 'c', 'd', 'e'].map((key) => queue.addRateLimited(key));
    expect(delays).toEqual([5, 5, 5, 100, 200]);
    clock.advance(1000);
    expect(queue.addRateLimited('f')).toBe(5);
  });

  it('shutdown stops handing out work and drops queued and delayed keys', async () => {
    const { queue, clock } = newQueue();
    queue.add('a');
    queue.addAfter('b', 10);
    const first = await queue.get();
    queue.shutdown();
    expect(first).toBe('a');
    expect(await queue.get()).toBeUndefined();
    queue.add('c');
    clock.advance(100);
    expect(queue.depth()).toBe(0);
    expect(await tryGet(queue)).toBeUndefined();
  });

  it('drain waits for in-flight keys, or gives up after the timeout', async () => {
    const { queue, clock } = newQueue();
    queue.add('a');
    queue.add('b');
    await queue.get();
    await queue.get();
    queue.shutdown();
    const drained = queue.drain(1000);
    queue.done('a');
    queue.done('b');
    expect(await drained).toBe(true);

    const { queue: busy, clock: busyClock } = newQueue();
    busy.add('x');
    await busy.get();
    busy.shutdown();
    const timedOut = busy.drain(1000);
    busyClock.advance(1000);
    expect(await timedOut).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports the depth as it changes', async () => {
    const depths: number[] = [];
    const { queue } = newQueue({ onDepth: (depth) => depths.push(depth) });
    queue.add('a');
    queue.add('b');
    await queue.get();
    expect(depths).toEqual([1, 2, 1]);
  });
});
