import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import type { NetworkVerdict } from '../../src/aws/network-preflight.js';
import { partReady, partWaiting } from '../../src/operator/part-report.js';
import { combineNetworkReports, NETWORK_RECHECK_MS, networkReport, workloadNetworkQuery } from '../../src/operator/workload/network-part.js';

const cluster = {
  apiVersion: 'fargate.eksops.dev/v1alpha1',
  kind: 'FargateCluster',
  metadata: { name: 'c' },
  spec: { region: 'us-east-1', subnetIds: ['subnet-a'] },
  status: { vpcId: 'vpc-1' },
} as FargateCluster;

function workload(securityGroupIds?: string[]): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name: 'w', namespace: 'n' },
    spec: { template: { spec: { containers: [] } }, ...(securityGroupIds ? { networking: { securityGroupIds } } : {}) },
  } as FargateWorkload;
}

const verdict = (over: Partial<NetworkVerdict>): NetworkVerdict => ({ ready: false, terminal: false, problems: [], reason: 'NetworkReady', message: 'm', ...over });

describe('workloadNetworkQuery', () => {
  it("asks about the profile's subnets, the workload's security groups and the cluster's VPC", () => {
    expect(workloadNetworkQuery(workload(['sg-1']), cluster, ['subnet-x'])).toEqual({ subnetIds: ['subnet-x'], securityGroupIds: ['sg-1'], vpcId: 'vpc-1' });
  });

  it('leaves out security groups and the VPC when there are none', () => {
    const bare = { ...cluster, status: {} } as FargateCluster;
    expect(workloadNetworkQuery(workload([]), bare, ['subnet-x'])).toEqual({ subnetIds: ['subnet-x'] });
  });
});

describe('networkReport', () => {
  it('is True on a good network', () => {
    expect(networkReport(verdict({ ready: true }))).toEqual({ condition: { type: 'NetworkReady', status: 'True', reason: 'NetworkReady', message: 'm' } });
  });

  it('stalls on a terminal problem, with its reason and message', () => {
    const report = networkReport(verdict({ terminal: true, reason: 'PublicSubnet', message: 'subnet-p is public' }));
    expect(report).toEqual({ condition: { type: 'NetworkReady', status: 'False', reason: 'PublicSubnet', message: 'subnet-p is public' }, stalled: true });
  });

  it('waits with a slow requeue on a problem that can be fixed outside the operator', () => {
    const report = networkReport(verdict({ reason: 'SecurityGroupNotFound', message: 'sg-x does not exist' }));
    expect(report).toEqual({ condition: { type: 'NetworkReady', status: 'False', reason: 'SecurityGroupNotFound', message: 'sg-x does not exist' }, requeueAfterMs: NETWORK_RECHECK_MS });
  });
});

describe('combineNetworkReports', () => {
  const applied = partReady('NetworkReady', 'SecurityGroupPolicyApplied', 'security groups sg-1');
  it('reports a network problem before the SecurityGroupPolicy', () => {
    const problem = partWaiting('NetworkReady', 'NoEgressPath', 'no egress', NETWORK_RECHECK_MS);
    expect(combineNetworkReports(problem, applied)).toBe(problem);
  });

  it('on a good network, the SecurityGroupPolicy says the rest (a missing CRD included)', () => {
    const missing = partWaiting('NetworkReady', 'SecurityGroupPolicyCRDMissing', 'no CRD', 60_000);
    expect(combineNetworkReports(partReady('NetworkReady', 'NetworkReady'), missing)).toBe(missing);
    expect(combineNetworkReports(partReady('NetworkReady', 'NetworkReady'), applied)).toBe(applied);
  });
});
