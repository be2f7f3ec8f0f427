/**
 * Kubernetes faults under a running operator (issue 13, item 3), on a control plane of this
 * suite's own (etcd + kube-apiserver: the shared one must not be killed) and an EKS proxy of its
 * own over the shared moto. The operator reaches the API server through a relay
 * (support/api-server-link.ts) that can partition it or silence its watches. Each test prints
 * its figures.
 *
 * - kube-apiserver killed (SIGKILL) and restarted on the same etcd in the middle of 20 workloads
 *   converging: all converge with exactly one CreateRole per role and one CreateFargateProfile
 *   per profile, and nothing missing or duplicated in moto or Kubernetes;
 * - etcd compacted while the operator was cut off: its watches resume from a compacted
 *   resourceVersion, get 410 Gone and re-list, and what changed meanwhile is reconciled;
 * - every watch stream silent without an error: the watchdog restarts them and a change made
 *   during the silence is reconciled;
 * - a status write computed from a stale resourceVersion gets 409 and never replaces the status
 *   of a newer generation;
 * - deleting every workload leaves no role or profile of theirs in moto (shared with other suites).
 *
 * The plane's API server runs without its watch cache, so that watches read etcd and meet its
 * compaction (with the cache, a 410 comes from the cache's own window instead: the same answer to
 * the client). It runs no controller manager: a stand-in below plays the Deployment controller.
 */
import { ListFargateProfilesCommand, EKSClient } from '@aws-sdk/client-eks';
import { IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GROUP, API_VERSION, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { writeStatus } from '../../src/kube/status-writer.js';
import { SupervisedInformer } from '../../src/kube/supervised-informer.js';
import { createLogger } from '../../src/observability/logger.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { ensureBinaries } from '../../scripts/dev-env/binaries.js';
import { startControlPlane, type ControlPlane } from '../../scripts/dev-env/control-plane.js';
import { installCrds } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { startApiServerLink, type ApiServerLink } from '../support/api-server-link.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const TIMEOUT_MS = 240_000;
const COUNT = 20;
const DEDICATED = new Set([4, 11, 17]);
const PREFIX = 'kf';
const suffix = randomBytes(3).toString('hex');
const CLUSTER = `kf-${suffix}`;
const namespace = 'faults';
const names = Array.from({ length: COUNT }, (_, i) => `w${String(i).padStart(2, '0')}`);
const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads', namespace };
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
/** Watches end every 4 s (server timeout); one silent for 10 s is stalled. */
const INFORMERS = { watchTimeoutSeconds: 4, stallThresholdMs: 10_000 };
const logger = createLogger({ silent: true });

let dir = '';
let plane: ControlPlane | undefined;
let link: ApiServerLink | undefined;
let stack: AwsTestStack | undefined;
let under: OperatorUnderTest | undefined;
let standIn: SupervisedInformer<V1Deployment> | undefined;
let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let apps: AppsV1Api;
let iam: IAMClient | undefined;
let eks: EKSClient | undefined;

/** Prints one test's figures on stdout (Jest's console adds a stack to each line). */
function printFigures(title: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\n[kubernetes-faults] ${title}\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join('\n')}\n`);
}

/**
 * The Deployment controller's part that the operator reads (availability), played by the test:
 * the plane runs no controller manager, so every Deployment the operator applies is reported
 * available for its generation through the status subresource. Its own informer survives the
 * API server's restart; a write that fails is tried again on the next sweep.
 */
async function startDeploymentStandIn(config: KubeConfig): Promise<SupervisedInformer<V1Deployment>> {
  const api = config.makeApiClient(AppsV1Api);
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
  const informer = new SupervisedInformer<V1Deployment>({
    kubeConfig: config,
    path: '/apis/apps/v1/deployments',
    list: () => api.listDeploymentForAllNamespaces({ labelSelector: selector }),
    labelSelector: selector,
    watchTimeoutSeconds: 4,
    logger,
  });
  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const deployment of informer.list()) {
        const replicas = deployment.spec?.replicas ?? 1;
        const status = deployment.status ?? {};
        if (status.observedGeneration === deployment.metadata?.generation && status.availableReplicas === replicas) continue;
        const value = { observedGeneration: deployment.metadata?.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
        await api.patchNamespacedDeploymentStatus({ name: deployment.metadata?.name ?? '', namespace: deployment.metadata?.namespace ?? '', body: [{ op: 'add', path: '/status', value }] }).catch(() => undefined);
      }
    } finally {
      sweeping = false;
    }
  };
  informer.onEvent(() => void sweep());
  await informer.start();
  const timer = setInterval(() => void sweep(), 500);
  const stop = informer.stop.bind(informer);
  informer.stop = () => {
    clearInterval(timer);
    stop();
  };
  return informer;
}

function workloadManifest(name: string, dedicated: boolean): FargateWorkload {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
      fargateProfile: { placement: dedicated ? 'Dedicated' : 'Shared' },
    },
  };
}

async function listWorkloads(): Promise<FargateWorkload[]> {
  return ((await custom.listNamespacedCustomObject(workloadRef)) as { items: FargateWorkload[] }).items;
}

/** Ready for the generation it has now. */
function converged(workload: FargateWorkload | undefined): boolean {
  const ready = workload?.status?.conditions?.find((c) => c.type === 'Ready');
  return workload !== undefined && workload.status?.observedGeneration === workload.metadata.generation && ready?.status === 'True';
}

async function readWorkload(name: string): Promise<FargateWorkload> {
  return (await custom.getNamespacedCustomObject({ ...workloadRef, name })) as FargateWorkload;
}

/** Changes a workload's replicas (a new generation that only Kubernetes children follow). */
async function setReplicas(name: string, replicas: number): Promise<void> {
  await custom.patchNamespacedCustomObject({ ...workloadRef, name, body: [{ op: 'replace', path: '/spec/replicas', value: replicas }] });
}

/** The workload's Deployment has these replicas, and the workload is Ready for its generation. */
async function convergedWithReplicas(name: string, replicas: number): Promise<boolean> {
  const workload = await readWorkload(name);
  const deployment = await apps.readNamespacedDeployment({ name, namespace }).catch(() => undefined);
  return converged(workload) && deployment?.spec?.replicas === replicas;
}

/** The IRSA roles of this suite's workloads in moto. */
async function ourRoles(): Promise<string[]> {
  const found: string[] = [];
  for await (const page of paginateListRoles({ client: iam! }, { PathPrefix: '/eksops/' })) {
    for (const role of page.Roles ?? []) if (role.RoleName?.startsWith(`${CLUSTER}-${namespace}-`)) found.push(role.RoleName);
  }
  return found.sort();
}

async function ourProfiles(): Promise<string[]> {
  const listed = await eks!.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
  return (listed.fargateProfileNames ?? []).filter((name) => name.startsWith(`${PREFIX}-`)).sort();
}

/** Calls of an operation the EKS proxy answered since `mark` (its index in the call log). */
function proxyCalls(mark: number, operation: string): number {
  return stack!.proxy.calls.slice(mark).filter((call) => call.operation === operation).length;
}

/** The operator's eksfo_informer_relists_total, as `resource/reason: count`. */
async function relists(): Promise<Record<string, number>> {
  const metric = await under!.operator.context.metrics.informerRelistsTotal.get();
  return Object.fromEntries(metric.values.map((value) => [`${value.labels.resource}/${value.labels.reason}`, value.value]));
}

async function workloadRelists(reason: string): Promise<number> {
  return (await relists())[`fargateworkloads/${reason}`] ?? 0;
}

/** Re-lists of every informer for `reason`. */
async function allRelists(reason: string): Promise<number> {
  return Object.entries(await relists())
    .filter(([key]) => key.endsWith(`/${reason}`))
    .reduce((sum, [, count]) => sum + count, 0);
}

async function reconcileErrors(): Promise<number> {
  const metric = await under!.operator.context.metrics.reconcileTotal.get();
  return metric.values.filter((value) => value.labels.kind === 'FargateWorkload' && value.labels.result === 'error').reduce((sum, value) => sum + value.value, 0);
}

/**
 * Compacts etcd at its current revision (and defragments nothing) through its v3 HTTP gateway:
 * every revision before it is gone, so a watch from an older resourceVersion gets 410 Gone.
 */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`etcd ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number((range.header as { revision?: string }).revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

beforeAll(async () => {
  const binaries = await ensureBinaries(() => undefined);
  dir = mkdtempSync(join(tmpdir(), 'eksfo-kube-faults-'));
  const [planeStart, stackStart] = await Promise.allSettled([
    startControlPlane({ binaries, dir, apiServerArgs: ['--watch-cache=false'] }),
    startAwsTestStack({ clusterName: CLUSTER, proxy: { creatingDelayMs: 1_000, deletingDelayMs: 300 } }),
  ]);
  if (planeStart.status === 'fulfilled') plane = planeStart.value;
  if (stackStart.status === 'fulfilled') stack = stackStart.value;
  if (planeStart.status === 'rejected') throw planeStart.reason;
  if (stackStart.status === 'rejected') throw stackStart.reason;
  const started = { plane: planeStart.value, stack: stackStart.value };
  await installCrds({ kubectl: binaries.kubectl, kubeconfigPath: started.plane.kubeconfigPath }, join(repoRoot(), 'crds'));
  kubeConfig = loadKubeConfig({ kubeconfig: started.plane.kubeconfigPath });
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  apps = kubeConfig.makeApiClient(AppsV1Api);
  const aws = { endpoint: started.stack.motoUrl, region: started.stack.seed.region, credentials: EMULATOR_CREDENTIALS };
  iam = new IAMClient(aws);
  eks = new EKSClient(aws);
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  standIn = await startDeploymentStandIn(kubeConfig);
  link = await startApiServerLink(started.plane.apiServerUrl, dir);
  under = await startOperatorForTest({
    kubeconfig: link.kubeconfigPath,
    awsEndpoint: started.stack.proxy.url,
    region: started.stack.seed.region,
    reconcilers: { workload: createFargateWorkloadReconciler },
    informers: INFORMERS,
  });
  const seed = started.stack.seed;
  const cluster: FargateCluster = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: { region: seed.region, subnetIds: seed.privateSubnetIds, podExecutionRole: { create: true }, profiles: { maxProfiles: 10, namePrefix: PREFIX }, iam: { rolePath: '/eksops/', createOIDCProvider: true } },
  };
  await custom.createClusterCustomObject({ ...clusterRef, body: cluster });
  await waitFor(
    'FargateCluster Ready',
    async () => (await custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER })) as FargateCluster,
    (c) => c.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True',
    60_000,
  );
}, TIMEOUT_MS);

afterAll(async () => {
  // The AWS resources live in the shared moto: the operator deletes what it made before it stops.
  if (under && custom) {
    for (const name of [...names, 'late']) await custom.deleteNamespacedCustomObject({ ...workloadRef, name }).catch(() => undefined);
    await waitFor('workloads gone', listWorkloads, (items) => items.length === 0, 90_000).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...clusterRef, name: CLUSTER }).catch(() => undefined);
    await waitFor('FargateCluster gone', () => custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER }).then(() => false, (error: unknown) => isNotFound(error)), (gone) => gone, 60_000).catch(() => undefined);
  }
  await under?.stop();
  standIn?.stop();
  await link?.stop();
  await stack?.stop();
  await plane?.stop();
  iam?.destroy();
  eks?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, TIMEOUT_MS);

it('converges 20 workloads across a kill -9 and restart of kube-apiserver, with no work lost or done twice', async () => {
  const mark = stack!.proxy.calls.length;
  for (const [i, name] of names.entries()) await custom.createNamespacedCustomObject({ ...workloadRef, body: workloadManifest(name, DEDICATED.has(i)) });
  // In the middle: some roles made, profiles still CREATING (1 s each, one at a time per cluster).
  await waitFor('the first CreateRole calls', () => proxyCalls(mark, 'CreateRole'), (n) => n >= 3, 60_000);
  const readyAtKill = (await listWorkloads()).filter(converged).length;
  const errorsBefore = await reconcileErrors();
  const killedAt = Date.now();
  await plane!.killApiServer();
  const awsCallsAtKill = stack!.proxy.calls.length - mark;
  // The operator goes on with AWS and fails on Kubernetes: wait until a reconcile has failed so.
  await waitFor('a reconcile failing on the missing API server', reconcileErrors, (n) => n > errorsBefore, 60_000);
  await plane!.startApiServer();
  const backAt = Date.now();
  expect(readyAtKill).toBeLessThan(COUNT);

  const workloads = await waitFor('all 20 Ready for their generation', listWorkloads, (items) => items.length === COUNT && items.every(converged), 180_000);
  const convergeMs = Date.now() - backAt;

  // Done once: one CreateRole per workload, one CreateFargateProfile per profile (the Shared one
  // of the namespace and one per Dedicated workload), whatever the restart interrupted.
  const profiles = await ourProfiles();
  expect(profiles).toHaveLength(1 + DEDICATED.size);
  expect([proxyCalls(mark, 'CreateRole'), proxyCalls(mark, 'CreateFargateProfile')]).toEqual([COUNT, profiles.length]);
  // Nothing lost or doubled: 20 roles, each in exactly one workload's status; one Deployment each.
  const roles = await ourRoles();
  expect(roles).toHaveLength(COUNT);
  expect(workloads.map((w) => w.status?.iamRoleArn?.split('/').pop()).sort()).toEqual(roles);
  expect(new Set(workloads.map((w) => w.status?.fargateProfile?.name))).toEqual(new Set(profiles));
  const deployments = await apps.listNamespacedDeployment({ namespace });
  expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual(names);

  printFigures('kube-apiserver killed and restarted while 20 workloads converge', {
    'workloads Ready at the kill': readyAtKill,
    'API server down (ms, kill to /readyz ok)': backAt - killedAt,
    'time to converge after the API server is back (ms)': convergeMs,
    'AWS calls (through the EKS proxy): before the kill / in all': `${awsCallsAtKill} / ${stack!.proxy.calls.length - mark}`,
    'CreateRole / CreateFargateProfile calls': `${proxyCalls(mark, 'CreateRole')} / ${proxyCalls(mark, 'CreateFargateProfile')}`,
    'failed FargateWorkload reconciles': await reconcileErrors(),
    'informer relists (resource/reason)': await relists(),
  });
}, TIMEOUT_MS);

it('re-lists on 410 Gone after etcd compacted past its watches, and reconciles what changed meanwhile', async () => {
  const expiredBefore = await allRelists('expired');
  const workloadListsBefore = await workloadRelists('expired') + await workloadRelists('stalled') + await workloadRelists('error');
  const mark = stack!.proxy.calls.length;
  // Cut off: the operator's watches stop at the resourceVersion they had.
  const partitionedAt = Date.now();
  link!.partition();
  await setReplicas('w00', 2);
  await custom.createNamespacedCustomObject({ ...workloadRef, body: workloadManifest('late', false) });
  const revision = await compactEtcd(plane!.etcdUrl);
  const healedAt = Date.now();
  link!.heal();

  // Each informer whose watch resumes from its old resourceVersion gets 410 Gone and re-lists. One
  // whose watchdog fired during the partition (a slow machine: a partition or a retry backoff past
  // the stall threshold) has re-listed already and never asks for the compacted version: the
  // FargateWorkload informer may be either, but it re-lists, and what changed is reconciled.
  await waitFor('an informer re-listed after 410 Gone', () => allRelists('expired'), (n) => n > expiredBefore, 60_000);
  await waitFor('the FargateWorkload informer re-listed', async () => await workloadRelists('expired') + await workloadRelists('stalled') + await workloadRelists('error'), (n) => n > workloadListsBefore, 60_000);
  await waitFor('w00 at 2 replicas and the late workload Ready', async () => [await convergedWithReplicas('w00', 2), converged(await readWorkload('late'))], (done) => done.every(Boolean), 120_000);
  expect(await ourRoles()).toHaveLength(COUNT + 1);

  printFigures('etcd compacted while the operator was cut off (410 Gone)', {
    'compacted at revision': revision,
    'partition (ms)': healedAt - partitionedAt,
    'time to converge after the link healed (ms)': Date.now() - healedAt,
    'AWS calls': stack!.proxy.calls.length - mark,
    'informer relists (resource/reason)': await relists(),
  });
}, TIMEOUT_MS);

it('restarts watches that went silent without an error, and reconciles a change made meanwhile', async () => {
  const stalledBefore = await workloadRelists('stalled');
  const frozenBefore = link!.frozenWatches;
  link!.freezeWatches();
  const frozenAt = Date.now();
  try {
    expect(link!.frozenWatches).toBeGreaterThan(frozenBefore);
    // No watch event can bring this: only a re-list (the resync period is 10 minutes).
    await setReplicas('w01', 2);
    await waitFor('w01 at 2 replicas, with every watch silent', () => convergedWithReplicas('w01', 2), (done) => done, 60_000);
    expect(await workloadRelists('stalled')).toBeGreaterThan(stalledBefore);
  } finally {
    link!.thawWatches();
  }
  printFigures('every watch silent (no error, connection open)', {
    'stall threshold (ms)': INFORMERS.stallThresholdMs,
    'time to converge after the silence began (ms)': Date.now() - frozenAt,
    'watch streams silenced': link!.frozenWatches - frozenBefore,
    'informer relists (resource/reason)': await relists(),
  });
}, TIMEOUT_MS);

it('answers a status write from a stale resourceVersion with 409, and never lowers observedGeneration', async () => {
  const stale = await readWorkload('w02');
  const generation = stale.metadata.generation ?? 0;
  // Another writer moves the spec on, and the operator reports the new generation.
  await setReplicas('w02', 3);
  await waitFor('w02 reconciled for its new generation', () => readWorkload('w02'), (w) => converged(w) && w.metadata.generation === generation + 1, 60_000);

  // The API server refuses a write conditional on the old resourceVersion...
  const ref = { ...workloadRef, name: 'w02' };
  const body = [
    { op: 'replace', path: '/metadata/resourceVersion', value: stale.metadata.resourceVersion },
    { op: 'add', path: '/status', value: { ...stale.status, observedGeneration: generation } },
  ];
  await expect(custom.patchNamespacedCustomObjectStatus({ ...ref, body })).rejects.toMatchObject({ code: 409 });
  // ...and the writer, told 409, reads the object and finds a newer generation's status: no write.
  const staleStatus = { ...stale.status, observedGeneration: generation, replicas: 0 };
  expect(await writeStatus(custom, { ...ref, resourceVersion: stale.metadata.resourceVersion }, stale.status, staleStatus)).toBe(false);
  const after = await readWorkload('w02');
  expect(after.status?.observedGeneration).toBe(generation + 1);
}, TIMEOUT_MS);

it('deletes every workload and leaves none of their roles or profiles behind', async () => {
  for (const name of [...names, 'late']) await custom.deleteNamespacedCustomObject({ ...workloadRef, name });
  await waitFor('workloads gone', listWorkloads, (items) => items.length === 0, 120_000);
  expect([await ourRoles(), await ourProfiles()]).toEqual([[], []]);
}, TIMEOUT_MS);
