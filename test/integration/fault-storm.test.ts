/**
 * A fault storm: 50 workloads in 5 namespaces are created, half of them changed (the even ones
 * move to other subnets, the odd ones change their managed policy), then all deleted, with the
 * cluster last; once with no fault, then with 30% throttling, 5% server errors, 2% lost responses
 * and 0-2 s of added latency on every call of every service at once. The storm run must converge
 * and leave nothing behind, make at most 3x the AWS calls of the calm run, and never hammer one
 * object: the proxy's call log, by the resource each call names, shows no burst beyond what one
 * reconcile and the SDK's own retries make. Prints the figures and the operator's retry metrics.
 */
import { EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListOpenIDConnectProvidersCommand, ListRoleTagsCommand, paginateListRoles } from '@aws-sdk/client-iam';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, TAG_CLUSTER } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import type { FaultRule, ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';
import { busiestWindow } from '../support/call-bursts.js';

const environment = readTestEnvironment();
const NAMESPACES = 5;
const PER_NAMESPACE = 10;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const SQS_READ = 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess';
const PHASE_MS = 600_000;
/** The storm: every rule applies to every service; the first that draws decides. */
const STORM: FaultRule[] = [
  { kind: 'throttle', rate: 0.3 },
  { kind: 'server-error', rate: 0.05 },
  { kind: 'lost-response', rate: 0.02 },
];
const STORM_LATENCY = { min: 0, max: 2000 };
/**
 * One reconcile reads and writes an object a handful of times, and the SDK retries each call at
 * most twice; a Shared profile is read by each of its workloads' reconciles, so the calm run sets
 * the bar where it is higher. A loop without backoff makes hundreds a second.
 */
const MAX_CALLS_PER_OBJECT_PER_SECOND = 15;
/** Reconciles at once: every call waits up to 2 s in the storm, so more workers keep the run short (the calls are the same). */
const CONCURRENCY = 25;

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const core = kubeConfig.makeApiClient(CoreV1Api);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' };
const run = Date.now().toString(36);
const clusterName = `storm-${run}`;

let stack: AwsTestStack;
let iam: IAMClient;
let eks: EKSClient;
let under: OperatorUnderTest | undefined;

/** A line as each phase ends: the storm takes minutes, and a CI log shows where it is. */
function progress(label: string, text: string): void {
  process.stdout.write(`[fault-storm] ${label}: ${text}\n`);
}

/** What one run of the scenario took. */
interface ScenarioFigures {
  calls: number;
  writes: number;
  injected: Record<string, number>;
  seconds: { create: number; change: number; delete: number };
  busiest: { target: string; calls: number; operations: Record<string, number> };
  /** The same, counting only the calls that were not given an injected fault. */
  busiestAnswered: { target: string; calls: number; operations: Record<string, number> };
  retries: string;
}

type Conditioned = { metadata: { generation?: number }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } };
const readyAtGeneration = (object: Conditioned): boolean =>
  object.status?.observedGeneration === object.metadata.generation && (object.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const namespacesOf = (label: string) => Array.from({ length: NAMESPACES }, (_, i) => `storm-${run}-${label}-${i}`);

async function workloadsIn(namespaces: string[]): Promise<FargateWorkload[]> {
  const lists = await Promise.all(namespaces.map((namespace) => custom.listNamespacedCustomObject({ ...workloadRef, namespace }) as Promise<{ items: FargateWorkload[] }>));
  return lists.flatMap((list) => list.items);
}

/** What the cluster owns in the account: roles by ownership tag, its profiles, its OIDC provider. */
async function leftInAccount(): Promise<string[]> {
  const left: string[] = [];
  for await (const page of paginateListRoles({ client: iam }, {})) {
    for (const role of page.Roles ?? []) {
      const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }))).Tags ?? [];
      if (tags.some((tag) => tag.Key === TAG_CLUSTER && tag.Value === clusterName)) left.push(`role ${role.RoleName}`);
    }
  }
  for (const name of (await eks.send(new ListFargateProfilesCommand({ clusterName }))).fargateProfileNames ?? []) left.push(`profile ${name}`);
  const host = stack.seed.oidcIssuer.replace(/^https:\/\//, '');
  for (const provider of (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []) {
    if (provider.Arn?.endsWith(`:oidc-provider/${host}`)) left.push(`oidc-provider ${provider.Arn}`);
  }
  return left;
}

async function retryFigures(): Promise<string> {
  const values = (await under!.operator.context.metrics.awsCallsTotal.get()).values;
  const byOutcome = new Map<string, number>();
  for (const value of values) byOutcome.set(String(value.labels.outcome), (byOutcome.get(String(value.labels.outcome)) ?? 0) + value.value);
  const retried = (await under!.operator.context.metrics.awsRetriesTotal.get()).values.reduce((sum, value) => sum + value.value, 0);
  const reconciles = (await under!.operator.context.metrics.reconcileTotal.get()).values.map((value) => `${String(value.labels.kind)}/${String(value.labels.result)}=${value.value}`);
  return `eksfo_aws_calls_total by outcome: ${[...byOutcome].map(([outcome, n]) => `${outcome}=${n}`).join(', ')}; eksfo_aws_retries_total: ${retried}; eksfo_reconcile_total: ${reconciles.join(', ')}`;
}

/** Creates, changes and deletes the 50 workloads and the cluster; returns the figures. */
async function scenario(label: string, faults: FaultRule[], latencyMs: { min: number; max: number }): Promise<ScenarioFigures> {
  const namespaces = namespacesOf(label);
  for (const namespace of namespaces) await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startOperatorForTest({ awsEndpoint: stack.proxy.url, reconcilers: { workload: createFargateWorkloadReconciler }, concurrency: CONCURRENCY });
  stack.proxy.configure({ faults, latencyMs, seed: 7 });
  stack.proxy.clearCalls();

  const createdAt = Date.now();
  const cluster: FargateCluster = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'FargateCluster',
    metadata: { name: clusterName },
    spec: {
      region: environment.region,
      subnetIds: stack.seed.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: `s${label}` },
      iam: { rolePath: `/storm${run}/`, createOIDCProvider: true, deleteOIDCProvider: true, allowedManagedPolicyArns: [S3_READ, SQS_READ] },
    },
  };
  await custom.createClusterCustomObject({ ...clusterRef, body: cluster });
  const [subnetA, subnetB] = stack.seed.privateSubnetIds as [string, string];
  for (const namespace of namespaces) {
    for (let i = 0; i < PER_NAMESPACE; i++) {
      const body: FargateWorkload = {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'FargateWorkload',
        metadata: { name: `app-${i}`, namespace },
        spec: {
          clusterName,
          replicas: 1,
          template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
          fargateProfile: { placement: 'Shared', subnetIds: [subnetA] },
          iam: { managedPolicyArns: [S3_READ] },
        },
      };
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body });
    }
  }
  const total = NAMESPACES * PER_NAMESPACE;
  await waitFor(`${label}: all ${total} Ready`, () => workloadsIn(namespaces), (items) => items.length === total && items.every(readyAtGeneration), PHASE_MS);
  const changedAt = Date.now();
  progress(label, `all ${total} Ready in ${((changedAt - createdAt) / 1000).toFixed(1)} s, ${stack.proxy.calls.length} AWS calls so far`);

  for (const namespace of namespaces) {
    for (let i = 0; i < PER_NAMESPACE; i++) {
      const patch = i % 2 === 0 ? [{ op: 'replace', path: '/spec/fargateProfile/subnetIds', value: [subnetB] }] : [{ op: 'replace', path: '/spec/iam/managedPolicyArns', value: [SQS_READ] }];
      await custom.patchNamespacedCustomObject({ ...workloadRef, namespace, name: `app-${i}`, body: patch });
    }
  }
  await waitFor(`${label}: all ${total} Ready after the change`, () => workloadsIn(namespaces), (items) => items.length === total && items.every((w) => w.metadata.generation === 2 && readyAtGeneration(w)), PHASE_MS);
  const deletedAt = Date.now();
  progress(label, `changed half and all Ready again in ${((deletedAt - changedAt) / 1000).toFixed(1)} s, ${stack.proxy.calls.length} AWS calls so far`);

  for (const namespace of namespaces) {
    for (let i = 0; i < PER_NAMESPACE; i++) await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name: `app-${i}` });
  }
  await waitFor(`${label}: all workloads gone`, () => workloadsIn(namespaces), (items) => items.length === 0, PHASE_MS);
  await custom.deleteClusterCustomObject({ ...clusterRef, name: clusterName });
  await waitFor(
    `${label}: the cluster gone`,
    () => custom.getClusterCustomObject({ ...clusterRef, name: clusterName }).then(() => false, () => true),
    (gone) => gone,
    PHASE_MS,
  );
  const doneAt = Date.now();
  const calls: ProxyCall[] = [...stack.proxy.calls];
  stack.proxy.configure({ faults: [], latencyMs: { min: 0, max: 0 } });
  const retries = await retryFigures();
  await under.stop();
  under = undefined;
  for (const namespace of namespaces) await core.deleteNamespace({ name: namespace }).catch(() => undefined);

  const injected: Record<string, number> = {};
  for (const call of calls) if (call.injected) injected[call.injected] = (injected[call.injected] ?? 0) + 1;
  return {
    calls: calls.length,
    writes: calls.filter((call) => call.write).length,
    injected,
    seconds: { create: (changedAt - createdAt) / 1000, change: (deletedAt - changedAt) / 1000, delete: (doneAt - deletedAt) / 1000 },
    busiest: busiestWindow(calls, 1000),
    busiestAnswered: busiestWindow(calls.filter((call) => !call.injected), 1000),
    retries,
  };
}

beforeAll(async () => {
  // A moto of its own: moto gives every EKS cluster of a server the same OIDC issuer, and another suite's
  // provider for it would be adopted, not created and deleted.
  stack = await startAwsTestStack({ clusterName, region: environment.region, proxy: { creatingDelayMs: 500, deletingDelayMs: 500 }, ownMoto: true });
  await stack.placePods({ kubeconfigPath: environment.kubeconfigPath });
  const config = { endpoint: stack.motoUrl, region: environment.region, credentials: EMULATOR_CREDENTIALS };
  iam = new IAMClient(config);
  // Profiles through the proxy: a held delete is DELETING there and still listed.
  eks = new EKSClient({ ...config, endpoint: stack.proxy.url });
});

afterAll(async () => {
  await under?.stop();
  iam?.destroy();
  eks?.destroy();
  await stack?.stop();
});

it('converges through a storm of throttling, server errors, lost responses and latency, within 3x the calls, with no hot loop', async () => {
  const calm = await scenario('calm', [], { min: 0, max: 0 });
  expect(await leftInAccount()).toEqual([]);
  const storm = await scenario('storm', STORM, STORM_LATENCY);
  const left = await waitFor('nothing left in the account', leftInAccount, (items) => items.length === 0, 60_000).catch(() => leftInAccount());

  const line = (name: string, figures: ScenarioFigures) =>
    `${name}: ${figures.calls} AWS calls (${figures.writes} writes), injected ${JSON.stringify(figures.injected)}; converged in ` +
    `${figures.seconds.create.toFixed(1)} s (create), ${figures.seconds.change.toFixed(1)} s (change), ${figures.seconds.delete.toFixed(1)} s (delete); ` +
    `busiest object: ${figures.busiest.calls} calls in 1 s on ${figures.busiest.target} ${JSON.stringify(figures.busiest.operations)}; ` +
    `answered only: ${figures.busiestAnswered.calls} on ${figures.busiestAnswered.target}\n  ${figures.retries}`;
  process.stdout.write(`\nfault storm, ${NAMESPACES * PER_NAMESPACE} workloads:\n${line('calm', calm)}\n${line('storm', storm)}\ncalls ratio storm/calm: ${(storm.calls / calm.calls).toFixed(2)}\n`);

  expect(left).toEqual([]);
  expect(storm.injected.throttle ?? 0).toBeGreaterThan(0);
  expect(storm.injected['lost-response'] ?? 0).toBeGreaterThan(0);
  expect(storm.calls).toBeLessThanOrEqual(3 * calm.calls);
  // Answered calls only: an injected fault is the proxy's, and the SDK's retry of it is not the
  // controller's call. Which second is busiest is chance (up to CONCURRENCY reconciles list the
  // cluster's profiles at once): calm runs measured 24 to 50 on the cluster, storms 20 to 22
  // answered plus their retried faults. Twice the bar still catches a loop without backoff,
  // which makes hundreds of calls a second on one object.
  expect(storm.busiestAnswered.calls).toBeLessThanOrEqual(2 * Math.max(MAX_CALLS_PER_OBJECT_PER_SECOND, calm.busiest.calls));
}, 30 * 60_000);
