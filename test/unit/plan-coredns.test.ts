/** CoreDNS on Fargate: its profile and the patch that lets its pods leave EC2. */
import { TAG_CLUSTER, TAG_COMPONENT } from '../../src/api/constants.js';
import { coreDnsComputeTypePatch, planCoreDnsProfile } from '../../src/plan/coredns-profile.js';
import { selectorMatches } from '../../src/plan/profile-selector.js';
import { ACCOUNT, makeCluster } from './plan-fixtures.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/prod-fargate-pod-execution`;
const PROFILE_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]*$/;

describe('planCoreDnsProfile', () => {
  it('selects kube-system pods labelled k8s-app=kube-dns, on the cluster subnets, tagged as the CoreDNS profile', () => {
    expect(planCoreDnsProfile(makeCluster(), ROLE)).toEqual({
      name: 'fw-coredns',
      clusterName: 'prod',
      subnets: ['subnet-0a1', 'subnet-0b2'],
      selectors: [{ namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }],
      podExecutionRoleArn: ROLE,
      tags: { [TAG_CLUSTER]: 'prod', [TAG_COMPONENT]: 'coredns-profile' },
      placement: 'Shared',
      podLabels: { 'k8s-app': 'kube-dns' },
    });
  });

  it('takes the name prefix of the cluster and deduplicates the subnets', () => {
    const plan = planCoreDnsProfile(makeCluster({ profiles: { namePrefix: 'ops' }, subnetIds: ['subnet-2', 'subnet-1', 'subnet-2'] }), ROLE);
    expect(plan.name).toBe('ops-coredns');
    expect(plan.subnets).toEqual(['subnet-1', 'subnet-2']);
  });

  it('keeps a long prefix within the 100-character profile name limit', () => {
    const name = planCoreDnsProfile(makeCluster({ profiles: { namePrefix: 'p'.repeat(99) } }), ROLE).name;
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name).toMatch(PROFILE_NAME);
  });

  it('matches a CoreDNS pod and not an application pod', () => {
    const selector = planCoreDnsProfile(makeCluster(), ROLE).selectors[0]!;
    expect(selectorMatches(selector, 'kube-system', { 'k8s-app': 'kube-dns', 'pod-template-hash': 'abc' })).toBe(true);
    expect(selectorMatches(selector, 'shop', { 'k8s-app': 'kube-dns' })).toBe(false);
    expect(selectorMatches(selector, 'kube-system', { 'k8s-app': 'metrics-server' })).toBe(false);
  });
});

describe('coreDnsComputeTypePatch', () => {
  it('removes the compute-type annotation with an escaped JSON pointer', () => {
    const deployment = { spec: { template: { metadata: { annotations: { 'eks.amazonaws.com/compute-type': 'ec2', other: 'kept' } } } } };
    expect(coreDnsComputeTypePatch(deployment)).toEqual([
      { op: 'remove', path: '/spec/template/metadata/annotations/eks.amazonaws.com~1compute-type' },
    ]);
  });

  it('is undefined when the annotation is absent, the annotations are missing or null', () => {
    expect(coreDnsComputeTypePatch({ spec: { template: { metadata: { annotations: { other: 'x' } } } } })).toBeUndefined();
    expect(coreDnsComputeTypePatch({ spec: { template: { metadata: {} } } })).toBeUndefined();
    expect(coreDnsComputeTypePatch({ spec: { template: { metadata: { annotations: null } } } })).toBeUndefined();
    expect(coreDnsComputeTypePatch({})).toBeUndefined();
  });
});
