import { exponentialDelayMs, KeyBackoff } from '../../src/controller/backoff.js';
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
    const backoff = new KeyBackoff({ baseMs: 100, capMs: 300 });
    expect([backoff.next('a'), backoff.next('a'), backoff.next('a')]).toEqual([100, 200, 300]);
    expect(backoff.next('b')).toBe(100);
    backoff.forget('a');
    expect(backoff.count('a')).toBe(0);
    expect(backoff.next('a')).toBe(100);
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
