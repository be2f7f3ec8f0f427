import { exponentialDelayMs, jitteredDelayMs, KeyBackoff } from '../../src/controller/backoff.js';
import { ManualClock } from '../../src/controller/clock.js';
import { TokenBucket } from '../../src/controller/token-bucket.js';

describe('exponentialDelayMs', () => {
  it('doubles from the base and stops at the cap, even for huge failure counts', () => {
    expect([0, 1, 2, 3].map((n) => exponentialDelayMs(n, 5, 1000))).toEqual([5, 10, 20, 40]);
    expect(exponentialDelayMs(8, 5, 1000)).toBe(1000);
    expect(exponentialDelayMs(5000, 5, 1000)).toBe(1000);
  });
});

describe('KeyBackoff', () => {
  it('counts failures per key and resets on forget', () => {
    const backoff = new KeyBackoff({ baseMs: 100, capMs: 300, jitter: 0 });
    expect([backoff.next('a'), backoff.next('a'), backoff.next('a')]).toEqual([100, 200, 300]);
    expect(backoff.next('b')).toBe(100);
    backoff.forget('a');
    expect(backoff.count('a')).toBe(0);
    expect(backoff.next('a')).toBe(100);
  });
});

describe('backoff jitter', () => {
  it('only shortens a delay, by at most the jitter fraction, and never below 1 ms', () => {
    expect(jitteredDelayMs(1000, 0.2, 0)).toBe(1000);
    expect(jitteredDelayMs(1000, 0.2, 1)).toBe(800);
    expect(jitteredDelayMs(1000, 0.2, 0.5)).toBe(900);
    expect(jitteredDelayMs(1, 1, 1)).toBe(1);
  });

  it('spreads keys that fail together, and peek promises exactly what next then gives', () => {
    const draws = [0.9, 0.1, 0.5];
    const backoff = new KeyBackoff({ baseMs: 1000, capMs: 60_000, jitter: 0.5, random: () => draws.shift() ?? 0 });
    const promised = backoff.peek('a');
    expect(backoff.peek('a')).toBe(promised);
    expect(backoff.next('a')).toBe(promised);
    expect(promised).toBe(550);
    expect(backoff.next('b')).toBe(950);
    // The second failure of a doubles before jitter: 2000 cut by 0.5 * 0.5.
    expect(backoff.next('a')).toBe(1500);
    expect(backoff.count('a')).toBe(2);
  });

  it('stays within the cap with the default jitter over many failures', () => {
    const backoff = new KeyBackoff({ baseMs: 5, capMs: 1000 });
    const delays = Array.from({ length: 40 }, () => backoff.next('k'));
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(Math.min(...delays.slice(10))).toBeGreaterThanOrEqual(800);
  });
});

describe('TokenBucket', () => {
  it('allows the burst at once, then one token per 1/rate, refilling over time up to the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 2 }, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 500, 1000]);
    clock.advance(10_000);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 500]);
  });
});
