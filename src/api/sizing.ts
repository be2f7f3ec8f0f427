/**
 * Fargate pod sizing: what Fargate provisions (and bills) for a pod spec, per the EKS user guide
 * "Fargate Pod configuration" (DESIGN.md section 5).
 *
 * Per resource: the larger of the largest init container request and the sum of the app container
 * requests (a limit stands in for a missing request, as Kubernetes defaults requests to limits);
 * plus 256 MiB memory for the Kubernetes components on the Fargate node; rounded up to the
 * cheapest vCPU/memory combination of Fargate's table that covers both. Fargate's table says "GB"
 * but means GiB: 1 vCPU + 8 GiB requested becomes 8.25 and is provisioned as 2 vCPU / 9 GB.
 */
import { BYTES_PER_GIB, QuantityError, parseBytes, parseCpuCores } from './quantity.js';
import type { CapacityStatus, Container, PodSpec, Quantity } from './types.js';

/** Hourly Fargate prices of one region, operating system and architecture. */
export interface FargatePrices {
  vcpuHourUSD: number;
  gbHourUSD: number;
}

/** us-east-1, Linux/x86 (the only platform EKS Fargate runs): per vCPU-hour and per GB-hour. */
export const US_EAST_1_LINUX_X86_PRICES: FargatePrices = { vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 };

/** What Fargate provisions for one pod, and what it costs per hour. */
export interface FargatePodSize {
  vcpu: number;
  memoryGB: number;
  ephemeralStorageGiB: number;
  /**
   * vCPU and memory only, rounded to 4 decimals. Ephemeral storage beyond the included 20 GiB is
   * billed separately at a per-GB-hour rate that is not in the design's price facts, so it is left
   * out rather than guessed.
   */
  hourlyCostUSD: number;
  /** The pod's effective request after the init/app rule, before the overhead and rounding. */
  requested: { vcpu: number; memoryGiB: number; ephemeralStorageGiB: number };
}

/** One reason a pod cannot be sized; `path` is relative to the pod spec ("containers[0].resources.requests.cpu"). */
export interface SizeProblem {
  path: string;
  message: string;
}

export type SizeResult = { ok: true; size: FargatePodSize } | { ok: false; problems: SizeProblem[] };

/** Memory Fargate adds to every pod for kubelet, kube-proxy and containerd. */
export const FARGATE_MEMORY_OVERHEAD_GIB = 0.25;
export const FARGATE_MAX_VCPU = 16;
export const FARGATE_MAX_MEMORY_GB = 120;
export const FARGATE_DEFAULT_EPHEMERAL_STORAGE_GIB = 20;
export const FARGATE_MAX_EPHEMERAL_STORAGE_GIB = 175;

function memorySteps(from: number, to: number, step: number): number[] {
  const steps: number[] = [];
  for (let m = from; m <= to; m += step) steps.push(m);
  return steps;
}

/** The valid vCPU/memory combinations, ascending by vCPU then memory. */
export const FARGATE_COMBINATIONS: readonly { vcpu: number; memoryGB: readonly number[] }[] = [
  { vcpu: 0.25, memoryGB: [0.5, 1, 2] },
  { vcpu: 0.5, memoryGB: memorySteps(1, 4, 1) },
  { vcpu: 1, memoryGB: memorySteps(2, 8, 1) },
  { vcpu: 2, memoryGB: memorySteps(4, 16, 1) },
  { vcpu: 4, memoryGB: memorySteps(8, 30, 1) },
  { vcpu: 8, memoryGB: memorySteps(16, 60, 4) },
  { vcpu: 16, memoryGB: memorySteps(32, 120, 8) },
];

// Quantities like "1.8Gi" or "333m" come through floating point; a request that equals a table
// value up to rounding noise must not be bumped to the next size.
const EPSILON = 1e-9;

type SizedResource = 'cpu' | 'memory' | 'ephemeral-storage';
const SIZED_RESOURCES: readonly SizedResource[] = ['cpu', 'memory', 'ephemeral-storage'];

/** Amount of each sized resource, in cores, GiB and GiB. */
type Amounts = Record<SizedResource, number>;

const zero = (): Amounts => ({ cpu: 0, memory: 0, 'ephemeral-storage': 0 });

function parseAmount(resource: SizedResource, q: Quantity): number {
  return resource === 'cpu' ? parseCpuCores(q) : parseBytes(q) / BYTES_PER_GIB;
}

/** A container's effective request per resource; bad quantities become problems and count as 0. */
function containerAmounts(c: Container, path: string, problems: SizeProblem[]): Amounts {
  const amounts = zero();
  for (const resource of SIZED_RESOURCES) {
    const parsed: Partial<Record<'requests' | 'limits', number>> = {};
    for (const kind of ['requests', 'limits'] as const) {
      const q = c.resources?.[kind]?.[resource];
      if (q === undefined) continue;
      try {
        parsed[kind] = parseAmount(resource, q);
      } catch (e) {
        if (!(e instanceof QuantityError)) throw e;
        problems.push({ path: `${path}.resources.${kind}.${resource}`, message: e.message });
      }
    }
    const { requests, limits } = parsed;
    if (requests !== undefined && limits !== undefined && requests > limits + EPSILON) {
      problems.push({
        path: `${path}.resources.requests.${resource}`,
        message: `request ${String(c.resources?.requests?.[resource])} is more than the limit ${String(c.resources?.limits?.[resource])}; Kubernetes rejects a request above its limit: lower the request or raise the limit`,
      });
    }
    amounts[resource] = requests ?? limits ?? 0;
  }
  return amounts;
}

/** Where a pod's effective request of one resource comes from, for problem paths. */
interface ResourceTotal {
  amount: number;
  path: string;
}

/**
 * Kubernetes' effective pod request. Without sidecars (init containers with restartPolicy
 * Always) this is the EKS guide's max(largest init container, sum of app containers); sidecars
 * keep running next to the app containers, so Kubernetes adds them to both sides.
 */
function effectiveRequests(spec: PodSpec, problems: SizeProblem[]): Record<SizedResource, ResourceTotal> {
  const appSum = zero();
  const sidecarSum = zero();
  const initPeak: Record<SizedResource, ResourceTotal> = {
    cpu: { amount: 0, path: '' },
    memory: { amount: 0, path: '' },
    'ephemeral-storage': { amount: 0, path: '' },
  };
  (spec.initContainers ?? []).forEach((c, i) => {
    const path = `initContainers[${i}]`;
    const a = containerAmounts(c, path, problems);
    const sidecar = c['restartPolicy'] === 'Always';
    for (const r of SIZED_RESOURCES) {
      if (sidecar) sidecarSum[r] += a[r];
      const during = sidecar ? sidecarSum[r] : a[r] + sidecarSum[r];
      if (during > initPeak[r].amount) initPeak[r] = { amount: during, path: `${path}.resources.requests.${r}` };
    }
  });
  (spec.containers ?? []).forEach((c, i) => {
    const a = containerAmounts(c, `containers[${i}]`, problems);
    for (const r of SIZED_RESOURCES) appSum[r] += a[r];
  });
  const single = (spec.containers ?? []).length === 1 && !(spec.initContainers ?? []).some((c) => c['restartPolicy'] === 'Always');
  const totals = {} as Record<SizedResource, ResourceTotal>;
  for (const r of SIZED_RESOURCES) {
    const running = appSum[r] + sidecarSum[r];
    totals[r] =
      initPeak[r].amount > running
        ? initPeak[r]
        : { amount: running, path: single ? `containers[0].resources.requests.${r}` : 'containers' };
  }
  return totals;
}

/** Price of one vCPU/memory combination per hour, unrounded. */
function hourlyPrice(vcpu: number, memoryGB: number, prices: FargatePrices): number {
  return vcpu * prices.vcpuHourUSD + memoryGB * prices.gbHourUSD;
}

/** The cheapest table combination with at least `vcpu` and `memoryGB`; ties go to fewer vCPUs. */
function cheapestCombination(vcpu: number, memoryGB: number, prices: FargatePrices): { vcpu: number; memoryGB: number } {
  let best: { vcpu: number; memoryGB: number; price: number } | undefined;
  for (const row of FARGATE_COMBINATIONS) {
    if (row.vcpu + EPSILON < vcpu) continue;
    const memory = row.memoryGB.find((m) => m + EPSILON >= memoryGB);
    if (memory === undefined) continue;
    const price = hourlyPrice(row.vcpu, memory, prices);
    if (!best || price < best.price - EPSILON) best = { vcpu: row.vcpu, memoryGB: memory, price };
  }
  // Callers check the maxima first, and 16 vCPU / 120 GB covers everything within them.
  if (!best) throw new Error(`no Fargate combination covers ${vcpu} vCPU / ${memoryGB} GB`);
  return best;
}

/** A number for messages: at most 4 decimals, no trailing zeros. */
function show(n: number): string {
  return String(Math.round(n * 1e4) / 1e4);
}

/** Round a dollar amount to 4 decimals, the precision the status reports. */
function roundCost(usd: number): number {
  return Math.round((usd + Number.EPSILON) * 1e4) / 1e4;
}

/** The Fargate size and hourly cost of a pod spec, or every reason it cannot run on Fargate. */
export function sizeFargatePod(spec: PodSpec, prices: FargatePrices = US_EAST_1_LINUX_X86_PRICES): SizeResult {
  const problems: SizeProblem[] = [];
  const totals = effectiveRequests(spec, problems);
  const cpu = totals.cpu.amount;
  const memory = totals.memory.amount;
  const storage = totals['ephemeral-storage'].amount;
  const memoryWithOverhead = memory + FARGATE_MEMORY_OVERHEAD_GIB;

  if (cpu > FARGATE_MAX_VCPU + EPSILON) {
    problems.push({
      path: totals.cpu.path,
      message: `the pod needs ${show(cpu)} vCPU, more than Fargate's maximum of ${FARGATE_MAX_VCPU} vCPU per pod; lower the cpu requests or split the workload`,
    });
  }
  if (memoryWithOverhead > FARGATE_MAX_MEMORY_GB + EPSILON) {
    problems.push({
      path: totals.memory.path,
      message: `the pod needs ${show(memoryWithOverhead)} GB memory (${show(memory)} GiB requested + ${FARGATE_MEMORY_OVERHEAD_GIB} GiB Fargate overhead), more than Fargate's maximum of ${FARGATE_MAX_MEMORY_GB} GB per pod; lower the memory requests`,
    });
  }
  if (storage > FARGATE_MAX_EPHEMERAL_STORAGE_GIB + EPSILON) {
    problems.push({
      path: totals['ephemeral-storage'].path,
      message: `the pod needs ${show(storage)} GiB ephemeral storage, more than Fargate's maximum of ${FARGATE_MAX_EPHEMERAL_STORAGE_GIB} GiB per pod; use an EFS volume for large data`,
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const combo = cheapestCombination(cpu, memoryWithOverhead, prices);
  // Storage is provisioned in whole GiB, with 20 GiB included in every pod.
  const ephemeralStorageGiB = Math.max(FARGATE_DEFAULT_EPHEMERAL_STORAGE_GIB, Math.ceil(storage - EPSILON));
  return {
    ok: true,
    size: {
      vcpu: combo.vcpu,
      memoryGB: combo.memoryGB,
      ephemeralStorageGiB,
      hourlyCostUSD: roundCost(hourlyPrice(combo.vcpu, combo.memoryGB, prices)),
      requested: { vcpu: cpu, memoryGiB: memory, ephemeralStorageGiB: storage },
    },
  };
}

/** The status form of a size: exact decimal strings, cost with 4 decimals ("0.0291"). */
export function capacityStatus(size: FargatePodSize): CapacityStatus {
  return {
    vcpu: String(size.vcpu),
    memoryGB: String(size.memoryGB),
    hourlyCostUSD: size.hourlyCostUSD.toFixed(4),
  };
}
