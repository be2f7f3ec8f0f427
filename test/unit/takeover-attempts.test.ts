/**
 * What an application team may write (its FargateWorkload, its Deployment, its pods) must not make
 * the operator delete or take over AWS resources that are not its workload's. The Deployment's
 * move annotation and pod label name a profile to let go of only when the workload's status (the
 * operator's own record) names it too and its tags make it a workload profile of that namespace;
 * the adopt annotation takes only what the operator never tagged for someone else. Driven through
 * the in-memory fakes, as workload-reconciler.test.ts.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { adoptionRefusal } from '../../src/aws/ownership.js';
import { planFargateProfile, planIrsaRole } from '../../src/plan/index.js';
import { FAKE_ACCOUNT, FAKE_REGION } from '../support/fakes/fake-aws.js';
import { readyFargateCluster, workloadHarness } from '../support/workload-harness.js';

const CLUSTER = 'prod';
const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'];
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const EXECUTION_ROLE = `arn:aws:iam::${FAKE_ACCOUNT}:role/${CLUSTER}-us-east-1-fargate-pod-execution`;
const PROFILE_LABEL = 'fargate.eksops.dev/profile';
const MOVING_FROM = 'fargate.eksops.dev/moving-from-profile';
const ADOPT = 'fargate.eksops.dev/adopt';

/** The cluster's CoreDNS profile and another team's Namespace profile: neither is team-b's to delete. */
const COREDNS = { name: 'fw-coredns-1a2b3c4d', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, tags: { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/component': 'coredns-profile' } };
const TEAM_A = { name: 'fw-ns-team-a-0badc0de', namespace: 'team-a', labels: { [PROFILE_LABEL]: 'fw-ns-team-a-0badc0de' }, tags: { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'team-a', 'fargate.eksops.dev/component': 'fargate-profile' } };
type ForeignProfile = typeof COREDNS | typeof TEAM_A;

function readyCluster(): FargateCluster {
  return readyFargateCluster({ coreDNSOnFargate: true, iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ], createOIDCProvider: true } });
}

function workload(namespace: string, name: string, annotations: Record<string, string> = {}): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace, annotations },
    spec: {
      replicas: 1,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
      iam: { managedPolicyArns: [S3_READ] },
    },
  };
}

/** The reconciler over fresh fakes, and ways to run it as the controller would. */
function harness() {
  const h = workloadHarness(readyCluster());
  /** A profile's EKS status, or 'gone'. */
  const profileState = (name: string): string => h.aws.profiles.get(`${CLUSTER}/${name}`)?.profile.status ?? 'gone';
  /** The workload's Deployment, as the app team can edit it. */
  const deployment = (namespace: string, name: string) =>
    h.kube.get('Deployment', namespace, name) as (KubernetesObject & { spec: { template: { metadata: { labels: Record<string, string> } } }; status?: unknown }) | undefined;
  return { ...h, profileState, deployment };
}

type Harness = ReturnType<typeof harness>;

/** An ACTIVE profile someone else made (the cluster reconciler, another team's workload). */
function putProfile(h: Harness, profile: ForeignProfile): void {
  h.aws.profiles.set(`${CLUSTER}/${profile.name}`, {
    left: 0,
    profile: {
      name: profile.name,
      clusterName: CLUSTER,
      arn: `arn:aws:eks:${FAKE_REGION}:${FAKE_ACCOUNT}:fargateprofile/${CLUSTER}/${profile.name}/0`,
      status: 'ACTIVE',
      subnets: SUBNETS,
      selectors: [{ namespace: profile.namespace, labels: profile.labels }],
      podExecutionRoleArn: EXECUTION_ROLE,
      tags: profile.tags,
      healthIssues: [],
    },
  });
}

/** A running pod labelled for a profile, as another team's Deployment makes them. */
async function runningPod(h: Harness, namespace: string, name: string, profile: string): Promise<void> {
  await h.kube.api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { [PROFILE_LABEL]: profile } }, status: { phase: 'Running' } } as KubernetesObject);
}

/** Deletes the workload and runs its cleanup until it is gone (or stops asking). */
async function deleteAndCleanUp(h: Harness, key: string): Promise<void> {
  h.kube.deleteWorkload(key);
  expect(await h.converge(key, 20)).toEqual({});
  expect(h.kube.workloads.has(key)).toBe(false);
}

const deletesOf = (h: Harness, since: number): string[] => h.aws.writes().slice(since).filter((write) => write === 'eks:DeleteFargateProfile');

describe('a move or a cleanup lets go only of a profile the workload provably used', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it("a moving-from annotation on the team's Deployment naming the cluster's CoreDNS profile deletes nothing, and says it is ignored", async () => {
    putProfile(h, COREDNS);
    h.kube.addWorkload(workload('team-b', 'web'));
    expect(await h.converge('team-b/web')).toEqual({});
    const writes = h.aws.writes().length;
    // kubectl -n team-b annotate deployment web fargate.eksops.dev/moving-from-profile=<the CoreDNS profile>
    const deployment = h.deployment('team-b', 'web')!;
    deployment.metadata!.annotations = { ...deployment.metadata!.annotations, [MOVING_FROM]: COREDNS.name };
    expect(await h.converge('team-b/web')).toEqual({});
    expect(deletesOf(h, writes)).toEqual([]);
    expect(h.profileState(COREDNS.name)).toBe('ACTIVE');
    expect(h.kube.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'MoveSourceIgnored', message: expect.stringContaining(COREDNS.name) }));
    expect(h.condition('team-b/web', 'Ready')).toMatchObject({ status: 'True' });
  });

  it("a pod label on the team's Deployment naming another namespace's profile moves nothing: the label goes back, that profile stays", async () => {
    putProfile(h, TEAM_A);
    h.kube.addWorkload(workload('team-b', 'web'));
    expect(await h.converge('team-b/web')).toEqual({});
    const planned = h.kube.workloads.get('team-b/web')!.status!.fargateProfile!.name;
    const writes = h.aws.writes().length;
    // kubectl -n team-b edit deployment web: the pod template's profile label set to team-a's profile.
    h.deployment('team-b', 'web')!.spec.template.metadata.labels[PROFILE_LABEL] = TEAM_A.name;
    expect(await h.converge('team-b/web')).toEqual({});
    expect(deletesOf(h, writes)).toEqual([]);
    expect(h.profileState(TEAM_A.name)).toBe('ACTIVE');
    const deployment = h.deployment('team-b', 'web')!;
    expect(deployment.spec.template.metadata.labels[PROFILE_LABEL]).toBe(planned);
    expect(deployment.metadata?.annotations?.[MOVING_FROM]).toBeUndefined();
  });

  it("deleting a workload whose Deployment names another team's profile leaves that profile, and the pods on it, alone", async () => {
    putProfile(h, TEAM_A);
    await runningPod(h, 'team-a', 'api-1', TEAM_A.name);
    h.kube.addWorkload(workload('team-b', 'web'));
    expect(await h.converge('team-b/web')).toEqual({});
    const deployment = h.deployment('team-b', 'web')!;
    deployment.metadata!.annotations = { ...deployment.metadata!.annotations, [MOVING_FROM]: TEAM_A.name };
    const writes = h.aws.writes().length;
    await deleteAndCleanUp(h, 'team-b/web');
    expect(h.profileState(TEAM_A.name)).toBe('ACTIVE');
    // Only the workload's own (Shared, unused) profile went.
    expect(deletesOf(h, writes)).toEqual(['eks:DeleteFargateProfile']);
  });

  it("a workload deleted mid-move keeps its old profile while another workload's pod runs on it, and deletes the planned one", async () => {
    h.kube.addWorkload(workload('team-a', 'web'));
    expect(await h.converge('team-a/web')).toEqual({});
    const from = h.kube.workloads.get('team-a/web')!.status!.fargateProfile!.name;
    h.kube.editWorkload('team-a/web', (spec) => void (spec.fargateProfile = { placement: 'Shared', subnetIds: [SUBNETS[0]!] }));
    // The rollout is held (a slow one): the pods are relabelled for the new profile, none has moved yet.
    for (let i = 0; i < 6 && !h.condition('team-a/web', 'FargateProfileReady')?.message.startsWith('moving pods to'); i++) {
      const deployment = h.deployment('team-a', 'web');
      if (deployment) deployment.status = { observedGeneration: 0, replicas: 1, updatedReplicas: 0, availableReplicas: 1 };
      const outcome = await h.run('team-a/web');
      if (!(outcome instanceof Error)) h.clock.advance(outcome.requeueAfterMs ?? 1_000);
    }
    const to = h.kube.workloads.get('team-a/web')!.status!.fargateProfile!.name;
    expect(to).not.toBe(from);
    expect([h.profileState(from), h.profileState(to)]).toEqual(['ACTIVE', 'ACTIVE']);
    // Another workload's pod, of a Deployment no FargateWorkload plans it for, still runs on the old profile.
    await runningPod(h, 'team-c', 'batch-1', from);
    await deleteAndCleanUp(h, 'team-a/web');
    expect(h.profileState(from)).toBe('ACTIVE');
    expect(h.profileState(to)).not.toBe('ACTIVE');
  });

  it.each([
    ["the cluster's CoreDNS profile", COREDNS],
    ["another namespace's profile", TEAM_A],
  ])('even when its status records it, %s is neither a move source to delete nor deleted with the workload', async (_name, foreign) => {
    putProfile(h, foreign);
    h.kube.addWorkload(workload('team-b', 'web'));
    expect(await h.converge('team-b/web')).toEqual({});
    // A status that names it (an older release's, or a hand-written one): the tags still decide.
    const live = h.kube.workloads.get('team-b/web')!;
    const awsResources = [...(live.status?.awsResources ?? []), { kind: 'FargateProfile' as const, name: foreign.name, state: 'InUse' }];
    h.kube.workloads.set('team-b/web', { ...live, status: { ...live.status, awsResources } });
    const deployment = h.deployment('team-b', 'web')!;
    deployment.metadata!.annotations = { ...deployment.metadata!.annotations, [MOVING_FROM]: foreign.name };
    const writes = h.aws.writes().length;
    expect(await h.converge('team-b/web')).toEqual({});
    expect(h.profileState(foreign.name)).toBe('ACTIVE');
    expect(h.kube.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'FargateProfileKept', message: expect.stringContaining(foreign.name) }));
    // Recorded again for the cleanup, as a crash before the move ended would leave it.
    const again = h.kube.workloads.get('team-b/web')!;
    h.kube.workloads.set('team-b/web', { ...again, status: { ...again.status, awsResources } });
    await deleteAndCleanUp(h, 'team-b/web');
    expect(h.profileState(foreign.name)).toBe('ACTIVE');
    expect(deletesOf(h, writes)).toEqual(['eks:DeleteFargateProfile']);
  });
});

describe('adoptionRefusal', () => {
  const planned = { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'team-b', 'fargate.eksops.dev/name': 'web', 'fargate.eksops.dev/uid': 'uid-b', 'fargate.eksops.dev/component': 'irsa-role', 'fargate.eksops.dev/deletion-policy': 'Delete' };

  it('lets adopt take what carries none of the operator\'s tags, or only values planned for this workload', () => {
    expect(adoptionRefusal({}, planned)).toBeUndefined();
    expect(adoptionRefusal({ team: 'platform', 'fargate.eksops.dev/deletion-policy': 'Retain' }, planned)).toBeUndefined();
    expect(adoptionRefusal({ 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'team-b' }, planned)).toBeUndefined();
  });

  it('refuses what the operator tagged for another workload, cluster or component, and says whose it is', () => {
    expect(adoptionRefusal({ 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'team-a', 'fargate.eksops.dev/name': 'api', 'fargate.eksops.dev/component': 'irsa-role' }, planned)).toBe(
      `it is tagged as the operator's for FargateWorkload team-a/api on cluster ${CLUSTER} (irsa-role), and ${ADOPT} takes only what carries none of the operator's tags`,
    );
    expect(adoptionRefusal({ 'fargate.eksops.dev/cluster': 'staging' }, planned)).toMatch(/^it is tagged as the operator's for cluster staging,/);
    expect(adoptionRefusal({ 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/component': 'execution-role' }, planned)).toMatch(/for cluster prod \(execution-role\),/);
    expect(adoptionRefusal({ 'fargate.eksops.dev/namespace': 'team-b', 'fargate.eksops.dev/uid': 'uid-other' }, planned)).toMatch(/for namespace team-b,/);
  });
});

describe('the adopt annotation takes only what the operator never tagged for someone else', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  const attacker = workload('team-b', 'web', { [ADOPT]: 'true' });
  const roleName = planIrsaRole(attacker, readyCluster(), { accountId: FAKE_ACCOUNT, region: FAKE_REGION, oidcIssuer: ISSUER }).name;
  const victimTrust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: 'oidc' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub': 'system:serviceaccount:team-a:api' } } }],
  };

  it.each([
    ['another workload', { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'team-a', 'fargate.eksops.dev/name': 'api', 'fargate.eksops.dev/uid': 'uid-a', 'fargate.eksops.dev/component': 'irsa-role' }, 'FargateWorkload team-a/api'],
    ['this workload on another cluster', { 'fargate.eksops.dev/cluster': 'staging', 'fargate.eksops.dev/namespace': 'team-b', 'fargate.eksops.dev/name': 'web', 'fargate.eksops.dev/component': 'irsa-role' }, 'cluster staging'],
    ["the cluster's pod execution role", { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/component': 'execution-role' }, 'execution-role'],
  ])('an IAM role of the planned name tagged for %s stays theirs: Stalled NotOwned naming whose it is; untagged, it is adopted', async (_name, tags, whose) => {
    h.aws.roles.set(roleName, { name: roleName, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/${roleName}`, path: '/eksops/', trustPolicy: victimTrust, tags, attachedPolicyArns: [], inlinePolicies: {} });
    h.kube.addWorkload(attacker);
    await h.converge('team-b/web');
    expect(h.condition('team-b/web', 'IAMRoleReady')).toMatchObject({ status: 'False', reason: 'NotOwned', message: expect.stringContaining(whose) });
    expect(h.condition('team-b/web', 'IAMRoleReady')?.message).toContain('adopt');
    expect(h.aws.roles.get(roleName)).toMatchObject({ trustPolicy: victimTrust, tags, attachedPolicyArns: [] });
    expect(h.aws.writes().filter((write) => write.startsWith('iam:'))).toEqual([]);
    expect(h.kube.get('ServiceAccount', 'team-b', 'web')).toBeUndefined();

    // The operator's tags taken off (a role made outside it): now adoption takes it.
    h.aws.roles.set(roleName, { ...h.aws.roles.get(roleName)!, tags: { team: 'platform' } });
    h.kube.editWorkload('team-b/web', () => undefined);
    expect(await h.converge('team-b/web')).toEqual({});
    expect(JSON.stringify(h.aws.roles.get(roleName)!.trustPolicy)).toContain('system:serviceaccount:team-b:web');
    expect(h.condition('team-b/web', 'IAMRoleReady')).toMatchObject({ status: 'True' });
  });

  it('a Fargate profile of the planned name tagged for another cluster or component is not adopted: Stalled NotOwned naming whose it is', async () => {
    const plan = planFargateProfile(attacker, readyCluster(), EXECUTION_ROLE);
    const foreignTags = { 'fargate.eksops.dev/cluster': 'staging', 'fargate.eksops.dev/component': 'coredns-profile' };
    h.aws.profiles.set(`${CLUSTER}/${plan.name}`, {
      left: 0,
      profile: { name: plan.name, clusterName: CLUSTER, arn: `arn:aws:eks:${FAKE_REGION}:${FAKE_ACCOUNT}:fargateprofile/${CLUSTER}/${plan.name}/0`, status: 'ACTIVE', subnets: plan.subnets, selectors: plan.selectors, podExecutionRoleArn: EXECUTION_ROLE, tags: foreignTags, healthIssues: [] },
    });
    h.kube.addWorkload(attacker);
    await h.converge('team-b/web');
    expect(h.condition('team-b/web', 'FargateProfileReady')).toMatchObject({ status: 'False', reason: 'NotOwned', message: expect.stringContaining('cluster staging') });
    expect(h.kube.get('Deployment', 'team-b', 'web')).toBeUndefined();
    expect(h.aws.profiles.get(`${CLUSTER}/${plan.name}`)?.profile.tags).toEqual(foreignTags);
  });

  it('a Fargate profile of the planned name with none of the operator\'s tags is adopted and takes the planned tags, so a later move may release it', async () => {
    const plan = planFargateProfile(attacker, readyCluster(), EXECUTION_ROLE);
    h.aws.profiles.set(`${CLUSTER}/${plan.name}`, {
      left: 0,
      profile: { name: plan.name, clusterName: CLUSTER, arn: `arn:aws:eks:${FAKE_REGION}:${FAKE_ACCOUNT}:fargateprofile/${CLUSTER}/${plan.name}/0`, status: 'ACTIVE', subnets: plan.subnets, selectors: plan.selectors, podExecutionRoleArn: EXECUTION_ROLE, tags: { team: 'b' }, healthIssues: [] },
    });
    h.kube.addWorkload(attacker);
    expect(await h.converge('team-b/web')).toEqual({});
    expect(h.condition('team-b/web', 'FargateProfileReady')).toMatchObject({ status: 'True' });
    expect(h.aws.profiles.get(`${CLUSTER}/${plan.name}`)?.profile.tags).toEqual({ team: 'b', ...plan.tags });
  });
});
