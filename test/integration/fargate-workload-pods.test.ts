/**
 * Where a FargateWorkload's pods run, with nothing played by the test: the environment's real
 * Deployment and ReplicaSet controllers and garbage collector make and remove the pods, the
 * Fargate scheduler stand-in places them on Fargate nodes of an ACTIVE profile as EKS does (and
 * deletes the pods of a deleted profile), and KWOK runs them. Profiles stay CREATING for
 * CREATING_MS at the EKS proxy. The pods are sampled every 200 ms and the samples are checked
 * against the proxy's call log.
 */
import { DeleteFargateProfileCommand, DescribeFargateProfileCommand } from '@aws-sdk/client-eks';
import type { V1Pod } from '@kubernetes/client-node';
import { EKS_FARGATE_PROFILE_LABEL, LABEL_WORKLOAD } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import {
  CLUSTER,
  condition,
  core,
  custom,
  deleteWorkload,
  eks,
  ensureReadyCluster,
  kitClusterManifest,
  kitWorkloadManifest,
  proxy,
  readWorkload,
  seed,
  startWorkloadOperator,
  workloadRef,
  endWorkloadSuite,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { samplePeriodically } from '../support/periodic-sampler.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wpd';
const CREATING_MS = 3_000;
const DELETING_MS = 1_500;
const TEST_TIMEOUT_MS = 180_000;
const namespace = `wpd-${Date.now().toString(36)}`;
const NAME = 'web';
const livePods = async (): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace, labelSelector: `${LABEL_WORKLOAD}=${NAME}` })).items.filter((pod) => !pod.metadata?.deletionTimestamp);

/** The workload's pods (not terminating): how many, how many bound to a node, how many Running. */
async function countPods(): Promise<{ pods: number; bound: number; running: number }> {
  const pods = await livePods();
  return { pods: pods.length, bound: pods.filter((pod) => Boolean(pod.spec?.nodeName)).length, running: pods.filter((pod) => pod.status?.phase === 'Running').length };
}

/** The cluster's successful CreateFargateProfile calls (this suite's alone since it cleared the log: suites run one at a time). */
function profileCreates(calls: readonly ProxyCall[]): ProxyCall[] {
  return calls.filter((call) => call.operation === 'CreateFargateProfile' && call.status === 200 && call.path.includes(`/clusters/${CLUSTER}/`));
}

const settledReady = (w: FargateWorkload | undefined): boolean => w?.status?.observedGeneration === w?.metadata.generation && condition(w, 'Ready')?.status === 'True';

async function waitForReady(): Promise<FargateWorkload> {
  return (await waitFor(`${namespace}/${NAME} Ready`, () => readWorkload(namespace, NAME), settledReady, 90_000))!;
}

async function profileSubnets(name: string): Promise<string[]> {
  return (await eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name }))).fargateProfile?.subnets ?? [];
}

let under: OperatorUnderTest;

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS, faults: [] });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startWorkloadOperator(3_000);
  await ensureReadyCluster(kitClusterManifest(PREFIX));
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await deleteWorkload(namespace, NAME).catch(() => undefined);
  await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (w) => w === undefined, 90_000).catch(() => undefined);
  await endWorkloadSuite(namespace, under);
}, 240_000);

describe('the pods of a FargateWorkload on Fargate', () => {
  it('run on Fargate nodes of its profile, one node each, once the profile is ACTIVE, provisioned at the size in status', async () => {
    await proxy.clearCalls();
    const sampler = samplePeriodically(countPods, 200);
    try {
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: kitWorkloadManifest(namespace, NAME, { replicas: 2, fargateProfile: { placement: 'Dedicated' } }) });
      const ready = await waitForReady();
      await sampler.stop();
      const profile = ready.status!.fargateProfile!.name;
      const [create] = profileCreates(await proxy.calls());
      expect(create).toBeDefined();
      // Until the profile could be ACTIVE, no look (answered by then) found a pod on a node.
      const early = sampler.samples.filter((sample) => sample.doneAt < create!.startedAt + CREATING_MS);
      expect(early.length).toBeGreaterThan(5);
      expect(early.filter((sample) => sample.value.bound > 0)).toEqual([]);

      const pods = await livePods();
      expect(pods.map((pod) => pod.status?.phase)).toEqual(['Running', 'Running']);
      const nodes = new Set(pods.map((pod) => pod.spec?.nodeName));
      expect(nodes.size).toBe(2);
      const zones = new Set<string>();
      for (const pod of pods) {
        expect(pod.spec?.nodeName).toMatch(/^fargate-ip-10-0-[12]-\d+\.ec2\.internal$/);
        // CapacityProvisioned, as EKS writes it, is the size the operator reports.
        expect(pod.metadata?.annotations?.CapacityProvisioned).toBe(`${ready.status!.capacity!.vcpu}vCPU ${ready.status!.capacity!.memoryGB}GB`);
        const node = await core.readNode({ name: pod.spec!.nodeName! });
        expect(node.metadata?.labels).toMatchObject({ 'eks.amazonaws.com/compute-type': 'fargate', [EKS_FARGATE_PROFILE_LABEL]: profile });
        zones.add(node.metadata?.labels?.['topology.kubernetes.io/zone'] ?? '');
        expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      }
      // Each node is in the zone of one of the profile's subnets.
      expect(await profileSubnets(profile)).toEqual(expect.arrayContaining(seed.privateSubnetIds));
      for (const zone of zones) expect([`${seed.region}a`, `${seed.region}b`]).toContain(zone);
    } finally {
      await sampler.stop();
    }
  }, TEST_TIMEOUT_MS);

  it('a profile deleted out of band takes its pods along; the new ones stay Pending, and the status says why, until the operator made the profile again and it is ACTIVE', async () => {
    const profile = (await waitForReady()).status!.fargateProfile!.name;
    await proxy.clearCalls();
    const sampler = samplePeriodically(countPods, 200);
    const notReady: string[] = [];
    try {
      const deletedAt = Date.now();
      await eks.send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: profile }));
      const track = async (): Promise<FargateWorkload | undefined> => {
        const workload = await readWorkload(namespace, NAME);
        if (condition(workload, 'Ready')?.status !== 'True') {
          const part = (type: string) => `${type} ${condition(workload, type)?.reason ?? ''}: ${condition(workload, type)?.message ?? ''}`;
          const message = [part('Ready'), part('FargateProfileReady'), part('WorkloadAvailable')].join('; ');
          if (notReady.at(-1) !== message) notReady.push(message);
        }
        return workload;
      };
      // The status says the profile is not ready, naming it.
      const away = await waitFor('the workload not Ready, its profile not ready', track, (w) => condition(w, 'Ready')?.status === 'False' && condition(w, 'FargateProfileReady')?.status === 'False', 60_000);
      expect(condition(away, 'FargateProfileReady')?.message).toContain(profile);
      // Deleting a profile deletes its pods; the ReplicaSet makes new ones, which nothing takes:
      // the Fargate scheduler says why on each.
      const events = await waitFor(
        'the Fargate scheduler events',
        async () => {
          await track();
          return (await core.listNamespacedEvent({ namespace })).items.filter((event) => event.source?.component === 'fargate-scheduler');
        },
        (found) => found.some((event) => event.reason === 'FailedScheduling') && found.some((event) => event.reason === 'FargateProfileDeleted'),
        60_000,
      );
      expect(events.find((event) => event.reason === 'FargateProfileDeleted')?.message).toBe(`Fargate profile ${profile} is being deleted: the pod is deleted with it`);
      expect(events.find((event) => event.reason === 'FailedScheduling')?.message).toMatch(/^Pod not supported on Fargate: /);

      const ready = await waitFor(`${namespace}/${NAME} Ready again`, track, (w) => settledReady(w) && w?.status?.fargateProfile?.status === 'ACTIVE', 120_000);
      await waitFor('both pods Running again', livePods, (pods) => pods.filter((pod) => pod.status?.phase === 'Running').length === 2, 60_000);
      await sampler.stop();

      // The operator saw the profile go and made it again under the same name.
      expect(ready?.status?.fargateProfile?.name).toBe(profile);
      const recreate = profileCreates(await proxy.calls()).find((call) => call.startedAt > deletedAt);
      expect(recreate).toBeDefined();
      // Every not-Ready status on the way named the profile or the replicas it waited for.
      expect(notReady.filter((message) => !message.includes(profile) && !/replicas available/.test(message))).toEqual([]);
      // From the moment the old pods were gone until the new profile could be ACTIVE, every look
      // (answered by then) found the pods Pending on no node.
      const samples = sampler.samples;
      const emptied = samples.findIndex((sample) => sample.at > deletedAt && sample.value.running === 0);
      expect(emptied).toBeGreaterThan(-1);
      const pending = samples.slice(emptied).filter((sample) => sample.doneAt < recreate!.startedAt + CREATING_MS);
      expect(pending.length).toBeGreaterThan(3);
      expect(pending.filter((sample) => sample.value.bound > 0)).toEqual([]);
      expect(pending.some((sample) => sample.value.pods > 0)).toBe(true);
    } finally {
      await sampler.stop();
    }
  }, TEST_TIMEOUT_MS);

  it('deleting the workload removes its pods (garbage collection of the Deployment\'s ReplicaSet) and their nodes', async () => {
    await waitForReady();
    const pods = await livePods();
    expect(pods).toHaveLength(2);
    // The pods belong to a ReplicaSet, which belongs to the Deployment: the garbage collector's chain.
    for (const pod of pods) expect(pod.metadata?.ownerReferences?.map((ref) => ref.kind)).toEqual(['ReplicaSet']);
    const nodes = pods.map((pod) => pod.spec!.nodeName!);
    await deleteWorkload(namespace, NAME);
    await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (w) => w === undefined, 90_000);
    await waitFor('its pods gone', () => core.listNamespacedPod({ namespace, labelSelector: `${LABEL_WORKLOAD}=${NAME}` }), (list) => list.items.length === 0, 60_000);
    await waitFor('their nodes gone', async () => (await core.listNode({ labelSelector: 'eks.amazonaws.com/compute-type=fargate' })).items.map((node) => node.metadata?.name), (names) => nodes.every((node) => !names.includes(node)), 60_000);
  }, TEST_TIMEOUT_MS);
});
