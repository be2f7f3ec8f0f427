/**
 * The benchmark's arithmetic (pure): percentiles, Prometheus text parsing and differences,
 * calls per workload, the printed table and the side-by-side comparison with a saved run.
 */
import type { HeapSummary } from './heap-summary.js';

/** One size's measured figures, as printed and saved as JSON. */
export interface BenchFigures {
  workloads: number;
  namespaces: number;
  mode: 'operator' | 'e2e';
  /** Seconds from the first create to the first and the last workload Ready. */
  firstReadySeconds: number;
  allReadySeconds: number;
  /** Seconds from the shared profile becoming ACTIVE (CreateFargateProfile answered + CREATING delay) to all Ready. */
  allReadyAfterProfileActiveSeconds: number | null;
  /** Per workload, from its create to its Ready. */
  readySeconds: { p50: number; p95: number; max: number };
  /** AWS calls of the create phase (cluster excluded), per workload, by operation and in total. */
  awsCallsPerWorkload: { total: number; writes: number; byOperation: Record<string, number> };
  /** Kubernetes requests of the reconcilers in the create phase, per workload: writes by verb and resource, reads in total. */
  kubeWritesPerWorkload: { total: number; events: number; byVerbResource: Record<string, number> };
  kubeReadsPerWorkload: number;
  /** One resync of every object once everything is Ready. */
  /** Per resync pass (`passes` of them fell in the measured window). */
  steady: { resyncSeconds: number; passes: number; awsReadsPerWorkload: number; awsWrites: number; kubeWrites: number; kubeReadsPerWorkload: number; byOperation: Record<string, number> };
  /** Operator process: resident set in MiB when idle (before workloads), at the peak, and steady (after the resync). */
  rssMiB: { idle: number; peak: number; steady: number };
  /** CPU seconds of the operator process over the create phase, and per workload in ms. */
  cpu: { createSeconds: number; perWorkloadMs: number };
  /** The worst p99 event-loop lag the operator reported while the workloads converged, in ms. */
  eventLoopLagP99Ms: number;
  /** Seconds from deleting every workload until none is left, and until the AWS account holds none of their roles and profiles. */
  deleteSeconds: number;
  cleanSeconds: number;
  /** AWS calls from the deletes until the account is clean, per workload (absent in runs saved before it was measured). */
  deleteAwsCallsPerWorkload?: { total: number; byOperation: Record<string, number> };
  /** What is left in the account after the clean wait (must be 0). */
  leftInAccount: number;
  /** With --heap-snapshot: the operator's heap after the steady resync, by kind of object (heap-summary.ts). */
  heap?: HeapSummary;
}

/** A saved benchmark run. */
export interface BenchRun {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  settings: Record<string, unknown>;
  sizes: BenchFigures[];
}

/** The q-quantile (0..1) of values, nearest rank; 0 for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** One sample of a Prometheus text exposition: name, labels, value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (comments skipped; label values without escaped quotes suffice here). */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a counter's samples by the key `keyOf` makes of their labels. */
export function counterBy(samples: readonly PromSample[], name: string, keyOf: (labels: Record<string, string>) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) if (sample.name === name) sums.set(keyOf(sample.labels), (sums.get(keyOf(sample.labels)) ?? 0) + sample.value);
  return sums;
}

/** after - before, by key (keys only in `after` count from 0); zero differences left out. */
export function difference(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) result.set(key, delta);
  }
  return result;
}

/** Counts by key divided by `per`, rounded to 2 decimals, sorted by count (highest first). */
export function perUnit(counts: ReadonlyMap<string, number> | Record<string, number>, per: number): Record<string, number> {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1]).map(([key, value]) => [key, round(value / Math.max(1, per))]));
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The rows of the summary table: a label and how to read it off one size's figures. */
const ROWS: [string, (f: BenchFigures) => string][] = [
  ['time to first Ready (s)', (f) => f.firstReadySeconds.toFixed(1)],
  ['time to all Ready (s)', (f) => f.allReadySeconds.toFixed(1)],
  ['  after shared profile ACTIVE (s)', (f) => (f.allReadyAfterProfileActiveSeconds === null ? '-' : f.allReadyAfterProfileActiveSeconds.toFixed(1))],
  ['per workload p50 / p95 / max (s)', (f) => `${f.readySeconds.p50.toFixed(1)} / ${f.readySeconds.p95.toFixed(1)} / ${f.readySeconds.max.toFixed(1)}`],
  ['AWS calls / workload (writes)', (f) => `${f.awsCallsPerWorkload.total} (${f.awsCallsPerWorkload.writes})`],
  ['K8s writes / workload (of them events)', (f) => `${f.kubeWritesPerWorkload.total} (${f.kubeWritesPerWorkload.events})`],
  ['K8s reads / workload', (f) => String(f.kubeReadsPerWorkload)],
  ['steady: AWS reads / workload / resync', (f) => String(f.steady.awsReadsPerWorkload)],
  ['steady: AWS + K8s writes / resync', (f) => `${f.steady.awsWrites} + ${f.steady.kubeWrites}`],
  ['RSS idle / peak / steady (MiB)', (f) => `${f.rssMiB.idle} / ${f.rssMiB.peak} / ${f.rssMiB.steady}`],
  ['CPU / workload (ms)', (f) => String(f.cpu.perWorkloadMs)],
  ['event-loop lag p99 (ms)', (f) => String(f.eventLoopLagP99Ms)],
  ['delete all (s) / account clean (s)', (f) => `${f.deleteSeconds.toFixed(1)} / ${f.cleanSeconds.toFixed(1)}`],
  ['delete: AWS calls / workload', (f) => (f.deleteAwsCallsPerWorkload ? String(f.deleteAwsCallsPerWorkload.total) : '-')],
  ['left in the account', (f) => String(f.leftInAccount)],
];

/** A fixed-width table: one column per size, and per size of the saved run when comparing. */
export function renderTable(run: BenchRun, saved?: BenchRun): string {
  const columns: { title: string; figures: BenchFigures | undefined }[] = [];
  for (const figures of run.sizes) {
    if (saved) columns.push({ title: `${figures.workloads} (saved)`, figures: saved.sizes.find((s) => s.workloads === figures.workloads) });
    columns.push({ title: `${figures.workloads}${saved ? ' (now)' : ''}`, figures });
  }
  const header = ['workloads', ...columns.map((c) => c.title)];
  const lines = ROWS.map(([label, read]) => [label, ...columns.map((c) => (c.figures ? read(c.figures) : 'n/a'))]);
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((row) => (row[i] ?? '').length)));
  const format = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

/** The AWS calls per workload by operation, one line per operation, for the largest size. */
export function renderOperations(figures: BenchFigures): string {
  const create = Object.entries(figures.awsCallsPerWorkload.byOperation).map(([op, n]) => `  ${op.padEnd(40)} ${String(n).padStart(7)}`);
  const kube = Object.entries(figures.kubeWritesPerWorkload.byVerbResource).map(([key, n]) => `  ${key.padEnd(40)} ${String(n).padStart(7)}`);
  const steady = Object.entries(figures.steady.byOperation).map(([op, n]) => `  ${op.padEnd(40)} ${String(n).padStart(7)}`);
  return [
    `AWS calls per workload on create, by operation (${figures.workloads} workloads):`,
    ...create,
    'Kubernetes writes per workload on create, by verb and resource:',
    ...kube,
    'AWS calls per workload in one steady resync, by operation:',
    ...(steady.length > 0 ? steady : ['  none']),
    ...(figures.deleteAwsCallsPerWorkload
      ? ['AWS calls per workload to delete, by operation:', ...Object.entries(figures.deleteAwsCallsPerWorkload.byOperation).map(([op, n]) => `  ${op.padEnd(40)} ${String(n).padStart(7)}`)]
      : []),
  ].join('\n');
}
