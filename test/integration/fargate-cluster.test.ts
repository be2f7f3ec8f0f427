/**
 * The FargateCluster reconciler in the operator, on the real API server and moto behind the EKS
 * proxy: the seeded EKS cluster `demo` becomes Ready with its execution role and OIDC provider,
 * a steady state writes nothing, a missing EKS cluster or OIDC provider is reported, and a
 * delete waits for workloads and then removes what the operator created.
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  DeleteOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  UpdateAssumeRolePolicyCommand,
  GetRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { whyProviderRemains } from '../support/iam-trust.js';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, API_GROUP, API_VERSION, FINALIZER, TAG_CLUSTER, TAG_COMPONENT } from '../../src/api/constants.js';
import type { Condition, FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isWriteOperation } from '../../src/aws/call-log.js';
import { SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { EXECUTION_ROLE_LOGGING_POLICY_NAME, planPodExecutionRole } from '../../src/plan/pod-execution-role.js';
import { eksProxyRemote } from '../../scripts/dev-env/eks-proxy.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const environment = readTestEnvironment();
const seed = environment.seed;
if (!seed) throw new Error('the integration environment was started without a seed');
const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const core = kubeConfig.makeApiClient(CoreV1Api);
const awsConfig = { endpoint: environment.awsEndpoint, region: seed.region, credentials: EMULATOR_CREDENTIALS };
const iam = new IAMClient(awsConfig);
const eks = new EKSClient(awsConfig);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };

function clusterManifest(name: string, overrides: Partial<FargateCluster['spec']> = {}): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name },
    spec: {
      region: seed!.region,
      subnetIds: seed!.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: 'fw' },
      iam: { rolePath: '/eksops/', allowedManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], allowInlinePolicies: true, inlinePolicyActions: ['s3:GetObject'], createOIDCProvider: true, deleteOIDCProvider: true },
      logging: { cloudWatch: { logGroupName: `/eks/${name}/fargate`, retentionDays: 30 } },
      ...overrides,
    },
  };
}

async function readCluster(name: string): Promise<FargateCluster | undefined> {
  try {
    return (await custom.getClusterCustomObject({ ...clusterRef, name })) as FargateCluster;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function condition(cluster: FargateCluster | undefined, type: string): Condition | undefined {
  return cluster?.status?.conditions?.find((c) => c.type === type);
}

async function waitForCondition(name: string, type: string, status: Condition['status'], reason?: string): Promise<FargateCluster> {
  const found = await waitFor(
    `${name} ${type}=${status}${reason ? ` (${reason})` : ''}`,
    () => readCluster(name),
    (cluster) => {
      const c = condition(cluster, type);
      return c?.status === status && (reason === undefined || c.reason === reason) && cluster?.status?.observedGeneration === cluster?.metadata.generation;
    },
  );
  return found as FargateCluster;
}

async function deleteClusterAndWait(name: string): Promise<void> {
  try {
    await custom.deleteClusterCustomObject({ ...clusterRef, name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await waitFor(`FargateCluster ${name} gone`, () => readCluster(name), (cluster) => cluster === undefined);
}

async function roleExists(name: string): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: name }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity') return false;
    throw error;
  }
}

async function providerArnsFor(issuer: string): Promise<string[]> {
  const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  const key = issuer.replace(/^https:\/\//, '');
  return (listed.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? '').filter((arn) => arn.endsWith(`:oidc-provider/${key}`));
}

async function clusterReconciles(under: OperatorUnderTest): Promise<number> {
  const metric = await under.operator.context.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels.kind === 'FargateCluster').reduce((sum, v) => sum + v.value, 0);
}

const executionRoleName = planPodExecutionRole(clusterManifest('demo'), { accountId: seed.accountId, region: seed.region, oidcIssuer: seed.oidcIssuer }).name;
let under: OperatorUnderTest;
let issuer = '';

beforeAll(async () => {
  issuer = (await eks.send(new DescribeClusterCommand({ name: 'demo' }))).cluster?.identity?.oidc?.issuer ?? '';
  // Another suite's leftovers would make "created" indistinguishable from "found".
  for (const arn of await providerArnsFor(issuer)) await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  under = await startOperatorForTest();
});

afterAll(async () => {
  for (const name of ['demo', 'no-such-cluster']) await deleteClusterAndWait(name).catch(() => undefined);
  await under?.stop();
  // A failed adoption test would leave its untagged role behind; other suites want the name free.
  await new SdkIamRoleStore(iam).deleteRole(executionRoleName);
  iam.destroy();
  eks.destroy();
});

describe('FargateCluster reconciler', () => {
  it('serves readiness and metrics once its caches are synced, and leads without election', async () => {
    const base = `http://127.0.0.1:${under.operator.healthPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('eksfo_leader 1');
    expect(under.operator.isLeader()).toBe(true);
  });

  it('reports OIDCProviderMissing with the commands to fix it when it may not create the provider', async () => {
    const manifest = clusterManifest('demo', { iam: { rolePath: '/eksops/', createOIDCProvider: false } });
    await custom.createClusterCustomObject({ ...clusterRef, body: manifest });
    const cluster = await waitForCondition('demo', 'OIDCProviderReady', 'False', 'OIDCProviderMissing');
    expect(condition(cluster, 'OIDCProviderReady')?.message).toContain('eksctl utils associate-iam-oidc-provider --cluster demo --region us-east-1 --approve');
    expect(condition(cluster, 'OIDCProviderReady')?.message).toContain(`aws iam create-open-id-connect-provider --url ${issuer} --client-id-list sts.amazonaws.com`);
    expect(condition(cluster, 'Ready')?.status).toBe('False');
    expect(condition(cluster, 'Stalled')).toMatchObject({ status: 'True', reason: 'OIDCProviderMissing' });
    expect(await providerArnsFor(issuer)).toEqual([]);
    await deleteClusterAndWait('demo');
    expect(await roleExists(executionRoleName)).toBe(false);
  });

  it('converges the seeded cluster to Ready: facts in status, one execution role with the exact trust policy, an OIDC provider', async () => {
    await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest('demo') });
    const cluster = await waitForCondition('demo', 'Ready', 'True');
    expect(cluster.metadata.finalizers).toContain(FINALIZER);
    for (const type of ['ClusterFound', 'OIDCProviderReady', 'PodExecutionRoleReady']) expect(condition(cluster, type)?.status).toBe('True');
    expect(condition(cluster, 'Stalled')?.status).toBe('False');
    expect(condition(cluster, 'Reconciling')?.status).toBe('False');
    expect(cluster.status).toMatchObject({
      oidcIssuer: issuer,
      accountId: seed.accountId,
      vpcId: seed.vpcId,
      podExecutionRoleArn: `arn:aws:iam::${seed.accountId}:role/${executionRoleName}`,
    });

    const roles = (await iam.send(new ListRolesCommand({}))).Roles ?? [];
    expect(roles.filter((role) => role.RoleName?.startsWith('demo-') && role.RoleName.endsWith('-fargate-pod-execution')).map((role) => role.RoleName)).toEqual([executionRoleName]);
    const role = (await iam.send(new GetRoleCommand({ RoleName: executionRoleName }))).Role;
    expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'eks-fargate-pods.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:eks:us-east-1:${seed.accountId}:fargateprofile/demo/*` } },
        },
      ],
    });
    expect(Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ [TAG_CLUSTER]: 'demo', [TAG_COMPONENT]: 'execution-role' });
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: executionRoleName }))).AttachedPolicies ?? [];
    expect(attached.map((p) => p.PolicyArn)).toEqual(['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
    // Logging is on: the role may write the cluster's log group, and only it.
    const logging = await iam.send(new GetRolePolicyCommand({ RoleName: executionRoleName, PolicyName: EXECUTION_ROLE_LOGGING_POLICY_NAME }));
    const loggingStatement = JSON.parse(decodeURIComponent(logging.PolicyDocument ?? '')).Statement[0];
    expect(loggingStatement.Resource).toEqual([
      `arn:aws:logs:us-east-1:${seed.accountId}:log-group:/eks/demo/fargate`,
      `arn:aws:logs:us-east-1:${seed.accountId}:log-group:/eks/demo/fargate:*`,
      `arn:aws:logs:us-east-1:${seed.accountId}:log-group:demo-fluent-bit-logs`,
      `arn:aws:logs:us-east-1:${seed.accountId}:log-group:demo-fluent-bit-logs:*`,
    ]);

    const providers = await providerArnsFor(issuer);
    expect(providers).toEqual([cluster.status?.oidcProviderArn]);
    const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providers[0] }));
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(Object.fromEntries((provider.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ [TAG_CLUSTER]: 'demo' });
  });

  it('makes no AWS write and no Kubernetes write when it reconciles a steady cluster again', async () => {
    // The status write of the first convergence wakes the cluster once more: let that settle first.
    const queue = under.operator.controllers.cluster.queue;
    await waitFor('an idle cluster queue', async () => queue.depth() + queue.inFlight(), (n) => n === 0);
    const before = await readCluster('demo');
    const mark = under.awsCalls.mark();
    const reconciles = await clusterReconciles(under);
    under.operator.controllers.cluster.enqueue('demo');
    await waitFor('a second reconcile', () => clusterReconciles(under), (n) => n > reconciles);
    const calls = under.awsCalls.since(mark);
    expect(calls.map((c) => c.operation)).toContain('DescribeCluster');
    expect(calls.filter((c) => isWriteOperation(c.operation))).toEqual([]);
    expect((await readCluster('demo'))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('refuses deletion while a workload runs on the cluster, then removes the role, the provider and the finalizer', async () => {
    const namespace = `fc-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const workload: FargateWorkload = {
      apiVersion: 'fargate.eksops.dev/v1alpha1',
      kind: 'FargateWorkload',
      metadata: { name: 'hello', namespace },
      spec: { clusterName: 'demo', template: { spec: { containers: [{ name: 'hello', image: 'public.ecr.aws/nginx/nginx:1.27' }] } } },
    };
    const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads', namespace };
    await custom.createNamespacedCustomObject({ ...workloadRef, body: workload });
    try {
      await custom.deleteClusterCustomObject({ ...clusterRef, name: 'demo' });
      const waiting = await waitForCondition('demo', 'Ready', 'False', 'WorkloadsRemain');
      expect(condition(waiting, 'Ready')?.message).toContain(`${namespace}/hello`);
      expect(await roleExists(executionRoleName)).toBe(true);
    } finally {
      await custom.deleteNamespacedCustomObject({ ...workloadRef, name: 'hello' });
    }
    await waitFor('FargateCluster demo gone', () => readCluster('demo'), (cluster) => cluster === undefined);
    expect(await roleExists(executionRoleName)).toBe(false);
    // deleteOIDCProvider: the provider it created goes, unless a role in the account still trusts it
    // (roles other suites keep with deletionPolicy Retain may): then it stays.
    for (const arn of await providerArnsFor(issuer)) expect(await whyProviderRemains(iam, arn, 'demo')).toEqual(expect.any(String));
    await core.deleteNamespace({ name: namespace });
  });

  it('checks a given execution role: one that does not trust Fargate pods is reported, fixed it is used and kept on delete', async () => {
    const name = `byo-execution-${Date.now().toString(36)}`;
    const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
    const arn = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }))).Role?.Arn ?? '';
    try {
      await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest('demo', { podExecutionRole: { arn } }) });
      const untrusted = await waitForCondition('demo', 'PodExecutionRoleReady', 'False', 'RoleNotTrusted');
      expect(condition(untrusted, 'PodExecutionRoleReady')?.message).toContain('eks-fargate-pods.amazonaws.com');
      expect(condition(untrusted, 'Stalled')).toMatchObject({ status: 'True', reason: 'RoleNotTrusted' });

      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust('eks-fargate-pods.amazonaws.com') }));
      under.operator.controllers.cluster.enqueue('demo');
      const ready = await waitForCondition('demo', 'Ready', 'True');
      expect(ready.status?.podExecutionRoleArn).toBe(arn);
      expect(await roleExists(executionRoleName)).toBe(false);
      await deleteClusterAndWait('demo');
      expect(await roleExists(name)).toBe(true);
    } finally {
      await iam.send(new DeleteRoleCommand({ RoleName: name }));
    }
  });

  it('leaves an untagged role with the execution role\'s name alone (NotOwned) until the cluster says to adopt it', async () => {
    const foreignTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: executionRoleName, AssumeRolePolicyDocument: JSON.stringify(foreignTrust) }));
    await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest('demo') });
    const notOwned = await waitForCondition('demo', 'PodExecutionRoleReady', 'False', 'NotOwned');
    expect(condition(notOwned, 'Stalled')).toMatchObject({ status: 'True', reason: 'NotOwned' });
    expect(condition(notOwned, 'PodExecutionRoleReady')?.message).toContain(`${ADOPT_ANNOTATION}: "true"`);
    let role = (await iam.send(new GetRoleCommand({ RoleName: executionRoleName }))).Role;
    expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''))).toEqual(foreignTrust);
    expect(role?.Tags ?? []).toEqual([]);

    await custom.patchClusterCustomObject({ ...clusterRef, name: 'demo', body: [{ op: 'add', path: '/metadata/annotations', value: { [ADOPT_ANNOTATION]: 'true' } }] });
    await waitForCondition('demo', 'Ready', 'True');
    role = (await iam.send(new GetRoleCommand({ RoleName: executionRoleName }))).Role;
    expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).Statement[0].Principal).toEqual({ Service: 'eks-fargate-pods.amazonaws.com' });
    expect(Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ [TAG_CLUSTER]: 'demo', [TAG_COMPONENT]: 'execution-role' });
    // Adopted, it is the operator's: it goes with the cluster.
    await deleteClusterAndWait('demo');
    expect(await roleExists(executionRoleName)).toBe(false);
  });

  it('backs off and retries when AWS fails transiently, says so in an event, and converges', async () => {
    const proxy = eksProxyRemote(environment.awsEndpoint);
    // More server errors than the SDK's three attempts absorb: the reconcile itself must fail and retry.
    await proxy.configure({ faults: [{ operation: 'eks:DescribeCluster', kind: 'server-error', count: 4 }] });
    const mark = under.awsCalls.mark();
    try {
      await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest('demo') });
      await waitForCondition('demo', 'Ready', 'True');
    } finally {
      await proxy.configure({ faults: [] });
    }
    const describes = under.awsCalls.since(mark, { operation: 'DescribeCluster' }).map((c) => c.outcome);
    expect(describes[0]).not.toBe('ok');
    expect(describes.at(-1)).toBe('ok');
    const errors = (await under.operator.context.metrics.reconcileTotal.get()).values.find((v) => v.labels.kind === 'FargateCluster' && v.labels.result === 'error');
    expect(errors?.value).toBeGreaterThanOrEqual(1);
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=demo,reason=AWSCallFailed' });
    expect(events.items.length).toBeGreaterThanOrEqual(1);
    await deleteClusterAndWait('demo');
  });

  it('stalls with ClusterNotFound when no EKS cluster has the FargateCluster\'s name, and deletes cleanly', async () => {
    await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest('no-such-cluster') });
    const cluster = await waitForCondition('no-such-cluster', 'Stalled', 'True', 'ClusterNotFound');
    expect(condition(cluster, 'ClusterFound')).toMatchObject({
      status: 'False',
      message: "no EKS cluster named no-such-cluster in us-east-1: the FargateCluster's name must be the EKS cluster name",
    });
    expect(condition(cluster, 'Ready')?.status).toBe('False');
    // The region cannot change (a CEL transition rule): what the operator made is named for it and lives there.
    const refused = await custom
      .patchClusterCustomObject({ ...clusterRef, name: 'no-such-cluster', body: [{ op: 'replace', path: '/spec/region', value: 'eu-west-1' }] })
      .then(() => undefined, (error: unknown) => String((error as { body?: unknown }).body ?? error));
    expect(refused).toMatch(/spec.region cannot change from us-east-1.*create it again for eu-west-1/);
    await deleteClusterAndWait('no-such-cluster');
  });
});
