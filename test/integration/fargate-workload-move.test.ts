/**
 * Moving a FargateWorkload to another Fargate profile without downtime (design, section 3), on the
 * real API server and moto behind the EKS proxy (profiles held CREATING / DELETING), with the
 * environment's real Deployment controller and scheduler, KWOK and the Fargate scheduler stand-in
 * (which, as EKS, deletes the pods of a profile being deleted). The test samples the Deployment's
 * pod profile label all along, and the workload's pods every 200 ms, and checks them against the
 * ordered proxy call log: the new profile is created first, the label changes only once it is
 * ACTIVE, the number of Ready pods never drops below replicas - maxUnavailable, and the old profile
 * is deleted only once no pod runs on it; the pods end on nodes of the new profile.
 */
import { CreateFargateProfileCommand, DeleteFargateProfileCommand, DescribeFargateProfileCommand } from '@aws-sdk/client-eks';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, EKS_FARGATE_PROFILE_LABEL, PROFILE_LABEL } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload, WorkloadProfileSpec } from '../../src/api/types.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { planFargateProfile } from '../../src/plan/index.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import {
  apps,
  CLUSTER,
  condition,
  core,
  custom,
  deleteWorkload,
  eks,
  ensureReadyCluster,
  proxy,
  readWorkload,
  seed,
  startWorkloadOperator,
  workloadRef,
  endWorkloadSuite,
  waitForProfilesSettled,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { samplePeriodically, type PeriodicSampler } from '../support/periodic-sampler.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wmv';
const CREATING_MS = 2_000;
const DELETING_MS = 1_500;
const TEST_TIMEOUT_MS = 180_000;
const namespace = `wmv-${Date.now().toString(36)}`;
const NAME = 'mover';
const [SUBNET_A, SUBNET_B] = seed.privateSubnetIds as [string, string];

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
      iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [], allowInlinePolicies: true, inlinePolicyActions: ['sqs:*'], createOIDCProvider: true },
    },
  };
}

function workloadManifest(fargateProfile: WorkloadProfileSpec): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name: NAME, namespace },
    spec: {
      replicas: 2,
      fargateProfile,
      template: {
        metadata: { labels: { app: NAME } },
        spec: { containers: [{ name: NAME, image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
      },
    },
  };
}

/** Samples the Deployment's pod profile label back to back until stopped. */
function sampleDeployment(): PeriodicSampler<string | undefined> {
  return samplePeriodically(async () => (await apps.readNamespacedDeployment({ namespace, name: NAME })).spec?.template.metadata?.labels?.[PROFILE_LABEL], 0, isNotFound);
}

/** How many of the workload's pods are Ready, and how many (not terminating) run on each profile's nodes. */
async function readPods(): Promise<{ ready: number; onProfile: Record<string, number> }> {
  const [pods, nodes] = await Promise.all([core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` }), core.listNode({ labelSelector: 'eks.amazonaws.com/compute-type=fargate' })]);
  const profileOf = new Map(nodes.items.map((node) => [node.metadata?.name ?? '', node.metadata?.labels?.[EKS_FARGATE_PROFILE_LABEL] ?? '']));
  const live = pods.items.filter((pod) => !pod.metadata?.deletionTimestamp);
  const onProfile: Record<string, number> = {};
  for (const pod of live) {
    const profile = pod.spec?.nodeName ? (profileOf.get(pod.spec.nodeName) ?? '?') : 'unscheduled';
    onProfile[profile] = (onProfile[profile] ?? 0) + 1;
  }
  return { ready: live.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, onProfile };
}

/** The profile's Create / Describe / Delete calls the proxy answered, in arrival order. */
function profileCalls(calls: readonly ProxyCall[], operation: string, profile: string): ProxyCall[] {
  return calls
    .filter((call) => call.operation === operation && call.path.includes(`/clusters/${CLUSTER}/`))
    .filter((call) => (operation === 'CreateFargateProfile' ? true : call.path.includes(`/fargate-profiles/${profile}`)))
    .sort((a, b) => a.startedAt - b.startedAt);
}

async function profileStatus(name: string): Promise<string | undefined> {
  try {
    return (await eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name }))).fargateProfile?.status;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Every FargateProfileReady message seen while polling the workload. */
const messages: string[] = [];

async function pollWorkload(): Promise<FargateWorkload | undefined> {
  const workload = await readWorkload(namespace, NAME);
  const message = condition(workload, 'FargateProfileReady')?.message;
  if (message && messages.at(-1) !== message) messages.push(message);
  return workload;
}

function settled(workload: FargateWorkload | undefined): boolean {
  return workload?.status?.observedGeneration === workload?.metadata.generation && condition(workload, 'Ready')?.status === 'True';
}

async function waitForReadyWorkload(): Promise<FargateWorkload> {
  const ready = await waitFor(
    `${namespace}/${NAME} Ready`,
    async () => {
      return pollWorkload();
    },
    settled,
    90_000,
  );
  return ready!;
}

/**
 * Changes the workload's profile spec and follows the move; checks the order of everything, and
 * the pods all along, against the proxy log.
 */
async function moveTo(fargateProfile: WorkloadProfileSpec): Promise<{ from: string; to: string }> {
  const before = await waitForReadyWorkload();
  const from = before.status!.fargateProfile!.name;
  messages.length = 0;
  await proxy.clearCalls();
  const sampler = sampleDeployment();
  const podSampler = samplePeriodically(readPods, 200);
  try {
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace, name: NAME, body: [{ op: 'replace', path: '/spec/fargateProfile', value: fargateProfile }] });

    // The pods move to the new profile only once it is ACTIVE; until the rollout is done the old one stays.
    const relabelled = await waitFor(
      'the pod label changes',
      async () => {
        await pollWorkload();
        return sampler.samples.at(-1);
      },
      (sample) => sample !== undefined && sample.value !== from,
      60_000,
    );
    const to = relabelled!.value!;
    await waitFor('the old profile is gone', async () => {
      await pollWorkload();
      return profileStatus(from);
    }, (status) => status === undefined, 60_000);
    const done = await waitForReadyWorkload();
    await sampler.stop();
    await podSampler.stop();

    const calls = await proxy.calls();
    const creates = profileCalls(calls, 'CreateFargateProfile', to);
    const deletes = profileCalls(calls, 'DeleteFargateProfile', from);
    expect(creates.map((call) => call.status)).toEqual([200]);
    expect(deletes.map((call) => call.status)).toEqual([200]);
    const create = creates[0]!;
    const remove = deletes[0]!;
    // The proxy holds the new profile CREATING for CREATING_MS from the create's arrival at least.
    const activeFrom = create.startedAt + CREATING_MS;
    const samples = sampler.samples;
    const firstNew = samples.find((sample) => sample.value === to)!;
    // While the new profile could not be ACTIVE yet, every look showed the pods on the old one.
    const early = samples.filter((sample) => sample.at < activeFrom);
    expect(early.length).toBeGreaterThan(10);
    expect(new Set(early.map((sample) => sample.value))).toEqual(new Set([from]));
    // Between the create and the relabel, a describe of the new profile (after it could be ACTIVE) came in.
    const describes = profileCalls(calls, 'DescribeFargateProfile', to);
    expect(describes.some((call) => call.startedAt >= activeFrom && call.endedAt <= firstNew.at + 1_000)).toBe(true);
    // The label changed once and never went back: one rolling update. (The generation moves on
    // again when the move annotation goes: a Deployment counts annotation changes too.)
    const labels = samples.map((sample) => sample.value);
    expect(labels.slice(labels.indexOf(to))).toEqual(labels.slice(labels.indexOf(to)).map(() => to));
    expect(labels.slice(0, labels.indexOf(to))).toEqual(labels.slice(0, labels.indexOf(to)).map(() => from));
    // The old profile went only after the relabel and the completed rollout: from the delete on,
    // no look found a pod (not terminating) on the old profile's nodes.
    expect(remove.startedAt).toBeGreaterThan(firstNew.at);
    expect(remove.startedAt).toBeGreaterThan(create.startedAt);
    const pods = podSampler.samples;
    expect(pods.filter((sample) => sample.at < remove.startedAt).some((sample) => (sample.value.onProfile[from] ?? 0) > 0)).toBe(true);
    expect(pods.filter((sample) => sample.at >= remove.startedAt && (sample.value.onProfile[from] ?? 0) > 0)).toEqual([]);
    // Never fewer Ready pods than replicas - maxUnavailable (2 - 0), at every look.
    expect(pods.length).toBeGreaterThan(10);
    expect(pods.filter((sample) => sample.value.ready < 2)).toEqual([]);
    // The pods end on nodes of the new profile.
    expect(pods.at(-1)?.value.onProfile).toEqual({ [to]: 2 });

    // The status told each step, in order.
    const steps = [`creating profile ${to} for the move from ${from}`, `moving pods to ${to}`, `deleting old profile ${from}`];
    const seen = steps.map((step) => messages.findIndex((message) => message.startsWith(step)));
    expect({ missing: steps.filter((_, i) => seen[i]! < 0), messages }).toEqual({ missing: [], messages });
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(condition(done, 'FargateProfileReady')).toMatchObject({ status: 'True' });
    expect(done.status?.fargateProfile).toEqual({ name: to, status: 'ACTIVE' });
    expect(await profileStatus(to)).toBe('ACTIVE');
    const deployment = await apps.readNamespacedDeployment({ namespace, name: NAME });
    expect(deployment.spec?.template.metadata?.labels?.[PROFILE_LABEL]).toBe(to);
    expect(Object.keys(deployment.metadata?.annotations ?? {}).filter((key) => key.includes('moving'))).toEqual([]);
    return { from, to };
  } finally {
    await sampler.stop();
    await podSampler.stop();
  }
}

let under: OperatorUnderTest;
let cluster: FargateCluster;

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS, faults: [] });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startWorkloadOperator(3_000);
  cluster = await ensureReadyCluster(clusterManifest());
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await deleteWorkload(namespace, NAME).catch(() => undefined);
  await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (w) => w === undefined, 90_000).catch(() => undefined);
  await endWorkloadSuite(namespace, under);
}, 240_000);

describe('moving a FargateWorkload to another profile', () => {
  it('moves a Shared workload to new subnets: new profile ACTIVE first, then the pod label, then the old profile deleted', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workloadManifest({ placement: 'Shared', subnetIds: [SUBNET_A] }) });
    const { from, to } = await moveTo({ placement: 'Shared', subnetIds: [SUBNET_B] });
    expect(to).not.toBe(from);
  }, TEST_TIMEOUT_MS);

  it('moves it from Shared to Dedicated likewise', async () => {
    const { from, to } = await moveTo({ placement: 'Dedicated', subnetIds: [SUBNET_B] });
    expect(to).not.toBe(from);
  }, TEST_TIMEOUT_MS);

  it('cleans up the profile when the workload is deleted', async () => {
    const current = (await readWorkload(namespace, NAME))!.status!.fargateProfile!.name;
    await deleteWorkload(namespace, NAME);
    await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (w) => w === undefined, 90_000);
    expect(await profileStatus(current)).toBeUndefined();
  }, TEST_TIMEOUT_MS);

  it('lets go of both profiles when the workload is deleted mid-move', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workloadManifest({ placement: 'Shared', subnetIds: [SUBNET_A] }) });
    const from = (await waitForReadyWorkload()).status!.fargateProfile!.name;
    // Hold the rollout (as a slow one would be held): the Deployment paused by someone else's field manager.
    await apps.patchNamespacedDeployment(
      { namespace, name: NAME, body: { spec: { paused: true } }, fieldManager: 'rollout-hold' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace,
      name: NAME,
      body: [{ op: 'replace', path: '/spec/fargateProfile', value: { placement: 'Shared', subnetIds: [SUBNET_A, SUBNET_B] } }],
    });
    // Relabelled, the rollout not done: both profiles are in use by this workload alone.
    const moving = await waitFor('the pods are moving', pollWorkload, (w) => condition(w, 'FargateProfileReady')?.message.startsWith('moving pods to') === true, 60_000);
    const to = moving!.status!.fargateProfile!.name;
    expect(to).not.toBe(from);
    expect([await profileStatus(from), await profileStatus(to)]).toEqual(['ACTIVE', 'ACTIVE']);
    await deleteWorkload(namespace, NAME);
    await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (w) => w === undefined, 90_000);
    expect([await profileStatus(from), await profileStatus(to)]).toEqual([undefined, undefined]);
  }, TEST_TIMEOUT_MS);

  it('reports, and leaves alone, an existing profile of the planned name with another execution role (profiles are immutable)', async () => {
    const manifest = workloadManifest({ placement: 'Dedicated', subnetIds: [SUBNET_A] });
    manifest.metadata.name = 'immutable';
    manifest.metadata.annotations = { [ADOPT_ANNOTATION]: 'true' };
    const plan = planFargateProfile(manifest, cluster, cluster.status!.podExecutionRoleArn!);
    const otherRole = `arn:aws:iam::${seed.accountId}:role/another-pod-execution-role`;
    await waitForProfilesSettled();
    await eks.send(new CreateFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: plan.name, podExecutionRoleArn: otherRole, subnets: plan.subnets, selectors: plan.selectors }));
    try {
      await proxy.clearCalls();
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: manifest });
      const reported = await waitFor(
        'the difference is reported',
        () => readWorkload(namespace, 'immutable'),
        (w) => condition(w, 'FargateProfileReady')?.reason === 'ProfileImmutable',
        60_000,
      );
      expect(condition(reported, 'FargateProfileReady')?.status).toBe('False');
      expect(condition(reported, 'FargateProfileReady')?.message).toContain(`pod execution role is ${otherRole}`);
      expect(condition(reported, 'Ready')?.status).not.toBe('True');
      expect(condition(reported, 'Stalled')?.status).not.toBe('True');
      // The pods still get their Deployment on it, and nothing replaced the profile.
      await waitFor('the Deployment', () => apps.readNamespacedDeployment({ namespace, name: 'immutable' }).catch(() => undefined), (d) => d !== undefined, 30_000);
      const writes = (await proxy.calls()).filter((call) => ['CreateFargateProfile', 'DeleteFargateProfile'].includes(call.operation));
      expect(writes).toEqual([]);
      expect(await profileStatus(plan.name)).toBe('ACTIVE');
    } finally {
      await deleteWorkload(namespace, 'immutable');
      await waitFor(`${namespace}/immutable gone`, () => readWorkload(namespace, 'immutable'), (w) => w === undefined, 90_000).catch(() => undefined);
      await eks.send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: plan.name })).catch(() => undefined);
    }
  }, TEST_TIMEOUT_MS);
});
