/**
 * The FargateWorkload reconciler driven through in-memory fakes of its ports (test/support/fakes):
 * converge from nothing, a steady state with zero writes, each error class to its condition,
 * delete and Retain. Milliseconds per case; the integration suite proves the same against the
 * real API server and moto.
 */
import { hashedName, IAM_ROLE_NAME_RULES } from '../../src/plan/names.js';
import { shortHash } from '../../src/plan/hash.js';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { isTerminal } from '../../src/controller/reconciler.js';
import { planIrsaRole } from '../../src/plan/index.js';
import { awsError, FAKE_ACCOUNT, FAKE_REGION } from '../support/fakes/fake-aws.js';
import { apiError } from '../support/fakes/fake-kubernetes.js';
import { HARNESS_CLUSTER, HARNESS_EXECUTION_ROLE, HARNESS_ISSUER, HARNESS_SUBNETS, readyFargateCluster, workloadHarness } from '../support/workload-harness.js';

const CLUSTER = HARNESS_CLUSTER;
const SUBNETS = HARNESS_SUBNETS;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const MISSING = `arn:aws:iam::${FAKE_ACCOUNT}:policy/app-missing`;
const ISSUER = HARNESS_ISSUER;
const EXECUTION_ROLE = HARNESS_EXECUTION_ROLE;
const RETRY_DELAY_MS = 1_000;

function readyCluster(): FargateCluster {
  return readyFargateCluster({
    iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ, `arn:aws:iam::${FAKE_ACCOUNT}:policy/app-*`], createOIDCProvider: true },
    networking: { allowedSecurityGroupIds: ['*'] },
  });
}

function workload(name = 'web', spec: Partial<FargateWorkload['spec']> = {}): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
      iam: { managedPolicyArns: [S3_READ] },
      ...spec,
    },
  };
}

/** The reconciler over fresh fakes, and ways to run it as the controller would. */
function harness(options: { confirmationsTtlMs?: number } = {}) {
  return workloadHarness(readyCluster(), { ...options, retryDelayMs: RETRY_DELAY_MS });
}

type Harness = ReturnType<typeof harness>;

describe('FargateWorkload reconciler on fakes', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('converges from nothing: finalizer, profile CREATING then ACTIVE, IRSA role, children, Ready', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
    expect(h.kube.workloads.get('shop/web')?.metadata.finalizers).toEqual(['fargate.eksops.dev/cleanup']);
    expect(h.aws.writes()).toEqual(['eks:CreateFargateProfile', 'iam:CreateRole', 'iam:AttachRolePolicy']);
    const role = [...h.aws.roles.values()][0]!;
    expect(role).toMatchObject({ path: '/eksops/', attachedPolicyArns: [S3_READ], tags: { 'fargate.eksops.dev/namespace': 'shop', 'fargate.eksops.dev/name': 'web' } });
    expect([...h.kube.objects.values()].map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'ServiceAccount']);
    expect(h.kube.get('ServiceAccount', 'shop', 'web')?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(role.arn);
    expect(h.kube.workloads.get('shop/web')?.status).toMatchObject({ iamRoleArn: role.arn, replicas: 2, readyReplicas: 2, fargateProfile: { status: 'ACTIVE' } });
  });

  it('tells what one reconcile created in one event: the IAM role and the children together', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    h.kube.events.length = 0;
    // The shared profile is ACTIVE: the first reconcile of a second workload creates its role and its children.
    h.kube.addWorkload(workload('api'));
    h.markAvailable();
    await h.run('shop/api');
    const created = h.kube.events.filter((event) => event.reason === 'Created');
    expect(created).toHaveLength(1);
    const role = [...h.aws.roles.values()].find((r) => r.tags['fargate.eksops.dev/name'] === 'api')!;
    expect(created[0]!.message).toBe(`created IAM role ${role.name}, ServiceAccount api, Deployment api, PodDisruptionBudget api`);
    expect(h.kube.events.map((event) => event.reason)).toEqual(['Created']);
  });

  it('in a steady state a reconcile makes no AWS write and no Kubernetes write', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    const awsWrites = h.aws.writes().length;
    const kubeWrites = h.kube.writes.length;
    for (let i = 0; i < 3; i++) expect(await h.run('shop/web')).toEqual({});
    expect(h.aws.writes()).toHaveLength(awsWrites);
    expect(h.kube.writes).toHaveLength(kubeWrites);
  });

  it('with role confirmations, event-driven reconciles read no role until the TTL; then drift is read and corrected', async () => {
    const c = harness({ confirmationsTtlMs: 540_000 });
    c.kube.addWorkload(workload());
    await c.converge('shop/web');
    const roleReads = () => c.aws.calls.filter((call) => call === 'iam:GetRole').length;
    const readsAfterConverge = roleReads();
    for (let i = 0; i < 3; i++) expect(await c.run('shop/web')).toEqual({});
    expect(roleReads()).toBe(readsAfterConverge);
    // Behind the operator's back: an event-driven reconcile trusts the confirmation; the next
    // resync reads, however young the confirmation, and corrects the drift.
    const role = [...c.aws.roles.values()][0]!;
    role.attachedPolicyArns.push('arn:aws:iam::aws:policy/AdministratorAccess');
    expect(await c.run('shop/web')).toEqual({});
    expect(role.attachedPolicyArns).toContain('arn:aws:iam::aws:policy/AdministratorAccess');
    expect(await c.run('shop/web', { resync: { number: 2 } })).toEqual({});
    expect(roleReads()).toBe(readsAfterConverge + 1);
    expect([...c.aws.roles.values()][0]!.attachedPolicyArns).toEqual([S3_READ]);
    // And without a resync, once the confirmation is older than its TTL.
    c.aws.roles.get(role.name)!.attachedPolicyArns.push('arn:aws:iam::aws:policy/AdministratorAccess');
    c.clock.advance(540_000);
    expect(await c.run('shop/web')).toEqual({});
    expect(roleReads()).toBe(readsAfterConverge + 2);
    expect([...c.aws.roles.values()][0]!.attachedPolicyArns).toEqual([S3_READ]);
    // Switching to a role of its own deletes the managed one; switching back within the TTL makes it again.
    c.kube.clusters.get(CLUSTER)!.spec.iam!.allowedRoleArns = [`arn:aws:iam::${FAKE_ACCOUNT}:role/team/*`];
    c.kube.editWorkload('shop/web', (spec) => void (spec.iam = { roleArn: `arn:aws:iam::${FAKE_ACCOUNT}:role/team/web` }));
    await c.converge('shop/web');
    expect(c.aws.roles.size).toBe(0);
    c.kube.editWorkload('shop/web', (spec) => void (spec.iam = { managedPolicyArns: [S3_READ] }));
    await c.converge('shop/web');
    expect([...c.aws.roles.values()].map((r) => r.attachedPolicyArns)).toEqual([[S3_READ]]);
    expect(c.kube.get('ServiceAccount', 'shop', 'web')?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe([...c.aws.roles.values()][0]!.arn);
    // A changed plan is read at once.
    const current = c.kube.workloads.get('shop/web')!;
    current.spec.iam = { managedPolicyArns: [] };
    current.metadata.generation = 2;
    await c.converge('shop/web');
    expect([...c.aws.roles.values()][0]!.attachedPolicyArns).toEqual([]);
  });

  it('a spec change converges with only the writes it needs, then is steady again', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    const mark = h.aws.calls.length;
    h.kube.editWorkload('shop/web', (spec) => (spec.iam = {}));
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.aws.calls.slice(mark).filter((call) => /Create|Delete|Put|Attach|Detach|Update|Tag/.test(call))).toEqual(['iam:DetachRolePolicy']);
    expect(h.condition('shop/web', 'Ready')?.status).toBe('True');
  });

  // Each error class and where it shows: a Stalled reason (terminal: the error is not retried) or
  // Reconciling with the error and the retry time (retryable: the queue backs off).
  const failures: Array<[string, (h: Harness) => void, FargateWorkload, { state: 'Stalled' | 'Reconciling'; reason: string; message: RegExp; condition?: [string, string]; waiting?: string }]> = [
    [
      'IAM throttling on every call',
      (h) => (h.aws.faults = [{ operation: 'iam:*', error: () => awsError('Throttling', 'Rate exceeded', 400) }]),
      workload(),
      { state: 'Reconciling', reason: 'Throttling', message: /^AWS call failed: Throttling: Rate exceeded \(HTTP 400\); retrying in 1\.0 s \(at 2026-12-02T10:00:01Z\)$/ },
    ],
    [
      'an EKS server error',
      (h) => (h.aws.faults = [{ operation: 'eks:CreateFargateProfile', error: () => awsError('ServerException', 'An internal service error occurred.', 500) }]),
      workload(),
      { state: 'Reconciling', reason: 'ServiceError', message: /ServerException: An internal service error occurred\. \(HTTP 500\); retrying in/ },
    ],
    [
      'a call past its deadline',
      // CreateRole: a new workload's first IAM call.
      (h) => (h.aws.faults = [{ operation: 'iam:CreateRole', error: () => Object.assign(new Error('a request has exceeded the configured 20000 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' }) }]),
      workload(),
      { state: 'Reconciling', reason: 'Timeout', message: /TimeoutError: a request has exceeded .*; retrying in/ },
    ],
    [
      'expired credentials',
      (h) => (h.aws.faults = [{ operation: 'iam:*', error: () => awsError('ExpiredTokenException', 'The security token included in the request is expired', 400) }]),
      workload(),
      { state: 'Reconciling', reason: 'CredentialsExpired', message: /ExpiredTokenException: The security token included in the request is expired/ },
    ],
    [
      'access denied on CreateRole',
      (h) => (h.aws.faults = [{ operation: 'iam:CreateRole', error: () => awsError('AccessDenied', 'User is not authorized to perform: iam:CreateRole', 403) }]),
      workload(),
      { state: 'Stalled', reason: 'AccessDenied', message: /not authorized to perform: iam:CreateRole/, condition: ['IAMRoleReady', 'AccessDenied'] },
    ],
    [
      'a managed policy the account lacks',
      () => undefined,
      workload('web', { iam: { managedPolicyArns: [MISSING] } }),
      { state: 'Stalled', reason: 'PolicyNotFound', message: new RegExp(`${MISSING} does not exist in this account; correct or remove it in spec.iam.managedPolicyArns`), condition: ['IAMRoleReady', 'PolicyNotFound'] },
    ],
    [
      'a Deployment the API server refuses',
      (h) => (h.kube.refuse = (object) => (object.kind === 'Deployment' ? { message: 'spec.template.spec.containers[1].name: Duplicate value: "web"', fields: ['spec.template.spec.containers[1].name'] } : undefined)),
      workload(),
      { state: 'Stalled', reason: 'InvalidSpec', message: /refused Deployment web: HTTP 422 Invalid: .*Duplicate value.*\(fields: spec\.template\.spec\.containers\[1\]\.name\)/, condition: ['WorkloadAvailable', 'InvalidSpec'] },
    ],
    [
      'a pod larger than Fargate runs',
      () => undefined,
      workload('web', { template: { spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '20', memory: '1Gi' } } }] } } }),
      { state: 'Stalled', reason: 'InvalidSpec', message: /vCPU/ },
    ],
    [
      'a role of the planned name the operator does not own',
      (h) => {
        const name = planIrsaRole(workload(), readyCluster(), { accountId: FAKE_ACCOUNT, region: FAKE_REGION, oidcIssuer: ISSUER }).name;
        h.aws.roles.set(name, { name, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/${name}`, path: '/eksops/', trustPolicy: {}, tags: { team: 'someone-else' }, attachedPolicyArns: [], inlinePolicies: {} });
      },
      workload(),
      { state: 'Stalled', reason: 'NotOwned', message: /without the operator's ownership tags/, condition: ['IAMRoleReady', 'NotOwned'], waiting: 'WaitingForProfile' },
    ],
    [
      'no profile left in the quota',
      (h) => (h.kube.clusters.get(CLUSTER)!.spec.profiles = { maxProfiles: 1, namePrefix: 'fw' }),
      workload(),
      { state: 'Stalled', reason: 'ProfileQuotaExceeded', message: /quota|profiles/i, condition: ['FargateProfileReady', 'ProfileQuotaExceeded'], waiting: 'WaitingForProfile' },
    ],
  ];

  it.each(failures)('%s ends in status', async (_name, arrange, manifest, expected) => {
    arrange(h);
    if (expected.reason === 'ProfileQuotaExceeded') {
      await h.aws.services(new ProfileLane()).profiles.create({ name: 'someone-elses', clusterName: CLUSTER, subnets: SUBNETS, selectors: [{ namespace: 'x', labels: {} }], podExecutionRoleArn: EXECUTION_ROLE, tags: {} });
    }
    h.kube.addWorkload(manifest);
    const outcome = await h.converge('shop/web');
    expect(outcome).toBeInstanceOf(Error);
    expect(isTerminal(outcome)).toBe(expected.state === 'Stalled');
    const summary = h.condition('shop/web', expected.state);
    expect(summary).toMatchObject({ status: 'True', reason: expected.reason });
    expect(summary?.message).toMatch(expected.message);
    expect(h.condition('shop/web', 'Ready')?.status).toBe('False');
    if (expected.condition) expect(h.condition('shop/web', expected.condition[0])).toMatchObject({ status: 'False', reason: expected.condition[1] });
    // The children's conditions name the part they wait for (the workflow's WaitingFor<Part>).
    if (expected.waiting) expect(h.condition('shop/web', 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: expected.waiting });
  });

  it('switching to a role of its own deletes the role the operator made for it (kept under Retain)', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const managed = [...h.aws.roles.keys()];
    expect(managed).toHaveLength(1);
    h.kube.clusters.get(CLUSTER)!.spec.iam!.allowedRoleArns = [`arn:aws:iam::${FAKE_ACCOUNT}:role/team/*`];
    const own = `arn:aws:iam::${FAKE_ACCOUNT}:role/team/web`;
    h.kube.editWorkload('shop/web', (spec) => void (spec.iam = { roleArn: own }));
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.aws.roles.size).toBe(0);
    expect(h.condition('shop/web', 'IAMRoleReady')).toMatchObject({ status: 'True', reason: 'UserProvided' });
    expect(h.kube.workloads.get('shop/web')?.status?.iamRoleArn).toBe(own);
    expect(h.kube.get('ServiceAccount', 'shop', 'web')?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(own);
    // Steady state: the switch is over, nothing more is read or written for it.
    const calls = h.aws.calls.length;
    expect(await h.run('shop/web')).toEqual({});
    expect(h.aws.calls.slice(calls).filter((call) => call.startsWith('iam:'))).toEqual([]);

    h.kube.addWorkload(workload('kept', { deletionPolicy: 'Retain' }));
    expect(await h.converge('shop/kept')).toEqual({});
    h.kube.editWorkload('shop/kept', (spec) => void (spec.iam = { roleArn: `arn:aws:iam::${FAKE_ACCOUNT}:role/team/kept` }));
    expect(await h.converge('shop/kept')).toEqual({});
    expect(h.aws.roles.size).toBe(1);
  });

  it('records its AWS resources in status.awsResources: the profile it uses and the role it made', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const [profile] = [...h.aws.profiles.values()].map((stored) => stored.profile);
    const [role] = [...h.aws.roles.values()];
    expect(h.kube.workloads.get('shop/web')?.status?.awsResources).toEqual([
      { kind: 'FargateProfile', name: profile!.name, state: 'ACTIVE', shared: true },
      { kind: 'IAMRole', name: role!.name, arn: role!.arn, state: 'Ready' },
    ]);
  });

  it('a profile replaced before the first rollout is deleted once the new one is ACTIVE, not left behind against the quota', async () => {
    h.kube.addWorkload(workload('web', { fargateProfile: { placement: 'Dedicated' } }));
    await h.run('shop/web');
    const first = [...h.aws.profiles.values()].map((stored) => stored.profile);
    expect(first.map((profile) => profile.status)).toEqual(['CREATING']);
    expect(h.kube.get('Deployment', 'shop', 'web')).toBeUndefined();
    expect(h.kube.workloads.get('shop/web')?.status?.awsResources).toContainEqual({ kind: 'FargateProfile', name: first[0]!.name, state: 'CREATING' });

    // Before any pod ran: other subnets, so another profile.
    h.kube.editWorkload('shop/web', (spec) => void (spec.fargateProfile = { placement: 'Dedicated', subnetIds: [SUBNETS[0]!] }));
    expect(await h.converge('shop/web', 30)).toEqual({});
    const left = [...h.aws.profiles.values()].map((stored) => stored.profile.name);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(first[0]!.name);
    expect(h.aws.writes().filter((write) => write.startsWith('eks:'))).toEqual(['eks:CreateFargateProfile', 'eks:CreateFargateProfile', 'eks:DeleteFargateProfile']);
    const status = h.kube.workloads.get('shop/web')?.status;
    expect(status?.awsResources?.filter((resource) => resource.kind === 'FargateProfile')).toEqual([{ kind: 'FargateProfile', name: left[0], state: 'ACTIVE' }]);
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
  });

  it('under deletionPolicy Retain a replaced profile is kept, with an event', async () => {
    h.kube.addWorkload(workload('web', { fargateProfile: { placement: 'Dedicated' }, deletionPolicy: 'Retain' }));
    await h.run('shop/web');
    h.kube.editWorkload('shop/web', (spec) => void (spec.fargateProfile = { placement: 'Dedicated', subnetIds: [SUBNETS[0]!] }));
    expect(await h.converge('shop/web', 30)).toEqual({});
    expect(h.aws.profiles.size).toBe(2);
    expect(h.aws.writes()).not.toContain('eks:DeleteFargateProfile');
    expect(h.kube.events.map((event) => event.reason)).toContain('FargateProfileRetained');
    expect(h.kube.workloads.get('shop/web')?.status?.awsResources?.filter((resource) => resource.kind === 'FargateProfile')).toHaveLength(1);
  });

  it('a move deletes the old profile once the rollout is done, and ends with the Deployment rid of the move annotation', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const from = h.kube.workloads.get('shop/web')!.status!.fargateProfile!.name;
    h.kube.editWorkload('shop/web', (spec) => void (spec.fargateProfile = { placement: 'Shared', subnetIds: [SUBNETS[0]!] }));
    expect(await h.converge('shop/web', 30)).toEqual({});
    const names = [...h.aws.profiles.values()].map((stored) => stored.profile.name);
    expect(names).not.toContain(from);
    expect(names).toHaveLength(1);
    const deployment = h.kube.get('Deployment', 'shop', 'web') as { metadata?: { annotations?: Record<string, string> }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined;
    expect(Object.keys(deployment?.metadata?.annotations ?? {}).filter((key) => key.includes('moving'))).toEqual([]);
    expect(deployment?.spec?.template?.metadata?.labels?.['fargate.eksops.dev/profile']).toBe(names[0]);
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
  });

  it('a move under deletionPolicy Retain keeps the old profile, says so once, and ends: the Deployment loses the move annotation', async () => {
    h.kube.addWorkload(workload('web', { deletionPolicy: 'Retain' }));
    expect(await h.converge('shop/web')).toEqual({});
    const from = h.kube.workloads.get('shop/web')!.status!.fargateProfile!.name;
    h.kube.editWorkload('shop/web', (spec) => void (spec.fargateProfile = { placement: 'Shared', subnetIds: [SUBNETS[0]!] }));
    expect(await h.converge('shop/web', 30)).toEqual({});
    // Later passes (a resync, a Deployment event) find the move over: no second event, nothing deleted.
    for (let i = 0; i < 3; i++) expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.events.filter((event) => event.reason === 'FargateProfileRetained').map((event) => event.message)).toEqual([`kept Fargate profile ${from} after the move (deletionPolicy Retain)`]);
    expect(h.aws.writes()).not.toContain('eks:DeleteFargateProfile');
    const deployment = h.kube.get('Deployment', 'shop', 'web') as { metadata?: { annotations?: Record<string, string> } } | undefined;
    expect(Object.keys(deployment?.metadata?.annotations ?? {}).filter((key) => key.includes('moving'))).toEqual([]);
    expect(h.condition('shop/web', 'FargateProfileReady')).toMatchObject({ status: 'True' });
  });

  it('a role made before the region entered role names keeps its name: found through the status, not made again', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const [current, role] = [...h.aws.roles.entries()][0]!;
    // What an earlier release made: the same role under the name without the region in its hash.
    const earlier = hashedName('prod-shop-web', shortHash(['prod', 'shop', 'web']), IAM_ROLE_NAME_RULES);
    expect(earlier).not.toBe(current);
    const earlierArn = role.arn.replace(current, earlier);
    h.aws.roles.delete(current);
    h.aws.roles.set(earlier, { ...role, name: earlier, arn: earlierArn });
    h.kube.workloads.get('shop/web')!.status!.iamRoleArn = earlierArn;
    const writes = h.aws.writes().length;
    expect(await h.converge('shop/web')).toEqual({});
    expect([...h.aws.roles.keys()]).toEqual([earlier]);
    expect(h.aws.writes().slice(writes)).toEqual([]);
    expect(h.kube.workloads.get('shop/web')?.status?.iamRoleArn).toBe(earlierArn);
    expect(h.kube.get('ServiceAccount', 'shop', 'web')?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(earlierArn);
  });

  it('several FargateClusters: an unnamed new workload is Stalled naming them; one that ran before stays on its recorded cluster', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.workloads.get('shop/web')?.status?.clusterName).toBe(CLUSTER);
    h.kube.clusters.set('dev', { ...readyCluster(), metadata: { name: 'dev', uid: 'dev-uid', generation: 1 } });
    expect(await h.run('shop/web')).toEqual({});
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
    h.kube.addWorkload(workload('api'));
    expect(isTerminal(await h.run('shop/api'))).toBe(true);
    expect(h.condition('shop/api', 'Stalled')).toMatchObject({ status: 'True', reason: 'ClusterAmbiguous', message: expect.stringContaining('2 FargateClusters exist (dev, prod)') });
    expect(h.aws.writes().filter((w) => w === 'iam:CreateRole')).toHaveLength(1);
  });

  it('an existing ServiceAccount it did not create is not taken over: Stalled NotOwned naming it, and no Deployment runs with it', async () => {
    const foreign = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', uid: 'sa-uid', annotations: { team: 'b' } } };
    h.kube.objects.set('ServiceAccount/shop/web', foreign as never);
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    expect(h.condition('shop/web', 'Stalled')).toMatchObject({ status: 'True', reason: 'NotOwned', message: expect.stringContaining('ServiceAccount shop/web exists and it was not created by this workload') });
    expect(h.kube.get('ServiceAccount', 'shop', 'web')).toEqual(foreign);
    expect(h.kube.get('Deployment', 'shop', 'web')).toBeUndefined();
  });

  it('a ServiceAccount made by someone else after the last look, right before the create, is not applied over', async () => {
    // The race a read before an apply leaves open: here the foreign object lands just before the
    // operator's write. A create is refused (409) and nothing of the other object changes.
    const foreign = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', uid: 'sa-uid', annotations: { team: 'b' } } };
    h.kube.beforeWrite = (_verb, object) => {
      if (object.kind === 'ServiceAccount' && !h.kube.get('ServiceAccount', 'shop', 'web')) h.kube.objects.set('ServiceAccount/shop/web', structuredClone(foreign) as never);
    };
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    expect(h.condition('shop/web', 'Stalled')).toMatchObject({ status: 'True', reason: 'NotOwned', message: expect.stringContaining('ServiceAccount shop/web exists and it was not created by this workload') });
    expect(h.kube.get('ServiceAccount', 'shop', 'web')).toEqual(foreign);
    expect(h.kube.get('Deployment', 'shop', 'web')).toBeUndefined();
  });

  it('a child deleted and made again by someone else since the cache saw it is not applied over: the uid precondition refuses, the next reconcile stalls NotOwned', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const foreign = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'dep-foreign' }, spec: { replicas: 5 } };
    // The spec changes, so the Deployment is applied; just before, it is replaced by someone else's.
    h.kube.beforeWrite = (verb, object) => {
      if (verb === 'patch' && object.kind === 'Deployment' && h.kube.get('Deployment', 'shop', 'web')?.metadata?.uid !== 'dep-foreign') h.kube.objects.set('Deployment/shop/web', structuredClone(foreign) as never);
    };
    h.kube.editWorkload('shop/web', (spec) => void (spec.replicas = 3));
    const failed = await h.run('shop/web');
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain('Deployment/web was deleted, replaced or changed since the cache saw it');
    expect(h.kube.get('Deployment', 'shop', 'web')).toEqual(foreign);
    await h.converge('shop/web');
    expect(h.condition('shop/web', 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    // Only the harness's Deployment controller (its status) touched it.
    const { metadata, spec } = h.kube.get('Deployment', 'shop', 'web')!;
    expect([metadata?.uid, metadata?.ownerReferences, metadata?.annotations, spec]).toEqual(['dep-foreign', undefined, undefined, { replicas: 5 }]);
  });

  it('cleanup deletes only the children it judged its own: one made again by someone else since is left', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const foreign = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'dep-foreign' }, spec: { replicas: 5 } };
    h.kube.beforeWrite = (verb, object) => {
      if (verb === 'delete' && object.kind === 'Deployment' && h.kube.get('Deployment', 'shop', 'web')?.metadata?.uid !== 'dep-foreign') h.kube.objects.set('Deployment/shop/web', structuredClone(foreign) as never);
    };
    h.kube.deleteWorkload('shop/web');
    await h.converge('shop/web');
    expect(h.kube.workloads.has('shop/web')).toBe(false);
    expect(h.kube.get('ServiceAccount', 'shop', 'web')).toBeUndefined();
    expect(h.kube.get('Deployment', 'shop', 'web')?.metadata?.uid).toBe('dep-foreign');
  });

  it('a child created before a later one fails is still named in a Created event', async () => {
    h.kube.beforeWrite = (verb, object) => {
      if (verb === 'create' && object.kind === 'Deployment') throw apiError(500, 'InternalError', 'etcd leader changed');
    };
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web', 4)).toBeInstanceOf(Error);
    expect(h.kube.get('ServiceAccount', 'shop', 'web')).toBeDefined();
    expect(h.kube.events.filter((event) => event.reason === 'Created').map((event) => event.message)).toContainEqual(expect.stringContaining('ServiceAccount web'));
  });

  it('an existing object that carries the adopt annotation is taken over', async () => {
    h.kube.objects.set('ServiceAccount/shop/web', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', uid: 'sa-uid', annotations: { 'fargate.eksops.dev/adopt': 'true' } } } as never);
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
    expect(h.kube.get('ServiceAccount', 'shop', 'web')?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::/);
  });

  it('two workloads naming one ServiceAccount: the second is Stalled naming the first, whose ServiceAccount is unchanged', async () => {
    h.kube.addWorkload(workload('web', { iam: { serviceAccountName: 'shared', managedPolicyArns: [S3_READ] } }));
    expect(await h.converge('shop/web')).toEqual({});
    const before = h.kube.get('ServiceAccount', 'shop', 'shared');
    h.kube.addWorkload(workload('api', { iam: { serviceAccountName: 'shared', managedPolicyArns: [S3_READ] } }));
    await h.converge('shop/api');
    expect(h.condition('shop/api', 'Stalled')).toMatchObject({ status: 'True', reason: 'NotOwned', message: expect.stringContaining('ServiceAccount shop/shared exists and it is controlled by FargateWorkload shop/web') });
    expect(h.kube.get('ServiceAccount', 'shop', 'shared')).toEqual(before);
    expect(h.kube.get('Deployment', 'shop', 'api')).toBeUndefined();
  });

  it('a Deployment of the same name made by someone else is left alone; the workload stalls on WorkloadAvailable', async () => {
    const foreign = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'dep-uid' }, spec: { replicas: 5 } };
    h.kube.objects.set('Deployment/shop/web', foreign as never);
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    expect(h.condition('shop/web', 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(h.kube.get('Deployment', 'shop', 'web')).toEqual(foreign);
    h.kube.workloads.get('shop/web')!.metadata.deletionTimestamp = new Date().toISOString();
    await h.converge('shop/web');
    // Deleting the workload never deletes what it did not own.
    expect(h.kube.get('Deployment', 'shop', 'web')).toEqual(foreign);
  });

  it('a new workload creates its role without reading it first; a name found taken is read, left alone and not tried again', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    // No role recorded in status: CreateRole comes first, with no GetRole before it (later reconciles read).
    const roleCalls = h.aws.calls.filter((call) => /^iam:(Get|Create|Attach)Role/.test(call));
    expect(roleCalls.slice(0, 2)).toEqual(['iam:CreateRole', 'iam:AttachRolePolicy']);

    // Someone else's role under the planned name of a new workload.
    const other = workload('api');
    const name = planIrsaRole(other, readyCluster(), { accountId: FAKE_ACCOUNT, region: FAKE_REGION, oidcIssuer: ISSUER }).name;
    const foreign = { name, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/${name}`, path: '/eksops/', trustPolicy: {}, tags: { team: 'someone-else' }, attachedPolicyArns: [], inlinePolicies: {} };
    h.aws.roles.set(name, structuredClone(foreign));
    h.kube.addWorkload(other);
    const mark = h.aws.calls.length;
    expect(isTerminal(await h.run('shop/api'))).toBe(true);
    // IAM refused the create (EntityAlreadyExists, nothing changed); the role was then read and judged.
    expect(h.aws.calls.slice(mark).filter((call) => call.startsWith('iam:Create') || call.startsWith('iam:Get') || call.startsWith('iam:Attach') || call.startsWith('iam:Tag'))).toEqual(['iam:CreateRole', 'iam:GetRole']);
    expect(h.condition('shop/api', 'IAMRoleReady')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(h.aws.roles.get(name)).toEqual(foreign);
    // Its status now records the attempt: the next reconcile reads, and makes no create.
    const again = h.aws.calls.length;
    await h.run('shop/api');
    expect(h.aws.calls.slice(again).filter((call) => call === 'iam:CreateRole')).toEqual([]);
    expect(h.aws.calls.slice(again)).toContain('iam:GetRole');
  });

  it('a role already made and owned, with the status lost and CreateRole denied, is read and used, not refused', async () => {
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toEqual({});
    const [name, made] = [...h.aws.roles.entries()][0]!;
    // The workload comes back without its status (restored by GitOps), and IAM now denies CreateRole.
    h.kube.workloads.set('shop/web', { ...h.kube.workloads.get('shop/web')!, status: {} } as FargateWorkload);
    h.aws.faults = [{ operation: 'iam:CreateRole', error: () => awsError('AccessDenied', 'User is not authorized to perform: iam:CreateRole', 403) }];
    const mark = h.aws.calls.length;
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.aws.calls.slice(mark).filter((call) => /^iam:(Get|Create)Role$/.test(call)).slice(0, 2)).toEqual(['iam:CreateRole', 'iam:GetRole']);
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ status: 'True' });
    expect(h.aws.roles.get(name)).toEqual(made);
  });

  it('with the profile ACTIVE and the role not usable, the children say they wait for the IAM role', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    // The role is replaced behind the operator's back by one it does not own.
    const [name, role] = [...h.aws.roles.entries()][0]!;
    h.aws.roles.set(name, { ...role, tags: { team: 'someone-else' } });
    expect(isTerminal(await h.run('shop/web'))).toBe(true);
    expect(h.condition('shop/web', 'IAMRoleReady')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(h.condition('shop/web', 'FargateProfileReady')?.status).toBe('True');
    expect(h.condition('shop/web', 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: 'WaitingForIAMRole', message: 'the Deployment waits for the IAM role to be ready' });
  });

  it('a retryable failure heals: once the fault is gone the next reconcile is Ready', async () => {
    h.aws.faults = [{ operation: 'iam:*', error: () => awsError('Throttling', 'Rate exceeded', 400), count: 4 }];
    h.kube.addWorkload(workload());
    expect(await h.converge('shop/web')).toBeInstanceOf(Error);
    expect(h.condition('shop/web', 'Reconciling')?.reason).toBe('Throttling');
    let outcome = await h.converge('shop/web');
    // The fault is used up after four calls: a few passes at most (bounded, so a regression fails instead of hanging).
    for (let pass = 0; pass < 10 && outcome instanceof Error; pass++) outcome = await h.converge('shop/web');
    expect(outcome).toEqual({});
    expect(h.condition('shop/web', 'Ready')?.status).toBe('True');
  });

  it('delete: children, role and profile are deleted, then the finalizer goes and the workload with it', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    h.kube.deleteWorkload('shop/web');
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.workloads.has('shop/web')).toBe(false);
    expect(h.aws.roles.size).toBe(0);
    expect(h.aws.profiles.size).toBe(0);
    expect(h.kube.objects.size).toBe(0);
    expect(h.aws.writes().slice(-2)).toEqual(['iam:DeleteRole', 'eks:DeleteFargateProfile']);
  });

  it('delete when the FargateCluster lost its facts (its EKS cluster deleted first): the cleanup runs all the same', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    // What the cluster reconciler writes once DescribeCluster answers ResourceNotFound: no issuer, role or account.
    const cluster = h.kube.clusters.get(CLUSTER)!;
    h.kube.clusters.set(CLUSTER, { ...cluster, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ClusterNotFound', message: 'EKS cluster prod not found', lastTransitionTime: '' }] } });
    h.kube.deleteWorkload('shop/web');
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.workloads.has('shop/web')).toBe(false);
    expect(h.aws.roles.size).toBe(0);
    expect(h.aws.profiles.size).toBe(0);
  });

  it('a new workload on a FargateCluster without its facts waits, and says what the cluster reports', async () => {
    const cluster = h.kube.clusters.get(CLUSTER)!;
    h.kube.clusters.set(CLUSTER, { ...cluster, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ClusterNotFound', message: 'EKS cluster prod not found', lastTransitionTime: '' }] } });
    h.kube.addWorkload(workload());
    expect(await h.run('shop/web')).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ reason: 'WaitingForCluster', message: expect.stringContaining('ClusterNotFound: EKS cluster prod not found') });
    expect(h.aws.writes()).toEqual([]);
  });

  it('a new workload on a FargateCluster being deleted creates nothing and says why; one it already runs keeps converging', async () => {
    h.kube.addWorkload(workload('api'));
    expect(await h.converge('shop/api')).toEqual({});
    h.kube.clusters.get(CLUSTER)!.metadata.deletionTimestamp = new Date().toISOString();
    const writes = h.aws.writes().length;
    h.kube.addWorkload(workload());
    expect(await h.run('shop/web')).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('shop/web', 'Ready')).toMatchObject({ reason: 'WaitingForCluster', message: expect.stringContaining('is being deleted') });
    expect(h.aws.writes()).toHaveLength(writes);
    expect(h.kube.workloads.get('shop/web')?.metadata.finalizers ?? []).toEqual([]);
    expect(await h.converge('shop/api')).toEqual({});
    expect(h.condition('shop/api', 'Ready')?.status).toBe('True');
  });

  it('a pass that fails after making its profile records it with the failure: a placement change later releases it', async () => {
    h.kube.addWorkload(workload('web', { fargateProfile: { placement: 'Namespace' } }));
    h.aws.faults = [{ operation: 'iam:CreateRole', error: () => awsError('Throttling', 'Rate exceeded', 400), count: 1 }];
    expect(await h.run('shop/web')).toBeInstanceOf(Error);
    const [first] = [...h.aws.profiles.values()].map((stored) => stored.profile.name);
    expect(h.kube.workloads.get('shop/web')?.status).toMatchObject({
      clusterName: CLUSTER,
      awsResources: expect.arrayContaining([expect.objectContaining({ kind: 'FargateProfile', name: first })]),
    });
    h.kube.editWorkload('shop/web', (spec) => {
      spec.fargateProfile = { placement: 'Dedicated' };
    });
    h.clock.advance(10_000);
    expect(await h.converge('shop/web', 30)).toEqual({});
    h.kube.deleteWorkload('shop/web');
    expect(await h.converge('shop/web', 30)).toEqual({});
    expect(h.aws.profiles.size).toBe(0);
  });

  it('a cleanup error (DeleteConflict) shows in status while the delete is retried, and the workload goes once it clears', async () => {
    h.kube.addWorkload(workload());
    await h.converge('shop/web');
    h.aws.faults = [{ operation: 'iam:DeleteRole', error: () => awsError('DeleteConflictException', 'Cannot delete entity, must detach all policies first.', 409), count: 1 }];
    h.kube.deleteWorkload('shop/web');
    const outcome = await h.converge('shop/web');
    expect(outcome).toBeInstanceOf(Error);
    expect(isTerminal(outcome)).toBe(false);
    expect(h.condition('shop/web', 'Reconciling')).toMatchObject({ status: 'True', reason: 'ConcurrentModification', message: expect.stringContaining('DeleteConflictException: Cannot delete entity') });
    expect(h.kube.workloads.get('shop/web')?.metadata.finalizers).toEqual(['fargate.eksops.dev/cleanup']);
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.workloads.has('shop/web')).toBe(false);
    expect(h.aws.roles.size).toBe(0);
  });

  it('delete with Retain: the children go, the role and the profile stay in AWS', async () => {
    h.kube.addWorkload(workload('web', { deletionPolicy: 'Retain' }));
    await h.converge('shop/web');
    const writes = h.aws.writes().length;
    h.kube.deleteWorkload('shop/web');
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.kube.workloads.has('shop/web')).toBe(false);
    expect(h.aws.writes()).toHaveLength(writes);
    expect(h.aws.roles.size).toBe(1);
    expect(h.aws.profiles.size).toBe(1);
    expect(h.kube.objects.size).toBe(0);
  });

  it('a shared profile stays while another workload uses it, and goes with the last one', async () => {
    h.kube.addWorkload(workload('web'));
    h.kube.addWorkload(workload('api'));
    await h.converge('shop/web');
    await h.converge('shop/api');
    expect(h.aws.profiles.size).toBe(1);
    h.kube.deleteWorkload('shop/web');
    const calls = h.aws.calls.length;
    await h.converge('shop/web');
    expect(h.aws.profiles.size).toBe(1);
    expect(h.kube.events.some((e) => e.reason === 'FargateProfileDeleting')).toBe(false);
    // Kept for api without a look at it.
    expect(h.aws.calls.slice(calls).filter((call) => call.startsWith('eks:'))).toEqual([]);
    h.kube.deleteWorkload('shop/api');
    await h.converge('shop/api');
    expect(h.aws.profiles.size).toBe(0);
  });

  it.each([
    ['not served (no CRD)', (h: Harness) => h.kube.unservedKinds.add('SecurityGroupPolicy')],
    ['removed since the cache looked', (h: Harness) => h.kube.removedKinds.add('SecurityGroupPolicy')],
  ])('security groups with the SecurityGroupPolicy kind %s: NetworkReady says the CRD is missing, the rest converges', async (_name, arrange) => {
    h.aws.securityGroups.add('sg-0a1b2c3d4e5f60718');
    arrange(h);
    h.kube.addWorkload(workload('web', { networking: { securityGroupIds: ['sg-0a1b2c3d4e5f60718'] } }));
    const outcome = await h.converge('shop/web', 6);
    expect(outcome).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('shop/web', 'NetworkReady')).toMatchObject({ status: 'False', reason: 'SecurityGroupPolicyCRDMissing' });
    expect(h.condition('shop/web', 'WorkloadAvailable')?.status).toBe('True');
    expect(h.kube.get('SecurityGroupPolicy', 'shop', 'web')).toBeUndefined();
  });

  it('a SecurityGroupPolicy create answered 404 for one object (its namespace going away) is an error, not a missing CRD', async () => {
    h.aws.securityGroups.add('sg-0a1b2c3d4e5f60718');
    h.kube.beforeWrite = (verb, object) => {
      if (verb === 'create' && object.kind === 'SecurityGroupPolicy') throw apiError(404, 'NotFound', 'namespaces "shop" not found');
    };
    h.kube.addWorkload(workload('web', { networking: { securityGroupIds: ['sg-0a1b2c3d4e5f60718'] } }));
    expect(await h.converge('shop/web', 6)).toBeInstanceOf(Error);
    expect(h.condition('shop/web', 'NetworkReady')?.reason).not.toBe('SecurityGroupPolicyCRDMissing');
    expect(h.condition('shop/web', 'Ready')?.status).not.toBe('True');
  });

  it('a second profile create waits in the lane while another profile of the cluster is CREATING', async () => {
    await h.aws.services(new ProfileLane()).profiles.create({ name: 'outside', clusterName: CLUSTER, subnets: SUBNETS, selectors: [{ namespace: 'x', labels: {} }], podExecutionRoleArn: EXECUTION_ROLE, tags: {} });
    h.kube.addWorkload(workload());
    const first = await h.run('shop/web');
    expect(first).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(h.condition('shop/web', 'FargateProfileReady')).toMatchObject({ status: 'False', reason: 'WaitingInLane', message: expect.stringContaining('outside') });
    // Nothing of ours was created while the other profile was in transition.
    expect([...h.aws.profiles.keys()]).toEqual([`${CLUSTER}/outside`]);
    expect(await h.converge('shop/web')).toEqual({});
    expect(h.condition('shop/web', 'Ready')?.status).toBe('True');
  });
});
