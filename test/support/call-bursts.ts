/**
 * How hard one AWS object was hit: the largest number of calls naming the same resource (an IAM
 * role, a Fargate profile, ...) that started within any window of `windowMs`. A controller that
 * retries without backoff shows up here as hundreds of calls a second on one object.
 */
export function busiestWindow(calls: ReadonlyArray<{ target?: string; startedAt: number }>, windowMs: number): { target: string; calls: number } {
  const byTarget = new Map<string, number[]>();
  for (const call of calls) {
    if (call.target === undefined) continue;
    const times = byTarget.get(call.target) ?? [];
    times.push(call.startedAt);
    byTarget.set(call.target, times);
  }
  let busiest = { target: '', calls: 0 };
  for (const [target, times] of byTarget) {
    times.sort((a, b) => a - b);
    let first = 0;
    for (let last = 0; last < times.length; last++) {
      while (times[last]! - times[first]! >= windowMs) first += 1;
      const count = last - first + 1;
      if (count > busiest.calls) busiest = { target, calls: count };
    }
  }
  return busiest;
}
