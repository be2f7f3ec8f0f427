/**
 * The crash-point matrix: for each lifecycle (cluster create, workload create, IAM policy change,
 * profile move, workload delete, workload delete with Retain, cluster delete), a clean run records
 * every AWS write the operator makes; then, for each of those writes and each fault, the lifecycle
 * is run again with that one write faulted through the suite's EKS proxy:
 * - lost-response: the write takes effect in moto, the operator gets a connection reset (the SDK
 *   retries it) and keeps running;
 * - crash-after: the operator process is killed with SIGKILL as soon as the write's answer is sent,
 *   and started again.
 * A cell is converged when the lifecycle ends as the clean run did: exactly the same AWS resources
 * (IAM roles with their policies and tags, the OIDC provider, Fargate profiles with their subnets,
 * selectors and tags: no duplicate, no orphan) and the same Kubernetes objects (finalizers,
 * conditions, children); and when, after it, deleting everything leaves nothing behind.
 * The matrix is printed at the end. Each cell has an EKS cluster, namespace and role path of its own.
 *
 * CRASH_MATRIX_LIFECYCLES (comma-separated names) runs a subset, for development.
 */
import { DeleteFargateProfileCommand, DescribeFargateProfileCommand, EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import {
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  paginateListRoles,
} from '@aws-sdk/client-iam';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GROUP, API_VERSION, TAG_CLUSTER } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import type { FargateScheduler } from '../../scripts/dev-env/fargate-scheduler/fargate-scheduler.js';
import { EMULATOR_CREDENTIALS, SEED_TAG, type SeedResult } from '../../scripts/dev-env/seed.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import {
  compareInventories,
  normalizeNames,
  pointLabel,
  renderCrashMatrix,
  writePointsOf,
  type CellResult,
  type CellVerdict,
  type CrashFault,
  type InventoryItem,
  type WritePoint,
} from '../support/crash-matrix.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const environment = readTestEnvironment();
const FAULTS: CrashFault[] = ['lost-response', 'crash-after'];
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const SQS_READ = 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess';
const CONVERGE_MS = 90_000;
const logDir = mkdtempSync(join(tmpdir(), 'crash-matrix-'));

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const core = kubeConfig.makeApiClient(CoreV1Api);
const apps = kubeConfig.makeApiClient(AppsV1Api);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' };

let stack: AwsTestStack;
let iam: IAMClient;
let eks: EKSClient;
let operator: OperatorProcess | undefined;
let operators = 0;
let cells = 0;
const results: CellResult[] = [];
/** Lifecycles whose clean run made no AWS write (nothing to fault). */
const writeless: string[] = [];
let failed = false;

/** One run of a lifecycle: an EKS cluster, a namespace and a role path of its own. */
interface Cell {
  id: string;
  seed: SeedResult;
  scheduler: FargateScheduler;
}

/** A lifecycle: what exists before (made with no fault), the change whose writes are faulted, and when it is done. */
interface Lifecycle {
  name: string;
  prepare(cell: Cell): Promise<void>;
  act(cell: Cell): Promise<void>;
  done(cell: Cell): Promise<boolean>;
}

const clusterManifest = (cell: Cell): FargateCluster => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: 'FargateCluster',
  metadata: { name: cell.id },
  spec: {
    region: environment.region,
    subnetIds: cell.seed.privateSubnetIds,
    podExecutionRole: { create: true },
    profiles: { maxProfiles: 5, namePrefix: cell.id },
    iam: { rolePath: `/${cell.id}/`, createOIDCProvider: true, deleteOIDCProvider: true, allowInlinePolicies: true, inlinePolicyActions: ['sqs:ReceiveMessage'], allowedManagedPolicyArns: [S3_READ, SQS_READ] },
  },
});

const queueArn = (cell: Cell, queue: string) => `arn:aws:sqs:${environment.region}:${cell.seed.accountId}:${cell.id}-${queue}`;

const workloadManifest = (cell: Cell, deletionPolicy: 'Delete' | 'Retain' = 'Delete'): FargateWorkload => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: 'FargateWorkload',
  metadata: { name: 'app', namespace: cell.id },
  spec: {
    clusterName: cell.id,
    replicas: 1,
    deletionPolicy,
    template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
    fargateProfile: { placement: 'Dedicated', subnetIds: [cell.seed.privateSubnetIds[0]!] },
    iam: {
      managedPolicyArns: [S3_READ],
      inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage'], Resource: queueArn(cell, 'orders') }] },
    },
  },
});

type Conditioned = { metadata: { generation?: number }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } };
const readyAtGeneration = (object: Conditioned | undefined): boolean =>
  object !== undefined && object.status?.observedGeneration === object.metadata.generation && (object.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function readOrUndefined<T>(read: () => Promise<unknown>): Promise<T | undefined> {
  try {
    return (await read()) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const readCluster = (cell: Cell) => readOrUndefined<FargateCluster>(() => custom.getClusterCustomObject({ ...clusterRef, name: cell.id }));
const readWorkload = (cell: Cell) => readOrUndefined<FargateWorkload>(() => custom.getNamespacedCustomObject({ ...workloadRef, namespace: cell.id, name: 'app' }));

async function createCluster(cell: Cell): Promise<void> {
  await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest(cell) });
}

async function clusterReady(cell: Cell): Promise<void> {
  await waitFor(`FargateCluster ${cell.id} Ready`, () => readCluster(cell), readyAtGeneration, CONVERGE_MS);
}

async function workloadReady(cell: Cell): Promise<void> {
  await waitFor(`FargateWorkload ${cell.id}/app Ready`, () => readWorkload(cell), readyAtGeneration, CONVERGE_MS);
}

async function withWorkload(cell: Cell, deletionPolicy: 'Delete' | 'Retain' = 'Delete'): Promise<void> {
  await createCluster(cell);
  await clusterReady(cell);
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace: cell.id, body: workloadManifest(cell, deletionPolicy) });
  await workloadReady(cell);
}

const patchWorkload = (cell: Cell, patch: object[]) => custom.patchNamespacedCustomObject({ ...workloadRef, namespace: cell.id, name: 'app', body: patch });

const LIFECYCLES: Lifecycle[] = [
  {
    name: 'cluster create',
    prepare: async () => undefined,
    act: createCluster,
    done: async (cell) => readyAtGeneration(await readCluster(cell)),
  },
  {
    name: 'workload create',
    prepare: async (cell) => {
      await createCluster(cell);
      await clusterReady(cell);
    },
    act: async (cell) => void (await custom.createNamespacedCustomObject({ ...workloadRef, namespace: cell.id, body: workloadManifest(cell) })),
    done: async (cell) => readyAtGeneration(await readWorkload(cell)),
  },
  {
    name: 'IAM policy change',
    prepare: (cell) => withWorkload(cell),
    act: async (cell) =>
      void (await patchWorkload(cell, [
        { op: 'replace', path: '/spec/iam/managedPolicyArns', value: [SQS_READ] },
        { op: 'replace', path: '/spec/iam/inlinePolicy/Statement/0/Resource', value: queueArn(cell, 'returns') },
      ])),
    done: async (cell) => readyAtGeneration(await readWorkload(cell)),
  },
  {
    name: 'profile move',
    prepare: (cell) => withWorkload(cell),
    act: async (cell) => void (await patchWorkload(cell, [{ op: 'replace', path: '/spec/fargateProfile/subnetIds', value: [cell.seed.privateSubnetIds[1]!] }])),
    done: async (cell) => readyAtGeneration(await readWorkload(cell)),
  },
  {
    name: 'workload delete',
    prepare: (cell) => withWorkload(cell),
    act: async (cell) => void (await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace: cell.id, name: 'app' })),
    done: async (cell) => (await readWorkload(cell)) === undefined,
  },
  {
    name: 'workload delete (Retain)',
    prepare: (cell) => withWorkload(cell, 'Retain'),
    act: async (cell) => void (await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace: cell.id, name: 'app' })),
    done: async (cell) => (await readWorkload(cell)) === undefined,
  },
  {
    name: 'cluster delete',
    prepare: async (cell) => {
      await createCluster(cell);
      await clusterReady(cell);
    },
    act: async (cell) => void (await custom.deleteClusterCustomObject({ ...clusterRef, name: cell.id })),
    done: async (cell) => (await readCluster(cell)) === undefined,
  },
];

/** The operator process, started when none runs (at the beginning, and after a crash). */
async function ensureOperator(): Promise<OperatorProcess> {
  if (operator && !operator.process.hasExited()) return operator;
  operators += 1;
  operator = await startOperatorProcess({
    environment,
    identity: `crash-matrix-${operators}`,
    args: [`--aws-endpoint=${stack.proxy.url}`, '--leader-elect=false', '--shutdown-timeout=5s'],
    logDir,
  });
  return operator;
}

async function newCell(): Promise<Cell> {
  cells += 1;
  const id = `cp${cells}x${Date.now().toString(36).slice(-4)}`;
  const seed = await stack.seedCluster(id);
  await core.createNamespace({ body: { metadata: { name: id } } });
  const scheduler = await stack.placePods({ kubeconfigPath: environment.kubeconfigPath, clusterName: id });
  return { id, seed, scheduler };
}

/** Every AWS resource of the cell (found by name and by ownership tag), normalised for comparison. */
async function awsInventory(cell: Cell): Promise<InventoryItem[]> {
  const items: InventoryItem[] = [];
  const norm = (value: unknown) => normalizeNames(typeof value === 'string' ? value : JSON.stringify(value), cell.id);
  for await (const page of paginateListRoles({ client: iam }, {})) {
    for (const role of page.Roles ?? []) {
      const name = role.RoleName ?? '';
      const tags = Object.fromEntries(((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      if (tags[SEED_TAG] !== undefined || (!name.includes(cell.id) && tags[TAG_CLUSTER] !== cell.id)) continue;
      const managed = ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []).map((policy) => policy.PolicyArn).sort();
      const inlineNames = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
      const inline = await Promise.all(
        inlineNames.sort().map(async (policyName) => {
          const document = (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))).PolicyDocument ?? '';
          return { policyName, document: JSON.parse(decodeURIComponent(document)) as unknown };
        }),
      );
      const sortedTags = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => String(a).localeCompare(String(b))));
      items.push({ kind: 'iam-role', key: norm({ path: role.Path, name, tags: sortedTags, managed, inline }), name });
    }
  }
  const issuerHost = cell.seed.oidcIssuer.replace(/^https:\/\//, '');
  for (const provider of (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []) {
    if (provider.Arn?.endsWith(`:oidc-provider/${issuerHost}`)) items.push({ kind: 'oidc-provider', key: norm(provider.Arn) });
  }
  const subnetLabel = (subnet: string) => `subnet-${cell.seed.privateSubnetIds.indexOf(subnet)}`;
  for (const name of (await eks.send(new ListFargateProfilesCommand({ clusterName: cell.id }))).fargateProfileNames ?? []) {
    const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName: cell.id, fargateProfileName: name }))).fargateProfile;
    if (!profile) continue;
    const tags = Object.fromEntries(Object.entries(profile.tags ?? {}).sort(([a], [b]) => a.localeCompare(b)));
    items.push({
      kind: 'fargate-profile',
      key: norm({ name, status: profile.status, subnets: (profile.subnets ?? []).map(subnetLabel).sort(), selectors: profile.selectors, role: profile.podExecutionRoleArn, tags }),
    });
  }
  return items;
}

/** The cell's Kubernetes objects as the operator leaves them, normalised (no times, uids or resource versions). */
async function kubernetesInventory(cell: Cell): Promise<InventoryItem[]> {
  const norm = (value: unknown) => normalizeNames(JSON.stringify(value), cell.id);
  const summary = (object: { metadata?: { finalizers?: string[]; generation?: number }; status?: Record<string, unknown> }) => {
    const { conditions, ...status } = (object.status ?? {}) as { conditions?: Array<{ type: string; status: string; reason?: string }> } & Record<string, unknown>;
    return {
      finalizers: object.metadata?.finalizers ?? [],
      conditions: (conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`).sort(),
      status: Object.fromEntries(Object.entries(status).filter(([key]) => !/time|At$/i.test(key)).sort(([a], [b]) => a.localeCompare(b))),
    };
  };
  const items: InventoryItem[] = [];
  const cluster = await readCluster(cell);
  if (cluster) items.push({ kind: 'k8s', key: norm({ kind: 'FargateCluster', ...summary(cluster as never) }) });
  const workload = await readWorkload(cell);
  if (workload) items.push({ kind: 'k8s', key: norm({ kind: 'FargateWorkload', ...summary(workload as never) }) });
  for (const account of (await core.listNamespacedServiceAccount({ namespace: cell.id })).items) {
    if (account.metadata?.name === 'default') continue;
    items.push({ kind: 'k8s', key: norm({ kind: 'ServiceAccount', name: account.metadata?.name, annotations: account.metadata?.annotations ?? {}, owners: (account.metadata?.ownerReferences ?? []).map((o) => o.kind) }) });
  }
  for (const deployment of (await apps.listNamespacedDeployment({ namespace: cell.id })).items) {
    const { 'deployment.kubernetes.io/revision': _revision, ...annotations } = deployment.metadata?.annotations ?? {};
    items.push({
      kind: 'k8s',
      key: norm({ kind: 'Deployment', name: deployment.metadata?.name, annotations, labels: deployment.spec?.template.metadata?.labels, owners: (deployment.metadata?.ownerReferences ?? []).map((o) => o.kind) }),
    });
  }
  return items;
}

const inventory = async (cell: Cell): Promise<InventoryItem[]> => [...(await awsInventory(cell)), ...(await kubernetesInventory(cell))];

/** Deletes what the cell made (Retain's leftovers by hand) and says whether anything of it is left. */
async function tearDown(cell: Cell): Promise<InventoryItem[]> {
  stack.proxy.configure({ faults: [] });
  await ensureOperator();
  await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace: cell.id, name: 'app' }).catch(() => undefined);
  await waitFor('the workload gone', () => readWorkload(cell), (workload) => workload === undefined, CONVERGE_MS);
  // What Retain kept is the platform's to remove.
  for (const item of await awsInventory(cell)) {
    if (item.kind === 'iam-role' && item.key.includes('"irsa-role"')) await new SdkIamRoleStore(iam).deleteRole(item.name!);
  }
  for (const name of (await eks.send(new ListFargateProfilesCommand({ clusterName: cell.id }))).fargateProfileNames ?? []) {
    await eks.send(new DeleteFargateProfileCommand({ clusterName: cell.id, fargateProfileName: name })).catch(() => undefined);
  }
  await waitFor('the cell\'s profiles gone', async () => (await eks.send(new ListFargateProfilesCommand({ clusterName: cell.id }))).fargateProfileNames ?? [], (names) => names.length === 0, CONVERGE_MS);
  await custom.deleteClusterCustomObject({ ...clusterRef, name: cell.id }).catch(() => undefined);
  await waitFor('the cluster gone', () => readCluster(cell), (cluster) => cluster === undefined, CONVERGE_MS);
  await cell.scheduler.stop();
  await core.deleteNamespace({ name: cell.id }).catch(() => undefined);
  return awsInventory(cell);
}

/** Runs one cell: the lifecycle with `fault` on `point`, or a clean run (no point). Returns the verdict and, for a clean run, its writes and state. */
async function runCell(
  lifecycle: Lifecycle,
  fault: { point: WritePoint; kind: CrashFault } | undefined,
  expected: InventoryItem[] | undefined,
): Promise<{ verdict: CellVerdict; detail?: string; points: WritePoint[]; state: InventoryItem[]; seconds: number }> {
  const cell = await newCell();
  await ensureOperator();
  await lifecycle.prepare(cell);
  const victim = await ensureOperator();
  stack.proxy.clearCalls();
  stack.proxy.configure({
    faults: fault
      ? [{ operation: `${fault.point.service}:${fault.point.operation}`, occurrence: fault.point.occurrence, kind: fault.kind, count: 1, ...(fault.kind === 'crash-after' ? { killProcessGroup: victim.process.pid } : {}) }]
      : [],
  });
  const started = Date.now();
  await lifecycle.act(cell);
  let verdict: CellVerdict = 'converged';
  let detail: string | undefined;
  let state: InventoryItem[] = [];
  let points: WritePoint[] = [];
  try {
    if (fault?.kind === 'crash-after') {
      // The proxy kills the operator right after answering the write; it is started again. The kill
      // follows the answer, so the operator may finish its reconcile (a status write) before it
      // lands: the fault was reached when it was injected, and then the process exits.
      const injected = (): boolean => stack.proxy.calls.some((call) => call.injected === fault.kind);
      const reached = await waitFor('the crash point', async () => ({ injected: injected(), done: await lifecycle.done(cell) }), (s) => s.injected || s.done, CONVERGE_MS);
      if (!reached.injected && !injected()) throw Object.assign(new Error('the lifecycle finished without reaching the write'), { verdict: 'fault not reached' as CellVerdict });
      await waitFor('the operator killed at the crash point', async () => victim.process.hasExited(), (exited) => exited, 10_000);
      await ensureOperator();
    }
    await waitFor(`${lifecycle.name} done`, () => lifecycle.done(cell), (done) => done, CONVERGE_MS).catch((error: unknown) => {
      throw Object.assign(error as Error, { verdict: 'not converged' as CellVerdict });
    });
    if (fault && !stack.proxy.calls.some((call) => call.injected === fault.kind)) throw Object.assign(new Error('the fault was never injected'), { verdict: 'fault not reached' as CellVerdict });
    points = writePointsOf(stack.proxy.calls);
    if (expected) {
      // Deletes and moves finish in AWS a little after the object is done: the account must come to the clean run's state.
      const compared = await waitFor('the clean run\'s state', async () => compareInventories(expected, await inventory(cell)), (c) => c.verdict === 'converged', 30_000).catch(async () =>
        compareInventories(expected, await inventory(cell)),
      );
      ({ verdict, detail } = compared);
    }
    state = await inventory(cell);
  } catch (error) {
    verdict = (error as { verdict?: CellVerdict }).verdict ?? 'not converged';
    detail = (error as Error).message.split('\n')[0];
  }
  const seconds = (Date.now() - started) / 1000;
  // Whatever the verdict, an operator runs for the teardown (a cell that failed after its crash
  // would otherwise leave its FargateCluster, finalizer and all, to the suites after it).
  if (fault?.kind === 'crash-after') await waitFor('the operator killed', async () => victim.process.hasExited(), (exited) => exited, 10_000).catch(() => undefined);
  await ensureOperator();
  const left = await tearDown(cell).catch((error: unknown) => [{ kind: 'teardown', key: String(error) }]);
  if (left.length > 0 && verdict === 'converged') {
    verdict = 'left behind';
    detail = left.map((item) => `${item.kind} ${item.key}`).join('; ');
  }
  return { verdict, ...(detail ? { detail } : {}), points, state, seconds };
}

beforeAll(async () => {
  // Profiles stay CREATING and DELETING for a moment, as on EKS.
  // A moto of its own: moto gives every EKS cluster of a server the same OIDC issuer, so another suite's
  // provider for it would change what the lifecycles create and delete.
  stack = await startAwsTestStack({ clusterName: `cp-base-${Date.now().toString(36)}`, region: environment.region, proxy: { creatingDelayMs: 500, deletingDelayMs: 500 }, ownMoto: true });
  const config = { endpoint: stack.proxy.url, region: environment.region, credentials: EMULATOR_CREDENTIALS };
  iam = new IAMClient(config);
  eks = new EKSClient(config);
  // The operator process reconciles every FargateCluster of the API server: the proxy's log must show only this suite's.
  const others = (await custom.listClusterCustomObject(clusterRef)) as { items: FargateCluster[] };
  expect(others.items.map((cluster) => cluster.metadata.name)).toEqual([]);
});

afterAll(async () => {
  process.stdout.write(`\n${renderCrashMatrix(results, FAULTS, writeless)}\n(operator logs in ${logDir})\n`);
  await operator?.process.stop(10_000);
  iam?.destroy();
  eks?.destroy();
  await stack?.stop();
  if (!failed) rmSync(logDir, { recursive: true, force: true });
});

const selected = (process.env.CRASH_MATRIX_LIFECYCLES ?? '').split(',').filter(Boolean);

describe.each(LIFECYCLES.filter((lifecycle) => selected.length === 0 || selected.includes(lifecycle.name)).map((lifecycle) => [lifecycle.name, lifecycle] as const))(
  '%s',
  (_name, lifecycle) => {
    it('converges exactly as the clean run did with every write of it lost or crashed after', async () => {
      const clean = await runCell(lifecycle, undefined, undefined);
      if (clean.verdict !== 'converged') failed = true;
      expect(`${clean.verdict} ${clean.detail ?? ''}`.trim()).toBe('converged');
      if (clean.points.length === 0) writeless.push(lifecycle.name);
      const cellsOfThis: CellResult[] = [];
      for (const point of clean.points) {
        for (const fault of FAULTS) {
          const cell = await runCell(lifecycle, { point, kind: fault }, clean.state);
          const result: CellResult = { lifecycle: lifecycle.name, point, fault, verdict: cell.verdict, seconds: cell.seconds, ...(cell.detail ? { detail: cell.detail } : {}) };
          results.push(result);
          cellsOfThis.push(result);
          // One line per cell as it ends: the matrix takes minutes, and a CI log shows where it is.
          process.stdout.write(`[crash-matrix] ${lifecycle.name} ${pointLabel(point)} ${fault}: ${result.verdict} in ${result.seconds.toFixed(1)} s${result.detail ? `: ${result.detail}` : ""}\n`);
        }
      }
      const bad = cellsOfThis.filter((cell) => cell.verdict !== 'converged');
      if (bad.length > 0) failed = true;
      expect(bad.map((cell) => `${pointLabel(cell.point)} ${cell.fault}: ${cell.verdict}: ${cell.detail ?? ''}`)).toEqual([]);
      // A lifecycle with no AWS write has no cell; every other has two per write.
      expect(cellsOfThis).toHaveLength(clean.points.length * FAULTS.length);
    }, 40 * 60_000);
  },
);
