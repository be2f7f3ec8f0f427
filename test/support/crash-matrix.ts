/**
 * The pure half of the crash-point matrix (test/integration/crash-point-matrix.test.ts): which AWS
 * writes a recorded clean run made, how an account's resources compare with a clean run's, and
 * the printed matrix.
 */

/** One AWS write of a lifecycle, addressed as the EKS proxy's faults address it. */
export interface WritePoint {
  service: string;
  operation: string;
  /** 1-based: the nth call of this operation in the lifecycle. */
  occurrence: number;
}

/** The faults each write point is tried with. */
export type CrashFault = 'lost-response' | 'crash-after';

/** What a cell came to: the lifecycle converged to exactly the clean run's state, or how it did not. */
export type CellVerdict = 'converged' | 'duplicate' | 'orphan' | 'missing' | 'k8s differs' | 'not converged' | 'fault not reached' | 'left behind';

/** One AWS or Kubernetes thing, named so that two runs of a lifecycle compare (see {@link normalizeNames}). */
export interface InventoryItem {
  kind: string;
  /** Name and the properties that must match, normalised. */
  key: string;
  /** The resource's own name (not compared), for cleaning up. */
  name?: string;
}

/** The result of one cell. */
export interface CellResult {
  lifecycle: string;
  point: WritePoint;
  fault: CrashFault;
  verdict: CellVerdict;
  /** What differs, when the verdict is not `converged`. */
  detail?: string;
  seconds: number;
}

/**
 * The write points of a clean run, in the order the calls were made: every call that changes AWS
 * state, numbered per operation. `calls` are the EKS proxy's records of the lifecycle's action.
 */
export function writePointsOf(calls: ReadonlyArray<{ service: string; operation: string; write: boolean; injected?: string }>): WritePoint[] {
  const seen = new Map<string, number>();
  const points: WritePoint[] = [];
  for (const call of calls) {
    if (!call.write || call.injected) continue;
    const key = `${call.service}:${call.operation}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    points.push({ service: call.service, operation: call.operation, occurrence });
  }
  return points;
}

/** `iam:CreateRole#2`. */
export function pointLabel(point: WritePoint): string {
  return `${point.service}:${point.operation}#${point.occurrence}`;
}

/**
 * Makes names of one cell comparable with another's: the cell's own id becomes `<cell>`, and the
 * short hashes names carry (which are derived from the cell's names) become `<hash>`.
 */
export function normalizeNames(text: string, cellId: string): string {
  return text
    .split(cellId)
    .join('<cell>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid>')
    .replace(/\b[0-9a-f]{8,40}\b/g, '<hash>');
}

/**
 * Compares what a faulted cell left with what the clean run left. More of an expected thing is a
 * duplicate, a thing the clean run did not have is an orphan, less is missing; AWS differences
 * outrank Kubernetes ones.
 */
export function compareInventories(expected: readonly InventoryItem[], actual: readonly InventoryItem[]): { verdict: CellVerdict; detail?: string } {
  const count = (items: readonly InventoryItem[]) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(`${item.kind} ${item.key}`, (counts.get(`${item.kind} ${item.key}`) ?? 0) + 1);
    return counts;
  };
  const want = count(expected);
  const have = count(actual);
  const differences: Array<{ verdict: CellVerdict; line: string }> = [];
  for (const [key, n] of have) {
    const wanted = want.get(key) ?? 0;
    if (wanted === 0) differences.push({ verdict: key.startsWith('k8s') ? 'k8s differs' : 'orphan', line: `unexpected ${key}` });
    else if (n > wanted) differences.push({ verdict: key.startsWith('k8s') ? 'k8s differs' : 'duplicate', line: `${n} x ${key} (clean run: ${wanted})` });
  }
  for (const [key, wanted] of want) {
    const n = have.get(key) ?? 0;
    if (n < wanted) differences.push({ verdict: key.startsWith('k8s') ? 'k8s differs' : 'missing', line: `${n} x ${key} (clean run: ${wanted})` });
  }
  if (differences.length === 0) return { verdict: 'converged' };
  const rank: CellVerdict[] = ['duplicate', 'orphan', 'missing', 'k8s differs'];
  const verdict = rank.find((candidate) => differences.some((difference) => difference.verdict === candidate)) ?? 'k8s differs';
  // One thing changed (one unexpected, one missing, of a kind): name the fields that differ.
  const unexpected = differences.filter((difference) => difference.line.startsWith('unexpected '));
  const lost = differences.filter((difference) => difference.line.startsWith('0 x '));
  if (differences.length === 2 && unexpected.length === 1 && lost.length === 1) {
    const changed = fieldChanges(lost[0]!.line.replace(/^0 x \S+ /, '').replace(/ \(clean run: \d+\)$/, ''), unexpected[0]!.line.replace(/^unexpected \S+ /, ''));
    if (changed) return { verdict, detail: changed };
  }
  // Keys can be long (a role with its policies): enough of each to tell which thing differs.
  return { verdict, detail: differences.map((difference) => (difference.line.length > 240 ? `${difference.line.slice(0, 240)}...` : difference.line)).join('; ') };
}

/** `field: clean -> now` for each top-level field of two JSON keys that differs; undefined when they are not JSON. */
function fieldChanges(clean: string, now: string): string | undefined {
  try {
    const [a, b] = [JSON.parse(clean) as Record<string, unknown>, JSON.parse(now) as Record<string, unknown>];
    const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((field) => JSON.stringify(a[field]) !== JSON.stringify(b[field]));
    const kind = typeof a.kind === 'string' ? `${a.kind} ` : '';
    return `${kind}${fields.map((field) => `${field}: ${JSON.stringify(a[field])} (clean run) -> ${JSON.stringify(b[field])}`).join('; ')}`;
  } catch {
    return undefined;
  }
}

/**
 * The matrix as a text table: one row per lifecycle and write, one column per fault; a lifecycle
 * whose clean run made no AWS write (`writeless`) gets a row saying so.
 */
export function renderCrashMatrix(cells: readonly CellResult[], faults: readonly CrashFault[], writeless: readonly string[] = []): string {
  const rows = new Map<string, Map<CrashFault, CellResult>>();
  for (const cell of cells) {
    const row = `${cell.lifecycle}  ${pointLabel(cell.point)}`;
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)!.set(cell.fault, cell);
  }
  const head = ['lifecycle  write', ...faults];
  const body = [
    ...[...rows].map(([row, byFault]) => [
      row,
      ...faults.map((fault) => {
        const cell = byFault.get(fault);
        return cell ? `${cell.verdict} (${cell.seconds.toFixed(1)} s)` : '-';
      }),
    ]),
    ...writeless.map((lifecycle) => [`${lifecycle}  (no AWS write)`, ...faults.map(() => 'nothing to fault')]),
  ];
  const widths = head.map((_, column) => Math.max(...[head, ...body].map((line) => line[column]!.length)));
  const line = (cells_: string[]) => cells_.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
  const converged = cells.filter((cell) => cell.verdict === 'converged').length;
  const failures = cells.filter((cell) => cell.verdict !== 'converged').map((cell) => `  ${cell.lifecycle} ${pointLabel(cell.point)} ${cell.fault}: ${cell.verdict}: ${cell.detail ?? ''}`);
  return [
    `crash-point matrix: ${converged}/${cells.length} cells converged with no duplicate and no orphan`,
    line(head),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...body.map(line),
    ...(failures.length > 0 ? ['failures:', ...failures] : []),
  ].join('\n');
}
