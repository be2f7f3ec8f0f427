import { counterBy, difference, parsePrometheusText, percentile, perUnit, renderOperations, renderTable, type BenchFigures, type BenchRun } from '../../scripts/bench/bench-figures.js';
import { benchNamespace, benchWorkload, parsePlacements, placementOf, type BenchScenario } from '../../scripts/bench/bench-scenario.js';

describe('bench figures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([], 0.5)).toBe(0);
  });

  it('parses Prometheus text and differences counters by label', () => {
    const before = parsePrometheusText(['# HELP x', 'eksfo_kube_requests_total{verb="patch",resource="deployments"} 3', 'eksfo_kube_requests_total{verb="create",resource="events"} 1', 'eksfo_queue_depth{kind="FargateWorkload"} 0'].join('\n'));
    const after = parsePrometheusText(['eksfo_kube_requests_total{verb="patch",resource="deployments"} 13', 'eksfo_kube_requests_total{verb="create",resource="events"} 1', 'eksfo_kube_requests_total{verb="get",resource="fargateworkloads"} 4'].join('\n'));
    const key = (labels: Record<string, string>) => `${labels.verb} ${labels.resource}`;
    const delta = difference(counterBy(after, 'eksfo_kube_requests_total', key), counterBy(before, 'eksfo_kube_requests_total', key));
    expect(Object.fromEntries(delta)).toEqual({ 'patch deployments': 10, 'get fargateworkloads': 4 });
    expect(perUnit(delta, 4)).toEqual({ 'patch deployments': 2.5, 'get fargateworkloads': 1 });
  });

  it('renders one column per size, and the saved run beside each when comparing', () => {
    const figures = (workloads: number, allReadySeconds: number): BenchFigures => ({
      workloads,
      namespaces: 50,
      mode: 'operator',
      firstReadySeconds: 1,
      allReadySeconds,
      allReadyAfterProfileActiveSeconds: null,
      readySeconds: { p50: 1, p95: 2, max: 3 },
      awsCallsPerWorkload: { total: 3.4, writes: 2, byOperation: {} },
      kubeWritesPerWorkload: { total: 7, events: 2, byVerbResource: {} },
      kubeReadsPerWorkload: 4,
      steady: { resyncSeconds: 60, passes: 1, awsReadsPerWorkload: 3, awsWrites: 0, kubeWrites: 0, kubeReadsPerWorkload: 0, byOperation: {} },
      rssMiB: { idle: 200, peak: 250, steady: 230 },
      cpu: { createSeconds: 10, perWorkloadMs: 36 },
      eventLoopLagP99Ms: 40,
      deleteSeconds: 17,
      cleanSeconds: 17,
      leftInAccount: 0,
    });
    const run = (seconds: number): BenchRun => ({ startedAt: '', machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, node: 'v20' }, settings: {}, sizes: [figures(100, seconds)] });
    const table = renderTable(run(21), run(40)).split('\n');
    expect(table[0]).toMatch(/^workloads\s+100 \(saved\)\s+100 \(now\)$/);
    expect(table.find((line) => line.startsWith('time to all Ready'))).toMatch(/40\.0\s+21\.0$/);
    // A run saved before the delete calls were counted shows a dash there.
    const now = run(21);
    now.sizes[0]!.deleteAwsCallsPerWorkload = { total: 4.5, byOperation: { 'iam:DeleteRole': 1 } };
    expect(renderTable(now, run(40)).split('\n').find((line) => line.startsWith('delete: AWS calls'))).toMatch(/-\s+4\.5$/);
    expect(renderOperations(now.sizes[0]!)).toMatch(/AWS calls per workload to delete, by operation:\n {2}iam:DeleteRole\s+1$/);
  });
});

describe('bench scenario', () => {
  const scenario: BenchScenario = { clusterName: 'c', region: 'us-east-1', subnetIds: ['subnet-a'], workloads: 10, namespaces: 3, placements: parsePlacements('Shared=0.8,Namespace=0.2'), policies: 2, ingressShare: 0.3, namespacePrefix: 'bench' };

  it('lays placements out by their shares, exactly', () => {
    const placements = Array.from({ length: 10 }, (_, i) => placementOf(i, 10, scenario.placements));
    expect(placements.filter((p) => p === 'Shared')).toHaveLength(8);
    expect(placements.filter((p) => p === 'Namespace')).toHaveLength(2);
    expect(placementOf(0, 10, parsePlacements('Dedicated'))).toBe('Dedicated');
  });

  it('refuses an unknown placement, naming it', () => {
    expect(() => parsePlacements('Everywhere')).toThrow('not "Everywhere"');
  });

  it('spreads workloads over the namespaces and gives the ingress share an Ingress', () => {
    expect(benchNamespace(scenario, 4)).toBe('bench-1');
    const withIngress = Array.from({ length: 10 }, (_, i) => benchWorkload(scenario, i)).filter((w) => 'ingress' in w.spec);
    expect(withIngress).toHaveLength(3);
    expect(benchWorkload(scenario, 0).spec.iam).toEqual({ managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess'] });
  });
});
