import { TAG_CLUSTER } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import type { ObservedProfile } from '../../src/aws/fargate-profiles.js';
import {
  clusterStatus,
  CONDITION_CLUSTER_FOUND,
  CONDITION_EXECUTION_ROLE_READY,
  CONDITION_OIDC_PROVIDER_READY,
  oidcProviderHint,
  profileStatuses,
  summaryStatus,
  trustsFargatePods,
  workloadsRemainMessage,
  type ClusterObservation,
} from '../../src/operator/cluster/cluster-status.js';
import { partReady, partStalled, partUnknown, partWaiting, summarize } from '../../src/operator/part-report.js';
import { clusterNameOfWorkload, workloadsOfCluster } from '../../src/operator/cluster/workload-cluster.js';
import { awsCallOutcome } from '../../src/operator/aws-services.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T01:00:00Z');

function cluster(generation = 3, status?: FargateCluster['status']): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: 'demo', generation },
    spec: { region: 'us-east-1', subnetIds: ['subnet-1'] },
    ...(status ? { status } : {}),
  };
}

function workload(namespace: string, name: string, extra: Partial<FargateWorkload> = {}): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    ...extra,
  };
}

const clusterFound = partReady(CONDITION_CLUSTER_FOUND, 'Found', 'found');
const executionRole = partReady(CONDITION_EXECUTION_ROLE_READY, 'Ready', 'role');
const ready: ClusterObservation = {
  parts: [clusterFound, partReady(CONDITION_OIDC_PROVIDER_READY, 'Ready', 'provider'), executionRole],
  facts: { oidcIssuer: 'https://oidc.example/id/1', accountId: '123456789012', podExecutionRoleArn: 'arn:aws:iam::123456789012:role/r', vpcId: undefined },
};

describe('summarize (the one summary of workload and cluster parts)', () => {
  it('is Ready only when every part is True, with the message given', () => {
    expect(summarize([partReady('A', 'a'), partReady('B', 'b')])).toEqual({ state: 'Ready' });
    expect(summarize([partReady('A', 'a')], 'all good')).toEqual({ state: 'Ready', message: 'all good' });
  });

  it('is Stalled when any part needs a person, else Reconciling with the first part not True', () => {
    expect(summarize([partReady('A', 'a'), partStalled('B', 'OIDCProviderMissing', 'make one'), partStalled('C', 'Later', 'x')])).toEqual({
      state: 'Stalled',
      reason: 'OIDCProviderMissing',
      message: 'make one',
    });
    // A part still converging ahead of a stalled one does not hide it.
    expect(summarize([partWaiting('A', 'Creating', 'wait'), partStalled('B', 'ProfileFailed', 'failed')]).state).toBe('Stalled');
    expect(summarize([partWaiting('A', 'Creating', 'wait')])).toEqual({ state: 'Reconciling', reason: 'Creating', message: 'wait' });
    expect(summarize([partUnknown('A', 'ClusterNotFound', 'waits')]).state).toBe('Reconciling');
  });
});

describe('clusterStatus', () => {
  it('sets kstatus, the three part conditions and the facts, leaving undefined facts out', () => {
    const status = clusterStatus(cluster(), ready, T0);
    expect(status.observedGeneration).toBe(3);
    expect(status).not.toHaveProperty('vpcId');
    expect(status.accountId).toBe('123456789012');
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    expect(byType).toEqual({
      Ready: 'True/Ready',
      Reconciling: 'False/Done',
      Stalled: 'False/NotStalled',
      ClusterFound: 'True/Found',
      OIDCProviderReady: 'True/Ready',
      PodExecutionRoleReady: 'True/Ready',
    });
  });

  it('gives the same status for the same observation later, so a steady state writes nothing', () => {
    const first = clusterStatus(cluster(), ready, T0);
    const again = clusterStatus(cluster(3, first), ready, T1);
    expect(again).toEqual(first);
  });

  it('moves the transition time of a condition whose status changes, only that one', () => {
    const first = clusterStatus(cluster(), ready, T0);
    const missing = { ...ready, parts: [clusterFound, partStalled(CONDITION_OIDC_PROVIDER_READY, 'OIDCProviderMissing', 'hint'), executionRole] };
    const next = clusterStatus(cluster(3, first), missing, T1);
    const time = (type: string) => next.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time('OIDCProviderReady')).toBe('2026-01-01T01:00:00Z');
    expect(time('Ready')).toBe('2026-01-01T01:00:00Z');
    expect(time('ClusterFound')).toBe('2026-01-01T00:00:00Z');
  });
});

describe('summaryStatus', () => {
  it('changes only the kstatus conditions and the generation, keeping the facts and part conditions', () => {
    const previous = clusterStatus(cluster(2), ready, T0);
    const next = summaryStatus(cluster(3, previous), { state: 'Reconciling', reason: 'WorkloadsRemain', message: 'm', observedGeneration: 3 }, T1);
    expect(next.observedGeneration).toBe(3);
    expect(next.podExecutionRoleArn).toBe(previous.podExecutionRoleArn);
    expect(next.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'WorkloadsRemain', message: 'm' });
    expect(next.conditions?.find((c) => c.type === 'ClusterFound')).toEqual(previous.conditions?.find((c) => c.type === 'ClusterFound'));
  });
});

describe('trustsFargatePods', () => {
  const allow = (extra: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'eks-fargate-pods.amazonaws.com' }, ...extra }] });

  it('accepts an Allow of sts:AssumeRole to the Fargate pods principal, in any list form', () => {
    expect(trustsFargatePods(allow({}))).toBe(true);
    expect(trustsFargatePods(allow({ Principal: { Service: ['ec2.amazonaws.com', 'eks-fargate-pods.amazonaws.com'] }, Action: ['sts:TagSession', 'sts:AssumeRole'] }))).toBe(true);
    expect(trustsFargatePods({ Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'eks-fargate-pods.amazonaws.com' } } })).toBe(true);
  });

  it('rejects other principals, a Deny, other actions and no policy', () => {
    expect(trustsFargatePods(allow({ Principal: { Service: 'ec2.amazonaws.com' } }))).toBe(false);
    expect(trustsFargatePods(allow({ Effect: 'Deny' }))).toBe(false);
    expect(trustsFargatePods(allow({ Action: 'sts:AssumeRoleWithWebIdentity' }))).toBe(false);
    expect(trustsFargatePods(undefined)).toBe(false);
  });
});

describe('messages', () => {
  it('names the eksctl and aws CLI commands that create a missing OIDC provider', () => {
    const hint = oidcProviderHint('demo', 'eu-west-1', 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC');
    expect(hint).toContain('eksctl utils associate-iam-oidc-provider --cluster demo --region eu-west-1 --approve');
    expect(hint).toContain('aws iam create-open-id-connect-provider --url https://oidc.eks.eu-west-1.amazonaws.com/id/ABC --client-id-list sts.amazonaws.com');
  });

  it('lists at most ten remaining workloads and counts the rest', () => {
    expect(workloadsRemainMessage(['a/x'])).toBe('1 FargateWorkload still runs on this cluster: a/x; delete them first');
    const keys = Array.from({ length: 12 }, (_, i) => `ns/w${i}`);
    const message = workloadsRemainMessage(keys);
    expect(message).toContain('12 FargateWorkloads still run');
    expect(message).toContain('ns/w9 and 2 more');
    expect(message).not.toContain('ns/w10');
  });
});

describe('profileStatuses', () => {
  const profile = (name: string, tags: Record<string, string>): ObservedProfile => ({
    name,
    clusterName: 'demo',
    arn: `arn:${name}`,
    status: 'ACTIVE',
    subnets: ['subnet-1'],
    selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': name } }, { namespace: 'kube-system', labels: {} }],
    podExecutionRoleArn: 'arn:role',
    tags,
    healthIssues: [],
  });

  it('shows the profiles tagged with the cluster, sorted, with the workloads whose status names them', () => {
    const workloads = [
      workload('b', 'web', { status: { fargateProfile: { name: 'fw-shared', status: 'ACTIVE' } } }),
      workload('a', 'api', { status: { fargateProfile: { name: 'fw-shared', status: 'ACTIVE' } } }),
      workload('a', 'idle'),
    ];
    const statuses = profileStatuses('demo', [profile('fw-z', { [TAG_CLUSTER]: 'demo' }), profile('theirs', {}), profile('fw-shared', { [TAG_CLUSTER]: 'demo' }), profile('other', { [TAG_CLUSTER]: 'prod' })], workloads);
    expect(statuses).toEqual([
      {
        name: 'fw-shared',
        status: 'ACTIVE',
        selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': 'fw-shared' } }, { namespace: 'kube-system' }],
        workloads: ['a/api', 'b/web'],
      },
      { name: 'fw-z', status: 'ACTIVE', selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': 'fw-z' } }, { namespace: 'kube-system' }] },
    ]);
  });
});

describe('workload to cluster', () => {
  it('uses spec.clusterName, else the only cluster, else none', () => {
    expect(clusterNameOfWorkload(workload('a', 'x', { spec: { clusterName: 'prod', template: { spec: { containers: [] } } } }), ['demo'])).toBe('prod');
    expect(clusterNameOfWorkload(workload('a', 'x'), ['demo'])).toBe('demo');
    expect(clusterNameOfWorkload(workload('a', 'x'), ['demo', 'prod'])).toBeUndefined();
    expect(clusterNameOfWorkload(workload('a', 'x'), [])).toBeUndefined();
  });

  it('finds the workloads of a cluster, sorted by key', () => {
    const named = workload('z', 'named', { spec: { clusterName: 'demo', template: { spec: { containers: [] } } } });
    const elsewhere = workload('a', 'elsewhere', { spec: { clusterName: 'prod', template: { spec: { containers: [] } } } });
    expect(workloadsOfCluster('demo', [named, workload('b', 'implicit'), elsewhere], ['demo']).map((w) => `${w.metadata.namespace}/${w.metadata.name}`)).toEqual(['b/implicit', 'z/named']);
    // With two clusters, a workload that names none belongs to neither.
    expect(workloadsOfCluster('demo', [named, workload('b', 'implicit')], ['demo', 'prod'])).toEqual([named]);
  });
});

describe('awsCallOutcome', () => {
  it('labels calls by the class of their error', () => {
    expect(awsCallOutcome({ outcome: 'ok' })).toBe('success');
    expect(awsCallOutcome({ outcome: 'ThrottlingException' })).toBe('retryable');
    expect(awsCallOutcome({ outcome: 'NoSuchEntityException' })).toBe('not_found');
    expect(awsCallOutcome({ outcome: 'AccessDeniedException' })).toBe('terminal');
    expect(awsCallOutcome({ outcome: 'EntityAlreadyExistsException' })).toBe('error');
  });
});
