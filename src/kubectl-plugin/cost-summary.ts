/**
 * What the FargateWorkloads cost on Fargate (pure): per pod from `status.capacity` (the operator's
 * sizing of the pod template), or sized here from the template when the status has none yet;
 * times the pods the workload runs (`status.replicas`), the same figure as the operator's
 * `eksfo_fargate_cost_usd_per_hour` metric. Summed per namespace, per cluster and in all.
 */
import { sizeFargatePod } from '../api/sizing.js';
import type { FargateWorkload } from '../api/types.js';
import { clusterNameOfWorkload } from '../operator/cluster/workload-cluster.js';

/** Hours in a month, as AWS prices a month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** Where a workload's per-pod cost came from. */
export type CostSource = 'status' | 'template' | 'unsized';

/** One workload's cost. */
export interface WorkloadCost {
  /** Per pod-hour in USD; null when the pod template fits no Fargate size. */
  perPodHourlyUSD: number | null;
  pods: number;
  hourlyUSD: number;
  monthlyUSD: number;
  source: CostSource;
}

/** A sum over several workloads. */
export interface CostTotal {
  workloads: number;
  pods: number;
  hourlyUSD: number;
  monthlyUSD: number;
}

export interface WorkloadCostRow extends WorkloadCost {
  namespace: string;
  name: string;
  /** The FargateCluster it runs on; null when none can be told. */
  cluster: string | null;
}

/** The `cost` command's result: every workload, then the sums (the documented `-o json` shape). */
export interface CostSummary {
  currency: 'USD';
  hoursPerMonth: number;
  workloads: WorkloadCostRow[];
  namespaces: (CostTotal & { namespace: string })[];
  clusters: (CostTotal & { cluster: string | null })[];
  total: CostTotal;
}

// Sums are kept in ten-thousandths of a dollar, the precision of status.capacity, so that adding
// many workloads gives no floating-point noise.
const UNITS_PER_USD = 10_000;
const toUnits = (usd: number): number => Math.round(usd * UNITS_PER_USD);
const fromUnits = (units: number): number => units / UNITS_PER_USD;
const monthly = (hourlyUnits: number): number => Math.round((hourlyUnits * HOURS_PER_MONTH) / 100) / 100;

function perPodUnits(workload: FargateWorkload): { units: number | null; source: CostSource } {
  const reported = Number(workload.status?.capacity?.hourlyCostUSD);
  if (workload.status?.capacity && Number.isFinite(reported)) return { units: toUnits(reported), source: 'status' };
  const sized = sizeFargatePod(workload.spec.template.spec);
  return sized.ok ? { units: toUnits(sized.size.hourlyCostUSD), source: 'template' } : { units: null, source: 'unsized' };
}

/** The hourly and monthly cost of the pods a workload runs now. */
export function workloadCost(workload: FargateWorkload): WorkloadCost {
  const { units, source } = perPodUnits(workload);
  const pods = workload.status?.replicas ?? 0;
  const hourly = (units ?? 0) * pods;
  return { perPodHourlyUSD: units === null ? null : fromUnits(units), pods, hourlyUSD: fromUnits(hourly), monthlyUSD: monthly(hourly), source };
}

interface Accumulator {
  workloads: number;
  pods: number;
  units: number;
}

function total(acc: Accumulator): CostTotal {
  return { workloads: acc.workloads, pods: acc.pods, hourlyUSD: fromUnits(acc.units), monthlyUSD: monthly(acc.units) };
}

function add(sums: Map<string, Accumulator>, key: string, pods: number, units: number): void {
  const acc = sums.get(key) ?? { workloads: 0, pods: 0, units: 0 };
  sums.set(key, { workloads: acc.workloads + 1, pods: acc.pods + pods, units: acc.units + units });
}

const byKey = <T>(entries: Map<string, T>): [string, T][] => [...entries].sort(([a], [b]) => a.localeCompare(b));

/**
 * The cost of the workloads, per namespace and per cluster. `clusterNames` are the FargateClusters
 * that exist: a workload that names none runs on the only one (clusterNameOfWorkload).
 */
export function costSummary(workloads: readonly FargateWorkload[], clusterNames: readonly string[]): CostSummary {
  const rows: WorkloadCostRow[] = workloads
    .map((workload) => ({
      namespace: workload.metadata.namespace ?? '',
      name: workload.metadata.name ?? '',
      cluster: clusterNameOfWorkload(workload, clusterNames) ?? null,
      ...workloadCost(workload),
    }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const namespaces = new Map<string, Accumulator>();
  const clusters = new Map<string, Accumulator>();
  const all: Accumulator = { workloads: 0, pods: 0, units: 0 };
  for (const row of rows) {
    const units = toUnits(row.hourlyUSD);
    add(namespaces, row.namespace, row.pods, units);
    add(clusters, row.cluster ?? '', row.pods, units);
    all.workloads += 1;
    all.pods += row.pods;
    all.units += units;
  }
  return {
    currency: 'USD',
    hoursPerMonth: HOURS_PER_MONTH,
    workloads: rows,
    namespaces: byKey(namespaces).map(([namespace, acc]) => ({ namespace, ...total(acc) })),
    clusters: byKey(clusters).map(([cluster, acc]) => ({ cluster: cluster || null, ...total(acc) })),
    total: total(all),
  };
}
