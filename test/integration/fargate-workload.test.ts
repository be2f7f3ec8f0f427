/**
 * The FargateWorkload reconciler in the operator, on the real API server and moto behind the EKS
 * proxy (profiles held CREATING / DELETING for a while, as EKS does). The environment's
 * controllers, KWOK and Fargate scheduler stand-in run the pods, so Deployments become available
 * as on EKS.
 */
import { isDeepStrictEqual } from 'node:util';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateFargateProfileCommand, DeleteFargateProfileCommand, DescribeFargateProfileCommand, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, FINALIZER, IRSA_ROLE_ANNOTATION, PROFILE_LABEL, ROLE_HASH_ANNOTATION, TAG_CLUSTER, TAG_COMPONENT, TAG_DELETION_POLICY, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isWriteOperation } from '../../src/aws/call-log.js';
import { SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import { parseRoleArn, planIrsaRole, roleArnHash, selectorMatches } from '../../src/plan/index.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import {
  apps,
  CLUSTER,
  clusterRef,
  condition,
  core,
  custom,
  deleteWorkload,
  destroyClients,
  ec2,
  eks,
  ensureReadyCluster,
  iam,
  networking,
  profilesWithPrefix,
  proxy,
  readWorkload,
  removeCluster,
  seed,
  startWorkloadOperator,
  workloadRef,
  waitForProfilesSettled,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wlt';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DYNAMO_READ = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';
const INTRUDER_POLICY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const CREATING_MS = 1_500;
const OUTSIDER_CREATING_MS = 8_000;
const DELETING_MS = 1_500;
/** Each test waits on several profile transitions of CREATING_MS / DELETING_MS. */
const TEST_TIMEOUT_MS = 180_000;

const suffix = Date.now().toString(36);
const nsA = `wlt-a-${suffix}`;
const nsB = `wlt-b-${suffix}`;

function clusterManifest(): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: {
      region: seed.region,
      subnetIds: seed.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: PREFIX },
      iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ, DYNAMO_READ], allowInlinePolicies: true, inlinePolicyActions: ['sqs:*'], createOIDCProvider: true },
      networking: { allowedSecurityGroupIds: ['*'] },
    },
  };
}

function workloadManifest(namespace: string, name: string, spec: Partial<FargateWorkload['spec']> = {}, cpu = '250m'): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu, memory: '512Mi' } } }] },
      },
      ...spec,
    },
  };
}

const INLINE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] };

function current(workload: FargateWorkload | undefined): boolean {
  return workload?.status?.observedGeneration === workload?.metadata.generation;
}

/** Every FargateProfileReady message seen while waiting, to check what a workload said while it queued. */
const profileMessages = new Set<string>();

/** Waits until the workload is Ready, playing the Deployment controller for its namespace meanwhile. */
async function waitForReady(namespace: string, name: string, timeoutMs = 90_000): Promise<FargateWorkload> {
  const ready = await waitFor(
    `${namespace}/${name} Ready`,
    async () => {
      const workload = await readWorkload(namespace, name);
      const message = condition(workload, 'FargateProfileReady')?.message;
      if (message) profileMessages.add(message);
      return workload;
    },
    (workload) => current(workload) && condition(workload, 'Ready')?.status === 'True',
    timeoutMs,
  );
  return ready!;
}

async function waitForGone(namespace: string, name: string): Promise<void> {
  await waitFor(`${namespace}/${name} gone`, () => readWorkload(namespace, name), (workload) => workload === undefined, 90_000);
}

function ourProfiles(): Promise<string[]> {
  return profilesWithPrefix(PREFIX);
}

async function roleExists(name: string): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: name }));
    return true;
  } catch (error) {
    if ((error as Error).name.startsWith('NoSuchEntity')) return false;
    throw error;
  }
}

async function attachedPolicies(roleName: string): Promise<string[]> {
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  return (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '').sort();
}

async function workloadReconciles(): Promise<number> {
  const metric = await under.operator.context.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels.kind === 'FargateWorkload').reduce((sum, v) => sum + v.value, 0);
}

/** Profile creates and deletes on our cluster the proxy answered, in arrival order. */
function profileWrites(calls: readonly ProxyCall[]): ProxyCall[] {
  return calls
    .filter((call) => (call.operation === 'CreateFargateProfile' || call.operation === 'DeleteFargateProfile') && call.path.includes(`/clusters/${CLUSTER}/`))
    .sort((a, b) => a.startedAt - b.startedAt);
}

async function setMaxProfiles(maxProfiles: number): Promise<void> {
  await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'replace', path: '/spec/profiles/maxProfiles', value: maxProfiles }] });
}

const OUTSIDER = `${PREFIX}-outsider-${suffix}`;
let under: OperatorUnderTest;
let cluster: FargateCluster;

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS, faults: [] });
  // A profile an earlier suite left DELETING would refuse this suite's own CreateFargateProfile.
  await waitForProfilesSettled();
  await proxy.clearCalls();
  for (const namespace of [nsA, nsB]) await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startWorkloadOperator(3_000);
  cluster = await ensureReadyCluster(clusterManifest());
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  for (const [namespace, name] of [[nsA, 'web'], [nsB, 'api'], [nsB, 'db'], [nsA, 'worker'], [nsA, 'huge'], [nsA, 'keeper'], [nsB, 'shop'], [nsA, 'adoptee'], [nsA, 'extra']] as const) {
    await deleteWorkload(namespace, name).catch(() => undefined);
  }
  for (const [namespace, name] of [[nsA, 'web'], [nsB, 'api'], [nsB, 'db'], [nsA, 'worker'], [nsA, 'huge'], [nsA, 'keeper'], [nsB, 'shop'], [nsA, 'adoptee'], [nsA, 'extra']] as const) {
    await waitForGone(namespace, name).catch(() => undefined);
  }
  await eks.send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: OUTSIDER })).catch(() => undefined);
  await removeCluster(CLUSTER);
  await under?.stop();
  await waitForProfilesSettled().catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  for (const namespace of [nsA, nsB]) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  destroyClients();
}, 240_000);

describe('FargateWorkload reconciler', () => {
  it('converges two Shared workloads in different namespaces and one Dedicated, one profile operation at a time', async () => {
    // A profile someone else is creating holds the cluster's one transition slot: the operator must queue behind it.
    // It stays CREATING long enough that the workloads reach their profile step while it does, even on a
    // loaded machine (validation, finalizer and network preflight come first).
    await proxy.configure({ creatingDelayMs: OUTSIDER_CREATING_MS });
    await eks.send(
      new CreateFargateProfileCommand({
        clusterName: CLUSTER,
        fargateProfileName: OUTSIDER,
        podExecutionRoleArn: cluster.status?.podExecutionRoleArn,
        subnets: seed.privateSubnetIds,
        selectors: [{ namespace: 'outsider' }],
      }),
    );
    await proxy.configure({ creatingDelayMs: CREATING_MS });
    const manifests = [
      workloadManifest(nsA, 'web', { iam: { managedPolicyArns: [S3_READ] } }),
      workloadManifest(nsB, 'api', { iam: { inlinePolicy: INLINE_POLICY } }),
      workloadManifest(nsB, 'db', { fargateProfile: { placement: 'Dedicated' }, iam: { serviceAccountName: 'db-sa', managedPolicyArns: [DYNAMO_READ] } }),
    ];
    for (const body of manifests) await custom.createNamespacedCustomObject({ ...workloadRef, namespace: body.metadata.namespace!, body });

    const ready = await Promise.all(manifests.map((m) => waitForReady(m.metadata.namespace!, m.metadata.name!)));
    const [web, api, db] = ready as [FargateWorkload, FargateWorkload, FargateWorkload];

    // Two profiles: one Shared for both namespaces (same subnets), one Dedicated.
    expect(web.status?.fargateProfile).toEqual(api.status?.fargateProfile);
    expect(web.status?.fargateProfile?.status).toBe('ACTIVE');
    expect(db.status?.fargateProfile?.name).not.toBe(web.status?.fargateProfile?.name);
    expect(await ourProfiles()).toEqual([db.status!.fargateProfile!.name, OUTSIDER, web.status!.fargateProfile!.name].sort());

    const facts = { accountId: seed.accountId, region: seed.region, oidcIssuer: cluster.status!.oidcIssuer! };
    for (const workload of ready) {
      const { namespace, name } = workload.metadata as { namespace: string; name: string };
      expect(workload.metadata.finalizers).toContain(FINALIZER);
      for (const type of ['FargateProfileReady', 'IAMRoleReady', 'NetworkReady', 'WorkloadAvailable', 'IngressReady']) {
        expect([type, condition(workload, type)?.status]).toEqual([type, 'True']);
      }
      expect(condition(workload, 'NetworkReady')?.reason).toBe('NotRequested');
      expect(workload.status).toMatchObject({ replicas: 2, readyReplicas: 2, capacity: { vcpu: '0.25', memoryGB: '1', hourlyCostUSD: '0.0146' } });

      // The IRSA role: exact trust policy, tags, policies.
      const plan = planIrsaRole(workload, clusterManifest(), facts);
      expect(workload.status?.iamRoleArn).toBe(plan.arn);
      const role = (await iam.send(new GetRoleCommand({ RoleName: parseRoleArn(plan.arn).name }))).Role!;
      expect(role.Path).toBe('/eksops/');
      expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? ''))).toEqual(plan.trustPolicy);
      expect(Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
        [TAG_CLUSTER]: CLUSTER,
        [TAG_NAMESPACE]: namespace,
        [TAG_NAME]: name,
        [TAG_UID]: workload.metadata.uid,
        [TAG_COMPONENT]: 'irsa-role',
        [TAG_DELETION_POLICY]: 'Delete',
      });
      expect(await attachedPolicies(plan.name)).toEqual(plan.managedPolicyArns);

      // ServiceAccount and Deployment: role ARN, profile label matching the profile's selectors, role hash.
      const serviceAccount = await core.readNamespacedServiceAccount({ namespace, name: plan.serviceAccountName });
      expect(serviceAccount.metadata?.annotations?.[IRSA_ROLE_ANNOTATION]).toBe(plan.arn);
      const deployment = await apps.readNamespacedDeployment({ namespace, name });
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      expect(podLabels[PROFILE_LABEL]).toBe(workload.status?.fargateProfile?.name);
      expect(deployment.spec?.template.metadata?.annotations?.[ROLE_HASH_ANNOTATION]).toBe(roleArnHash(plan.arn));
      expect(deployment.spec?.template.spec?.serviceAccountName).toBe(plan.serviceAccountName);
      const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: workload.status!.fargateProfile!.name }))).fargateProfile!;
      const selectors = (profile.selectors ?? []).map((s) => ({ namespace: s.namespace ?? '', labels: s.labels ?? {} }));
      expect(selectors.some((selector) => selectorMatches(selector, namespace, podLabels))).toBe(true);
    }
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: parseRoleArn(api.status!.iamRoleArn!).name, PolicyName: 'eksops-inline' }));
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument ?? ''))).toEqual(INLINE_POLICY);

    // While the outside profile was CREATING, the workloads said what they waited behind.
    expect([...profileMessages].some((m) => m.includes(`waiting behind profile ${OUTSIDER} (CREATING)`))).toBe(true);

    // Strictly one profile operation at a time: none was refused with ResourceInUse, and each
    // started only after the one before had left CREATING.
    const writes = profileWrites(await proxy.calls());
    expect(writes.map((call) => call.status)).toEqual(writes.map(() => 200));
    expect(writes.map((call) => call.operation)).toEqual(['CreateFargateProfile', 'CreateFargateProfile', 'CreateFargateProfile']);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.startedAt - writes[i - 1]!.startedAt).toBeGreaterThanOrEqual(CREATING_MS);
  }, TEST_TIMEOUT_MS);

  it('makes no AWS write and no Kubernetes write when it reconciles steady workloads again', async () => {
    const versions = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const [namespace, name] of [[nsA, 'web'], [nsB, 'api'], [nsB, 'db']] as const) {
        found.push(`fw ${name} ${(await readWorkload(namespace, name))?.metadata.resourceVersion}`);
        found.push(`deploy ${name} ${(await apps.readNamespacedDeployment({ namespace, name })).metadata?.resourceVersion}`);
      }
      for (const namespace of [nsA, nsB]) {
        const accounts = await core.listNamespacedServiceAccount({ namespace, labelSelector: 'app.kubernetes.io/managed-by=eks-fargate-operator' });
        for (const sa of accounts.items) found.push(`sa ${sa.metadata?.name} ${sa.metadata?.resourceVersion}`);
        const events = await core.listNamespacedEvent({ namespace });
        found.push(`events ${namespace} ${events.items.length}`);
      }
      return found;
    };
    const before = await versions();
    const callsBefore = under.awsCalls.count();
    const reconcilesBefore = await workloadReconciles();
    // Two resyncs of every workload (resync period 3 s).
    await waitFor('two resyncs', workloadReconciles, (n) => n >= reconcilesBefore + 6, 30_000);
    const calls = under.awsCalls.since(callsBefore);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => isWriteOperation(call.operation)).map((call) => call.operation)).toEqual([]);
    expect(await versions()).toEqual(before);
  }, TEST_TIMEOUT_MS);

  it('converges a change of managed policies, and corrects policy drift made behind its back', async () => {
    const web = (await readWorkload(nsA, 'web'))!;
    const roleName = parseRoleArn(web.status!.iamRoleArn!).name;
    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace: nsA,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/iam/managedPolicyArns', value: [S3_READ, DYNAMO_READ] }],
    });
    await waitFor(`${roleName} with both policies`, () => attachedPolicies(roleName), (arns) => JSON.stringify(arns) === JSON.stringify([DYNAMO_READ, S3_READ]));
    await waitForReady(nsA, 'web');

    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: INTRUDER_POLICY }));
    const apiRole = parseRoleArn((await readWorkload(nsB, 'api'))!.status!.iamRoleArn!).name;
    await iam.send(new PutRolePolicyCommand({ RoleName: apiRole, PolicyName: 'eksops-inline', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    await waitFor(`${roleName} without the intruder`, () => attachedPolicies(roleName), (arns) => !arns.includes(INTRUDER_POLICY), 20_000);
    await waitFor(
      `${apiRole} inline policy restored`,
      async () => JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: apiRole, PolicyName: 'eksops-inline' }))).PolicyDocument ?? '')) as unknown,
      (document) => isDeepStrictEqual(document, INLINE_POLICY),
      20_000,
    );
  }, TEST_TIMEOUT_MS);

  it('stalls an invalid workload that passed the CRD with InvalidSpec, and keeps serving the others', async () => {
    const huge = workloadManifest(nsA, 'huge', {}, '10');
    huge.spec.template.spec.containers.push({ name: 'second', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '10', memory: '1Gi' } } });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsA, body: huge });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsA, body: workloadManifest(nsA, 'worker') });
    const stalled = await waitFor(`${nsA}/huge Stalled`, () => readWorkload(nsA, 'huge'), (w) => current(w) && condition(w, 'Stalled')?.status === 'True');
    expect(condition(stalled, 'Stalled')?.reason).toBe('InvalidSpec');
    expect(condition(stalled, 'Stalled')?.message).toContain('20 vCPU');
    expect(condition(stalled, 'Ready')?.status).toBe('False');
    // Nothing was written for it: no finalizer, no role.
    expect(stalled?.metadata.finalizers ?? []).toEqual([]);
    expect(await roleExists(planIrsaRole(stalled!, clusterManifest(), { accountId: seed.accountId, region: seed.region, oidcIssuer: cluster.status!.oidcIssuer! }).name)).toBe(false);
    const worker = await waitForReady(nsA, 'worker');
    expect(worker.status?.fargateProfile?.name).toBe((await readWorkload(nsA, 'web'))?.status?.fargateProfile?.name);
  }, TEST_TIMEOUT_MS);

  it('refuses a new profile over the cluster quota (Stalled, ProfileQuotaExceeded, no create call) and converges once it is raised', async () => {
    const existing = (await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }))).fargateProfileNames ?? [];
    await setMaxProfiles(existing.length);
    try {
      await proxy.clearCalls();
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsA, body: workloadManifest(nsA, 'extra', { fargateProfile: { placement: 'Dedicated' } }) });
      const stalled = await waitFor(`${nsA}/extra Stalled`, () => readWorkload(nsA, 'extra'), (w) => current(w) && condition(w, 'Stalled')?.status === 'True');
      expect(condition(stalled, 'Stalled')?.reason).toBe('ProfileQuotaExceeded');
      expect(condition(stalled, 'FargateProfileReady')?.message).toContain(`has ${existing.length} Fargate profiles`);
      expect(condition(stalled, 'FargateProfileReady')?.message).toContain(`at most ${existing.length}`);
      expect(profileWrites(await proxy.calls())).toEqual([]);
    } finally {
      await setMaxProfiles(10);
    }
    // The cluster's change wakes its workloads.
    const ready = await waitForReady(nsA, 'extra');
    expect(ready.status?.fargateProfile?.status).toBe('ACTIVE');
    await deleteWorkload(nsA, 'extra');
    await waitForGone(nsA, 'extra');
    expect(await ourProfiles()).not.toContain(ready.status!.fargateProfile!.name);
  }, TEST_TIMEOUT_MS);

  it('reports a missing SecurityGroupPolicy CRD, reads the load balancer back, deletes dropped children, and keeps a Shared profile others use', async () => {
    // A real group of the seeded VPC: the network preflight checks that it exists.
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.vpcId] }] }));
    const groupId = groups.SecurityGroups?.[0]?.GroupId ?? '';
    const manifest = workloadManifest(nsB, 'shop', { networking: { securityGroupIds: [groupId] }, ingress: { port: 8080, host: 'shop.example.com' } });
    manifest.spec.template.spec.containers[0]!.ports = [{ containerPort: 8080 }];
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsB, body: manifest });
    const waiting = await waitFor(
      `${nsB}/shop waiting for its load balancer`,
      async () => {
        return readWorkload(nsB, 'shop');
      },
      (w) => condition(w, 'WorkloadAvailable')?.status === 'True' && condition(w, 'IngressReady')?.reason === 'WaitingForLoadBalancer',
    );
    // The test API server has no vpcresources.k8s.aws CRD: a clear condition instead of a failure.
    expect(condition(waiting, 'NetworkReady')).toMatchObject({ status: 'False', reason: 'SecurityGroupPolicyCRDMissing' });
    expect(condition(waiting, 'Ready')?.status).toBe('False');
    const service = await core.readNamespacedService({ namespace: nsB, name: 'shop' });
    expect(service.spec?.ports?.[0]?.port).toBe(8080);

    // Play the AWS Load Balancer Controller: the Ingress gets its hostname; the next reconcile reads it back.
    const hostname = 'k8s-shop-0123456789.us-east-1.elb.amazonaws.com';
    await networking.patchNamespacedIngressStatus(
      { namespace: nsB, name: 'shop', body: { status: { loadBalancer: { ingress: [{ hostname }] } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const served = await waitFor(`${nsB}/shop load balancer`, () => readWorkload(nsB, 'shop'), (w) => condition(w, 'IngressReady')?.status === 'True');
    expect(served?.status?.loadBalancer).toEqual({ hostname });

    // Ingress and security groups removed from the spec: their children go, and the workload is Ready.
    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace: nsB,
      name: 'shop',
      body: [
        { op: 'remove', path: '/spec/ingress' },
        { op: 'remove', path: '/spec/networking' },
      ],
    });
    const ready = await waitForReady(nsB, 'shop');
    expect(condition(ready, 'IngressReady')?.reason).toBe('NotRequested');
    expect(condition(ready, 'NetworkReady')?.reason).toBe('NotRequested');
    await expect(networking.readNamespacedIngress({ namespace: nsB, name: 'shop' })).rejects.toMatchObject({ code: 404 });
    await expect(core.readNamespacedService({ namespace: nsB, name: 'shop' })).rejects.toMatchObject({ code: 404 });

    // Deleted while web, api and worker still use the Shared profile: the profile stays.
    const sharedProfile = ready.status!.fargateProfile!.name;
    const shopRole = parseRoleArn(ready.status!.iamRoleArn!).name;
    await deleteWorkload(nsB, 'shop');
    await waitForGone(nsB, 'shop');
    expect(await roleExists(shopRole)).toBe(false);
    expect(await ourProfiles()).toContain(sharedProfile);
  }, TEST_TIMEOUT_MS);

  it('leaves a role it does not own untouched (Stalled, NotOwned) until the workload asks to adopt it', async () => {
    const manifest = workloadManifest(nsA, 'adoptee', { iam: { managedPolicyArns: [S3_READ] } });
    const facts = { accountId: seed.accountId, region: seed.region, oidcIssuer: cluster.status!.oidcIssuer! };
    const plan = planIrsaRole(manifest, clusterManifest(), facts);
    await iam.send(
      new CreateRoleCommand({
        RoleName: plan.name,
        Path: plan.path,
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsA, body: manifest });
    const stalled = await waitFor(`${nsA}/adoptee Stalled`, () => readWorkload(nsA, 'adoptee'), (w) => current(w) && condition(w, 'Stalled')?.status === 'True');
    expect(condition(stalled, 'Stalled')?.reason).toBe('NotOwned');
    expect(condition(stalled, 'IAMRoleReady')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(await attachedPolicies(plan.name)).toEqual([]);

    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace: nsA,
      name: 'adoptee',
      body: [{ op: 'add', path: '/metadata/annotations', value: { [ADOPT_ANNOTATION]: 'true' } }],
    });
    // An annotation does not change the generation: the next resync picks it up.
    const adopted = await waitForReady(nsA, 'adoptee');
    const role = (await iam.send(new GetRoleCommand({ RoleName: plan.name }))).Role!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? ''))).toEqual(plan.trustPolicy);
    expect(Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ [TAG_CLUSTER]: CLUSTER, [TAG_UID]: adopted.metadata.uid });
    expect(await attachedPolicies(plan.name)).toEqual([S3_READ]);
    await deleteWorkload(nsA, 'adoptee');
    await waitForGone(nsA, 'adoptee');
    expect(await roleExists(plan.name)).toBe(false);
  }, TEST_TIMEOUT_MS);

  it('deletes roles and profiles with the workloads and removes the finalizers; Retain keeps the role', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: nsA, body: workloadManifest(nsA, 'keeper', { deletionPolicy: 'Retain' }) });
    const keeper = await waitForReady(nsA, 'keeper');
    const keeperRole = parseRoleArn(keeper.status!.iamRoleArn!).name;
    await deleteWorkload(nsA, 'keeper');
    await waitForGone(nsA, 'keeper');
    expect(await roleExists(keeperRole)).toBe(true);
    await new SdkIamRoleStore(iam).deleteRole(keeperRole);

    const workloads = [[nsA, 'web'], [nsB, 'api'], [nsB, 'db'], [nsA, 'worker'], [nsA, 'huge']] as const;
    const roles: string[] = [];
    for (const [namespace, name] of workloads) {
      const arn = (await readWorkload(namespace, name))?.status?.iamRoleArn;
      if (arn) roles.push(parseRoleArn(arn).name);
    }
    expect(roles).toHaveLength(4);
    const profileTargets = [...new Set(await Promise.all(workloads.map(async ([namespace, name]) => (await readWorkload(namespace, name))?.status?.fargateProfile?.name)))]
      .filter((name): name is string => name !== undefined)
      .map((name) => `${CLUSTER}/${name}`);
    expect(profileTargets).toHaveLength(2);
    await proxy.clearCalls();
    for (const [namespace, name] of workloads) await deleteWorkload(namespace, name);
    for (const [namespace, name] of workloads) await waitForGone(namespace, name);

    for (const role of roles) expect([role, await roleExists(role)]).toEqual([role, false]);
    expect(await ourProfiles()).toEqual([OUTSIDER]);
    for (const namespace of [nsA, nsB]) {
      const deployments = await apps.listNamespacedDeployment({ namespace });
      expect(deployments.items.map((d: V1Deployment) => d.metadata?.name)).toEqual([]);
    }
    const writes = profileWrites(await proxy.calls());
    // One delete of each profile, one at a time: none refused (409) for the other's DELETING.
    expect(writes.map((call) => `${call.operation} ${call.status} ${call.target ?? ''}`).sort()).toEqual(profileTargets.map((target) => `DeleteFargateProfile 200 ${target}`).sort());
    expect(writes[1]!.startedAt - writes[0]!.startedAt).toBeGreaterThanOrEqual(DELETING_MS);
  }, TEST_TIMEOUT_MS);
});
