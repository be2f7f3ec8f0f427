/**
 * The FargateCluster reconciler driven through in-memory fakes of its ports: converge from nothing
 * (OIDC provider, pod execution role), a steady state with zero writes, failures to conditions,
 * and delete.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { FINALIZER, TAG_CLUSTER, TAG_COMPONENT, TAG_DELETION_POLICY, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../../src/api/constants.js';
import type { FargateCluster } from '../../src/api/types.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { ManualClock } from '../../src/controller/clock.js';
import { isTerminal, type ReconcileResult } from '../../src/controller/reconciler.js';
import { createLogger } from '../../src/observability/logger.js';
import { createFargateClusterReconciler } from '../../src/operator/reconcilers/fargate-cluster.js';
import { awsError, FAKE_REGION, FAKE_VPC, FakeAwsAccount } from '../support/fakes/fake-aws.js';
import { FakeKubernetes } from '../support/fakes/fake-kubernetes.js';

const NAME = 'prod';
const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'];
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

function clusterManifest(spec: Partial<FargateCluster['spec']> = {}): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: NAME, uid: 'cluster-uid', generation: 1 },
    spec: { region: FAKE_REGION, subnetIds: SUBNETS, podExecutionRole: { create: true }, iam: { createOIDCProvider: true }, ...spec },
  };
}

function harness() {
  const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
  const aws = new FakeAwsAccount({
    clusters: [{ name: NAME, arn: `arn:aws:eks:${FAKE_REGION}:123456789012:cluster/${NAME}`, status: 'ACTIVE', oidcIssuer: ISSUER, vpcId: FAKE_VPC, subnetIds: SUBNETS, securityGroupIds: [] }],
  });
  const lane = new ProfileLane({ now: () => clock.now() });
  const kube = new FakeKubernetes();
  const reconciler = createFargateClusterReconciler(kube.context(aws.services(lane), lane, clock));
  const context = { reconcileId: 'test', logger: createLogger({ silent: true }), signal: new AbortController().signal, retryDelayMs: 2_000 };
  const run = async (): Promise<ReconcileResult | Error> => reconciler.reconcile({ name: NAME }, context).catch((error: unknown) => error as Error);
  const condition = (type: string) => kube.clusters.get(NAME)?.status?.conditions?.find((c) => c.type === type);
  return { aws, kube, run, condition };
}

/** The trust policy of an IRSA role of the EKS cluster with this OIDC issuer. */
function trustOf(issuer: string): unknown {
  const provider = `arn:aws:iam::123456789012:oidc-provider/${issuer.replace('https://', '')}`;
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
}

/** Puts a role under /eksops/ with these tags into the fake account, as an earlier run left it (trusting this cluster's issuer unless told). */
function leftRole(aws: FakeAwsAccount, name: string, tags: Record<string, string>, issuer = ISSUER): void {
  aws.roles.set(name, {
    name,
    arn: `arn:aws:iam::123456789012:role/eksops/${name}`,
    path: '/eksops/',
    trustPolicy: trustOf(issuer),
    tags,
    attachedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    inlinePolicies: {},
  });
}

/** Puts an ACTIVE Dedicated profile with these tags into the fake account. */
function leftProfile(aws: FakeAwsAccount, name: string, tags: Record<string, string>): void {
  aws.profiles.set(`${NAME}/${name}`, {
    left: 0,
    profile: {
      name,
      clusterName: NAME,
      arn: `arn:aws:eks:${FAKE_REGION}:123456789012:fargateprofile/${NAME}/${name}/0`,
      status: 'ACTIVE',
      subnets: SUBNETS,
      selectors: [{ namespace: 'shop', labels: {} }],
      podExecutionRoleArn: 'arn:aws:iam::123456789012:role/x',
      tags,
      healthIssues: [],
    },
  });
}

/** The tags the operator puts on what one workload owns. */
function workloadTags(name: string, uid: string, component: string, policy?: string): Record<string, string> {
  return {
    [TAG_CLUSTER]: NAME,
    [TAG_NAMESPACE]: 'shop',
    [TAG_NAME]: name,
    [TAG_UID]: uid,
    [TAG_COMPONENT]: component,
    ...(policy ? { [TAG_DELETION_POLICY]: policy } : {}),
  };
}

describe('FargateCluster reconciler on fakes', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('converges from nothing: the OIDC provider and the pod execution role, then Ready with the facts in status', async () => {
    h.kube.clusters.set(NAME, clusterManifest());
    expect(await h.run()).toEqual({});
    expect(h.condition('Ready')?.status).toBe('True');
    expect(h.aws.writes()).toEqual(expect.arrayContaining(['iam:CreateOpenIDConnectProvider', 'iam:CreateRole', 'iam:AttachRolePolicy']));
    expect(h.kube.clusters.get(NAME)?.status).toMatchObject({ oidcIssuer: ISSUER, accountId: '123456789012', vpcId: FAKE_VPC, podExecutionRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//) });
    // The inventory: what the cluster owns, the provider it created and the role it made.
    const status = h.kube.clusters.get(NAME)?.status;
    expect(status?.awsResources).toEqual([
      { kind: 'IAMRole', name: 'prod-us-east-1-fargate-pod-execution', arn: status?.podExecutionRoleArn, state: 'Ready' },
      { kind: 'OIDCProvider', name: ISSUER.replace('https://', ''), arn: status?.oidcProviderArn, state: 'Ready' },
    ]);
  });

  it('lists neither an execution role the FargateCluster names nor an OIDC provider it did not create', async () => {
    const url = ISSUER.replace('https://', '');
    h.aws.oidcProviders.set(url, { arn: `arn:aws:iam::123456789012:oidc-provider/${url}`, url, clientIds: ['sts.amazonaws.com'], tags: {} });
    h.aws.roles.set('exec', {
      name: 'exec',
      arn: 'arn:aws:iam::123456789012:role/platform/exec',
      path: '/platform/',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks-fargate-pods.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      tags: {},
      attachedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy'],
      inlinePolicies: {},
    });
    h.kube.clusters.set(NAME, clusterManifest({ podExecutionRole: { arn: 'arn:aws:iam::123456789012:role/platform/exec' } }));
    expect(await h.run()).toEqual({});
    expect(h.kube.clusters.get(NAME)?.status?.podExecutionRoleArn).toBe('arn:aws:iam::123456789012:role/platform/exec');
    expect(h.kube.clusters.get(NAME)?.status?.awsResources).toEqual([]);
  });

  it('in a steady state a reconcile makes no AWS write and no Kubernetes write', async () => {
    h.kube.clusters.set(NAME, clusterManifest());
    await h.run();
    const [awsWrites, kubeWrites] = [h.aws.writes().length, h.kube.writes.length];
    for (let i = 0; i < 3; i++) expect(await h.run()).toEqual({});
    expect(h.aws.writes()).toHaveLength(awsWrites);
    expect(h.kube.writes).toHaveLength(kubeWrites);
  });

  it('sweeps what deleted workloads left behind: only resources tagged Delete whose workload is gone, with events and a metric', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ iam: { rolePath: '/eksops/', createOIDCProvider: true } }));
    const live = { apiVersion: 'fargate.eksops.dev/v1alpha1' as const, kind: 'FargateWorkload' as const, metadata: { name: 'live', namespace: 'shop', uid: 'uid-live' }, spec: { template: { spec: { containers: [] } } } };
    h.kube.addWorkload(live);
    leftRole(h.aws, 'prod-shop-gone-1a2b3c4d', workloadTags('gone', 'uid-gone', 'irsa-role', 'Delete'));
    leftProfile(h.aws, 'fw-shop-gone-1a2b3c4d', workloadTags('gone', 'uid-gone', 'fargate-profile', 'Delete'));
    leftRole(h.aws, 'prod-shop-kept-1a2b3c4d', workloadTags('kept', 'uid-kept', 'irsa-role', 'Retain'));
    leftProfile(h.aws, 'fw-shop-kept-1a2b3c4d', workloadTags('kept', 'uid-kept', 'fargate-profile', 'Retain'));
    leftRole(h.aws, 'prod-shop-old-1a2b3c4d', workloadTags('old', 'uid-old', 'irsa-role'));
    leftRole(h.aws, 'prod-shop-live-1a2b3c4d', workloadTags('live', 'uid-live', 'irsa-role', 'Delete'));
    leftRole(h.aws, 'dev-shop-gone-1a2b3c4d', { ...workloadTags('gone', 'uid-gone', 'irsa-role', 'Delete'), [TAG_CLUSTER]: 'dev' });
    leftRole(h.aws, 'platform-made', {});
    // A same-named EKS cluster in another region of the account tags its roles alike: they trust its issuer, not this one's.
    leftRole(h.aws, 'prod-shop-gone-eu-1a2b3c4d', workloadTags('gone', 'uid-gone-eu', 'irsa-role', 'Delete'), 'https://oidc.eks.eu-west-1.amazonaws.com/id/0THERREGI0N0000000000000000000000');
    // One left before the EKS cluster was made again under its name (another issuer, same region) is this cluster's.
    leftRole(h.aws, 'prod-shop-older-1a2b3c4d', workloadTags('older', 'uid-older', 'irsa-role', 'Delete'), 'https://oidc.eks.us-east-1.amazonaws.com/id/EARLIERC1USTER000000000000000000');

    expect(await h.run()).toEqual({});
    expect(h.aws.roles.has('prod-shop-gone-1a2b3c4d')).toBe(false);
    expect(h.aws.roles.has('prod-shop-older-1a2b3c4d')).toBe(false);
    expect(h.aws.profiles.get(`${NAME}/fw-shop-gone-1a2b3c4d`)?.profile.status).not.toBe('ACTIVE');
    for (const kept of ['prod-shop-kept-1a2b3c4d', 'prod-shop-old-1a2b3c4d', 'prod-shop-live-1a2b3c4d', 'dev-shop-gone-1a2b3c4d', 'platform-made', 'prod-shop-gone-eu-1a2b3c4d']) expect(h.aws.roles.has(kept)).toBe(true);
    expect(h.aws.profiles.get(`${NAME}/fw-shop-kept-1a2b3c4d`)?.profile.status).toBe('ACTIVE');
    expect(h.kube.events.filter((e) => e.reason === 'OrphanDeleted').map((e) => e.message)).toEqual([
      expect.stringMatching(/^deleted IAM role .*prod-shop-gone-1a2b3c4d: its FargateWorkload shop\/gone \(uid uid-gone\) no longer exists$/),
      expect.stringMatching(/^deleted IAM role .*prod-shop-older-1a2b3c4d: its FargateWorkload shop\/older/),
      expect.stringMatching(/^deleting Fargate profile fw-shop-gone-1a2b3c4d: its FargateWorkload shop\/gone/),
    ]);
    const metric = await h.kube.metrics.orphansDeletedTotal.get();
    expect(metric.values.map((value) => [value.labels.kind, value.value])).toEqual([['IAMRole', 2], ['FargateProfile', 1]]);

    // Once per resync: the next reconcile reads no role list.
    const calls = h.aws.calls.length;
    expect(await h.run()).toEqual({});
    expect(h.aws.calls.slice(calls)).not.toContain('iam:ListRoles');
  });

  it('sweeps nothing of a live workload whose cluster is not settled (two FargateClusters, none named or recorded)', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ iam: { rolePath: '/eksops/', createOIDCProvider: true } }));
    h.kube.clusters.set('staging', { ...clusterManifest(), metadata: { name: 'staging', uid: 'staging-uid', generation: 1 } });
    // Its first reconcile made a profile and a role, then failed before status recorded the cluster.
    h.kube.addWorkload({ apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateWorkload', metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' }, spec: { template: { spec: { containers: [] } } } });
    leftProfile(h.aws, 'fw-shop-web-1a2b3c4d', workloadTags('web', 'uid-web', 'fargate-profile', 'Delete'));
    leftRole(h.aws, 'prod-shop-web-1a2b3c4d', workloadTags('web', 'uid-web', 'irsa-role', 'Delete'));
    expect(await h.run()).toEqual({});
    expect(h.aws.profiles.get(`${NAME}/fw-shop-web-1a2b3c4d`)?.profile.status).toBe('ACTIVE');
    expect(h.aws.roles.has('prod-shop-web-1a2b3c4d')).toBe(true);
    expect(h.kube.events.filter((e) => e.reason === 'OrphanDeleted')).toEqual([]);
  });

  it('a failed sweep is said in an event and does not hold up the cluster', async () => {
    h.aws.faults = [{ operation: 'iam:ListRoles', error: () => awsError('AccessDenied', 'User is not authorized to perform: iam:ListRoles', 403) }];
    h.kube.clusters.set(NAME, clusterManifest());
    expect(await h.run()).toEqual({});
    expect(h.condition('Ready')?.status).toBe('True');
    expect(h.kube.events.find((e) => e.reason === 'OrphanSweepFailed')?.message).toMatch(/iam:ListRoles/);
  });

  it('a retryable AWS error shows as Reconciling with the retry time, and an event', async () => {
    h.aws.faults = [{ operation: 'eks:DescribeCluster', error: () => awsError('ServerException', 'An internal service error occurred.', 500) }];
    h.kube.clusters.set(NAME, clusterManifest());
    const outcome = await h.run();
    expect(outcome).toBeInstanceOf(Error);
    expect(isTerminal(outcome)).toBe(false);
    expect(h.condition('Reconciling')).toMatchObject({ status: 'True', reason: 'ServiceError', message: expect.stringMatching(/ServerException.*retrying in 2\.0 s \(at 2026-12-02T10:00:02Z\)$/) });
    expect(h.kube.events.map((e) => e.reason)).toContain('AWSCallFailed');
  });

  it('access denied stalls the cluster with the reason', async () => {
    h.aws.faults = [{ operation: 'eks:DescribeCluster', error: () => awsError('AccessDeniedException', 'User is not authorized to perform: eks:DescribeCluster', 403) }];
    h.kube.clusters.set(NAME, clusterManifest());
    expect(isTerminal(await h.run())).toBe(true);
    expect(h.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AccessDenied', message: expect.stringContaining('eks:DescribeCluster') });
  });

  it('a missing EKS cluster is reported as ClusterNotFound', async () => {
    h.aws.clusters.clear();
    h.kube.clusters.set(NAME, clusterManifest());
    expect(await h.run()).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('ClusterFound')).toMatchObject({ status: 'False', reason: 'ClusterNotFound' });
    // The parts that need the EKS cluster say so instead of running (the workflow's WaitingFor).
    expect(h.condition('OIDCProviderReady')).toMatchObject({ status: 'Unknown', reason: 'WaitingForEKSCluster' });
    expect(h.condition('PodExecutionRoleReady')).toMatchObject({ status: 'Unknown', reason: 'WaitingForEKSCluster' });
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'Unknown', reason: 'WaitingForExecutionRole' });
    expect(h.aws.writes()).toEqual([]);
  });

  it('a pod execution role that is not trusted stalls it, and CoreDNS waits for it', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ podExecutionRole: { arn: 'arn:aws:iam::123456789012:role/missing' }, coreDNSOnFargate: true }));
    expect(await h.run()).toMatchObject({ requeueAfterMs: 60_000 });
    expect(h.condition('PodExecutionRoleReady')).toMatchObject({ status: 'False', reason: 'RoleNotFound' });
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'Unknown', reason: 'WaitingForExecutionRole' });
    expect(h.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RoleNotFound' });
    expect(h.aws.profiles.size).toBe(0);
  });

  it('the coredns profile counts against maxProfiles like a workload profile (the shared laned-profile part)', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ coreDNSOnFargate: true, profiles: { maxProfiles: 1, namePrefix: 'fw' } }));
    await h.aws.services(new ProfileLane()).profiles.create({ name: 'other', clusterName: NAME, subnets: SUBNETS, selectors: [{ namespace: 'x', labels: {} }], podExecutionRoleArn: 'arn:aws:iam::123456789012:role/x', tags: {} });
    await h.run();
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'False', reason: 'ProfileQuotaExceeded' });
  });

  it('logging on: the aws-observability Namespace and aws-logging ConfigMap, the role may write the log group; then steady', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ logging: { cloudWatch: { logGroupName: '/eks/prod/fargate', retentionDays: 30 } } }));
    expect(await h.run()).toEqual({});
    expect(h.condition('LoggingReady')).toMatchObject({ status: 'True', reason: 'Configured' });
    expect(h.kube.get('Namespace', '', 'aws-observability')?.metadata?.labels).toMatchObject({ 'aws-observability': 'enabled' });
    expect(JSON.stringify(h.kube.get('ConfigMap', 'aws-observability', 'aws-logging')?.data)).toContain('/eks/prod/fargate');
    const role = [...h.aws.roles.values()][0]!;
    expect(JSON.stringify(role.inlinePolicies)).toContain('logs:PutLogEvents');
    const [awsWrites, kubeWrites] = [h.aws.writes().length, h.kube.writes.length];
    expect(await h.run()).toEqual({});
    expect([h.aws.writes().length, h.kube.writes.length]).toEqual([awsWrites, kubeWrites]);
  });

  it('CoreDNS on Fargate: its profile through the lane, CREATING then ACTIVE, then the compute-type annotation removed', async () => {
    await h.kube.api.patch({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: { template: { metadata: { annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } } } },
    } as never);
    h.kube.clusters.set(NAME, clusterManifest({ coreDNSOnFargate: true, profiles: { maxProfiles: 10, namePrefix: 'fw' } }));
    const first = await h.run();
    expect(first).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(h.condition('Reconciling')).toMatchObject({ status: 'True' });
    expect(await h.run()).toEqual({});
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'True', reason: 'Active' });
    expect([...h.aws.profiles.values()].map((p) => `${p.profile.name} ${p.profile.status}`)).toEqual(['fw-coredns ACTIVE']);
    const coredns = h.kube.get('Deployment', 'kube-system', 'coredns') as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    expect(coredns.spec.template.metadata.annotations ?? {}).not.toHaveProperty('eks.amazonaws.com/compute-type');
  });

  it('delete: the execution role it created goes, the OIDC provider stays by default (IRSA roles depend on it), then the finalizer', async () => {
    h.kube.clusters.set(NAME, clusterManifest());
    await h.run();
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    expect(await h.run()).toEqual({});
    expect(h.aws.roles.size).toBe(0);
    expect(h.aws.oidcProviders.size).toBe(1);
    expect(h.aws.writes()).not.toContain('iam:DeleteOpenIDConnectProvider');
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toEqual([]);
  });

  it('delete after the EKS cluster was deleted first: the execution role it created still goes, then the finalizer', async () => {
    h.kube.clusters.set(NAME, clusterManifest());
    await h.run();
    h.aws.clusters.clear();
    expect(await h.run()).toMatchObject({ requeueAfterMs: expect.any(Number) });
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    expect(await h.run()).toEqual({});
    expect(h.aws.roles.size).toBe(0);
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toEqual([]);
  });

  it('delete with deleteOIDCProvider: the provider it created is kept while a role trusts it, deleted once none does', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ iam: { createOIDCProvider: true, deleteOIDCProvider: true } }));
    await h.run();
    const providerArn = [...h.aws.oidcProviders.values()][0]!.arn;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
    await h.aws.services(new ProfileLane()).iamRoles.createRole({ name: 'platform-irsa', path: '/', trustPolicy: trust, tags: {}, managedPolicyArns: [], inlinePolicyName: 'none' });
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    expect(await h.run()).toEqual({});
    expect(h.aws.oidcProviders.size).toBe(1);
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toEqual([]);
    // A later deletion of a FargateCluster of the same name, with no role trusting the provider any more, removes it.
    await h.aws.services(new ProfileLane()).iamRoles.deleteRole('platform-irsa');
    h.kube.clusters.set(NAME, clusterManifest({ iam: { createOIDCProvider: true, deleteOIDCProvider: true } }));
    await h.run();
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    expect(await h.run()).toEqual({});
    expect(h.aws.oidcProviders.size).toBe(0);
  });

  it('delete after spec.profiles.namePrefix changed: the coredns profile made under the earlier prefix goes too', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ coreDNSOnFargate: true, profiles: { maxProfiles: 10, namePrefix: 'fw' } }));
    await h.run();
    await h.run();
    h.kube.clusters.set(NAME, { ...h.kube.clusters.get(NAME)!, spec: { ...h.kube.clusters.get(NAME)!.spec, profiles: { maxProfiles: 10, namePrefix: 'team' } } });
    for (let pass = 0; pass < 4; pass++) await h.run();
    expect([...h.aws.profiles.values()].map((p) => p.profile.name).sort()).toEqual(['fw-coredns', 'team-coredns']);
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    let result = await h.run();
    for (let pass = 0; pass < 12 && !(result instanceof Error) && result.requeueAfterMs !== undefined; pass++) result = await h.run();
    expect(result).toEqual({});
    expect([h.aws.profiles.size, h.aws.roles.size]).toEqual([0, 0]);
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toEqual([]);
  });

  it('delete with CoreDNS on: the coredns profile goes first; the role it runs with waits until it is gone', async () => {
    h.kube.clusters.set(NAME, clusterManifest({ coreDNSOnFargate: true, profiles: { maxProfiles: 10, namePrefix: 'fw' } }));
    await h.run();
    await h.run();
    expect(h.condition('CoreDNSReady')).toMatchObject({ status: 'True' });
    h.kube.clusters.get(NAME)!.metadata.deletionTimestamp = new Date().toISOString();
    expect(await h.run()).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('Reconciling')).toMatchObject({ status: 'True', reason: 'Deleting' });
    expect([...h.aws.profiles.values()].map((p) => p.profile.status)).toEqual(['DELETING']);
    expect(h.aws.roles.size).toBe(1);
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toContain(FINALIZER);
    // The fake keeps a profile DELETING for a few observations; the role stays while it exists.
    let result = await h.run();
    for (let pass = 0; pass < 5 && h.aws.profiles.size > 0; pass++) {
      expect(h.aws.roles.size).toBe(1);
      result = await h.run();
    }
    expect(result).toEqual({});
    expect([h.aws.profiles.size, h.aws.roles.size, h.aws.oidcProviders.size]).toEqual([0, 0, 1]);
    expect(h.kube.clusters.get(NAME)?.metadata.finalizers).toEqual([]);
  });
});
