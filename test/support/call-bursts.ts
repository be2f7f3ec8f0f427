/**
 * How hard one AWS object was hit: the largest number of calls naming the same resource (an IAM
 * role, a Fargate profile, ...) that started within any window of `windowMs`. A controller that
 * retries without backoff shows up here as hundreds of calls a second on one object. The calls of
 * that window are counted by operation (and injected fault), so a failure says which calls they were.
 */
export function busiestWindow(
  calls: ReadonlyArray<{ target?: string; startedAt: number; operation?: string; injected?: string }>,
  windowMs: number,
): { target: string; calls: number; operations: Record<string, number> } {
  const byTarget = new Map<string, (typeof calls)[number][]>();
  for (const call of calls) {
    if (call.target === undefined) continue;
    const list = byTarget.get(call.target) ?? [];
    list.push(call);
    byTarget.set(call.target, list);
  }
  let busiest: { target: string; calls: number; window: (typeof calls)[number][] } = { target: '', calls: 0, window: [] };
  for (const [target, list] of byTarget) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    let first = 0;
    for (let last = 0; last < list.length; last++) {
      while (list[last]!.startedAt - list[first]!.startedAt >= windowMs) first += 1;
      const count = last - first + 1;
      if (count > busiest.calls) busiest = { target, calls: count, window: list.slice(first, last + 1) };
    }
  }
  const operations: Record<string, number> = {};
  for (const call of busiest.window) {
    const key = `${call.operation ?? '?'}${call.injected ? ` (${call.injected})` : ''}`;
    operations[key] = (operations[key] ?? 0) + 1;
  }
  return { target: busiest.target, calls: busiest.calls, operations };
}
