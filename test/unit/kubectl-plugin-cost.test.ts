// `kubectl fargate cost`: per-pod prices from status or the template, times the pods, summed per namespace and cluster.
import { describe, expect, it } from '@jest/globals';
import type { FargateWorkload } from '../../src/api/types.js';
import { costSummary, HOURS_PER_MONTH, workloadCost } from '../../src/kubectl-plugin/cost-summary.js';
import { renderCost } from '../../src/kubectl-plugin/cost-renderer.js';
import { painter } from '../../src/kubectl-plugin/text-style.js';
import { recordedWorkload, SMALL_TEMPLATE } from './kubectl-plugin-fixtures.js';

/** A workload `namespace/name` running `pods` pods at `perPod` USD an hour (status.capacity), on `cluster`. */
function running(namespace: string, name: string, pods: number, perPod: string, cluster?: string): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { namespace, name },
    spec: { template: SMALL_TEMPLATE, ...(cluster ? { clusterName: cluster } : {}) },
    status: { replicas: pods, capacity: { vcpu: '1', memoryGB: '2', hourlyCostUSD: perPod }, ...(cluster ? { clusterName: cluster } : {}) },
  };
}

describe('cost', () => {
  it('a workload costs its per-pod price from status.capacity times status.replicas; a month is 730 hours', () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(workloadCost(running('shop', 'web', 3, '0.0494'))).toEqual({ perPodHourlyUSD: 0.0494, pods: 3, hourlyUSD: 0.1482, monthlyUSD: 108.19, source: 'status' });
  });

  it('without status.capacity the price is sized from the pod template; a template Fargate cannot run has no price', () => {
    const recorded = recordedWorkload('recorded-stalled-invalid-spec');
    expect(workloadCost({ ...recorded, status: { ...recorded.status, replicas: 2 } })).toEqual({ perPodHourlyUSD: 0.0146, pods: 2, hourlyUSD: 0.0292, monthlyUSD: 21.32, source: 'template' });
    const huge = recordedWorkload('recorded-stalled-invalid-spec', { template: { spec: { containers: [{ name: 'big', image: 'x', resources: { requests: { cpu: '20' } } }] } } });
    expect(workloadCost(huge)).toEqual({ perPodHourlyUSD: null, pods: 0, hourlyUSD: 0, monthlyUSD: 0, source: 'unsized' });
  });

  it('sums per namespace and per cluster without floating-point noise; an unnamed workload counts for the only cluster', () => {
    const workloads = [
      running('shop', 'web', 3, '0.0146', 'demo'),
      running('shop', 'api', 7, '0.0146', 'demo'),
      running('billing', 'jobs', 1, '0.1000', 'other'),
      running('default', 'hello', 1, '0.0123'),
    ];
    const summary = costSummary(workloads, ['demo', 'other']);
    expect(summary.namespaces).toEqual([
      { namespace: 'billing', workloads: 1, pods: 1, hourlyUSD: 0.1, monthlyUSD: 73 },
      { namespace: 'default', workloads: 1, pods: 1, hourlyUSD: 0.0123, monthlyUSD: 8.98 },
      { namespace: 'shop', workloads: 2, pods: 10, hourlyUSD: 0.146, monthlyUSD: 106.58 },
    ]);
    // Two clusters exist and hello names none: it cannot be told which it runs on.
    expect(summary.clusters).toEqual([
      { cluster: null, workloads: 1, pods: 1, hourlyUSD: 0.0123, monthlyUSD: 8.98 },
      { cluster: 'demo', workloads: 2, pods: 10, hourlyUSD: 0.146, monthlyUSD: 106.58 },
      { cluster: 'other', workloads: 1, pods: 1, hourlyUSD: 0.1, monthlyUSD: 73 },
    ]);
    expect(summary.total).toEqual({ workloads: 4, pods: 12, hourlyUSD: 0.2583, monthlyUSD: 188.56 });
    expect(summary.workloads.map((row) => `${row.namespace}/${row.name}`)).toEqual(['billing/jobs', 'default/hello', 'shop/api', 'shop/web']);
    expect(costSummary([workloads[3]!], ['demo']).clusters).toEqual([{ cluster: 'demo', workloads: 1, pods: 1, hourlyUSD: 0.0123, monthlyUSD: 8.98 }]);
  });

  it('renders a namespace table and a cluster table with the total, kubectl-style', () => {
    const summary = costSummary([running('shop', 'web', 2, '0.0146', 'demo'), running('default', 'hello', 1, '0.0123', 'demo')], ['demo']);
    expect(renderCost(summary, painter(false))).toBe(
      [
        'NAMESPACE   WORKLOADS   PODS   USD/HOUR   USD/MONTH',
        'default     1           1      0.0123     8.98',
        'shop        1           2      0.0292     21.32',
        '',
        'CLUSTER   WORKLOADS   PODS   USD/HOUR   USD/MONTH',
        'demo      2           3      0.0415     30.30',
        'TOTAL     2           3      0.0415     30.30',
        '',
      ].join('\n'),
    );
  });
});
