/**
 * The operator stopped in the middle of converging 20 workloads (in-flight reconciles abandoned)
 * and started again: everything converges with no duplicate and, after deletion, no orphaned AWS
 * resource. Counted in the emulator.
 */
import { EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../src/api/constants.js';
import type { Condition, FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { markDeploymentsAvailable } from '../support/deployment-availability.js';
import { eksProxyRemote } from '../support/eks-proxy.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { EMULATOR_CREDENTIALS } from '../support/seed.js';
import { readTestEnvironment } from '../support/test-env.js';

const environment = readTestEnvironment();
const seed = environment.seed;
if (!seed) throw new Error('the integration environment was started without a seed');
const CLUSTER = seed.clusterName;
const PREFIX = 'wlr';
const COUNT = 20;
const DEDICATED = new Set([3, 9, 15]);
const TIMEOUT_MS = 240_000;

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const core = kubeConfig.makeApiClient(CoreV1Api);
const awsConfig = { endpoint: environment.awsEndpoint, region: seed.region, credentials: EMULATOR_CREDENTIALS };
const iam = new IAMClient(awsConfig);
const eks = new EKSClient(awsConfig);
const proxy = eksProxyRemote(environment.awsEndpoint);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' };
const namespace = `wlr-${Date.now().toString(36)}`;
const names = Array.from({ length: COUNT }, (_, i) => `w${String(i).padStart(2, '0')}`);

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function condition(object: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

async function listWorkloads(): Promise<FargateWorkload[]> {
  const list = (await custom.listNamespacedCustomObject({ ...workloadRef, namespace })) as { items: FargateWorkload[] };
  return list.items;
}

/** The IRSA roles of this test's namespace (role names start with `<cluster>-<namespace>-`). */
async function ourRoles(): Promise<string[]> {
  const found: string[] = [];
  for await (const page of paginateListRoles({ client: iam }, { PathPrefix: '/eksops/' })) {
    for (const role of page.Roles ?? []) if (role.RoleName?.startsWith(`${CLUSTER}-${namespace}-`)) found.push(role.RoleName);
  }
  return found.sort();
}

async function ourProfiles(): Promise<string[]> {
  const listed = await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
  return (listed.fargateProfileNames ?? []).filter((name) => name.startsWith(`${PREFIX}-`)).sort();
}

function startOperator(): Promise<OperatorUnderTest> {
  return startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler }, resyncPeriodMs: 5_000 });
}

let under: OperatorUnderTest | undefined;

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: 1_500, deletingDelayMs: 1_500, faults: [] });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startOperator();
  const manifest: FargateCluster = {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: {
      region: seed.region,
      subnetIds: seed.privateSubnetIds,
      profiles: { maxProfiles: 10, namePrefix: PREFIX },
      iam: { rolePath: '/eksops/', createOIDCProvider: true },
    },
  };
  await custom.createClusterCustomObject({ ...clusterRef, body: manifest }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
  await waitFor(
    `FargateCluster ${CLUSTER} Ready`,
    async () => (await custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER })) as FargateCluster,
    (c) => condition(c, 'Ready')?.status === 'True',
  );
}, TIMEOUT_MS);

afterAll(async () => {
  for (const name of names) await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name }).catch(() => undefined);
  await waitFor('workloads gone', listWorkloads, (items) => items.length === 0).catch(() => undefined);
  await custom.deleteClusterCustomObject({ ...clusterRef, name: CLUSTER }).catch(() => undefined);
  await waitFor('FargateCluster gone', () => custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER }).then(() => false, (error: unknown) => isNotFound(error)), (gone) => gone).catch(() => undefined);
  await under?.stop();
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  iam.destroy();
  eks.destroy();
}, TIMEOUT_MS);

it('converges 20 workloads across an operator stop and restart, with no duplicate and no orphan', async () => {
  for (const [i, name] of names.entries()) {
    const body: FargateWorkload = {
      apiVersion: 'fargate.eksops.dev/v1alpha1',
      kind: 'FargateWorkload',
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27' }] } },
        fargateProfile: { placement: DEDICATED.has(i) ? 'Dedicated' : 'Shared' },
      },
    };
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body });
  }
  // Stop in the middle: some roles made, profiles still being created; in-flight reconciles abandoned.
  await waitFor('the first IRSA roles', ourRoles, (roles) => roles.length >= 3);
  await under!.operator.stop(50);
  const rolesAtStop = (await ourRoles()).length;
  expect(rolesAtStop).toBeLessThan(COUNT);

  under = await startOperator();
  await waitFor(
    'all 20 Ready',
    async () => {
      await markDeploymentsAvailable(environment, namespace);
      return listWorkloads();
    },
    (items) => items.length === COUNT && items.every((w) => w.status?.observedGeneration === w.metadata.generation && condition(w, 'Ready')?.status === 'True'),
    TIMEOUT_MS - 60_000,
  );
  const roles = await ourRoles();
  expect(roles).toHaveLength(COUNT);
  const workloads = await listWorkloads();
  expect(new Set(workloads.map((w) => w.status?.iamRoleArn?.split('/').pop())).size).toBe(COUNT);
  const profiles = await ourProfiles();
  // One Shared profile for the namespace's subnets and one per Dedicated workload.
  expect(profiles).toHaveLength(1 + DEDICATED.size);
  expect(new Set(workloads.map((w) => w.status?.fargateProfile?.name))).toEqual(new Set(profiles));

  for (const name of names) await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name });
  await waitFor('workloads gone', listWorkloads, (items) => items.length === 0, TIMEOUT_MS - 120_000);
  expect(await ourRoles()).toEqual([]);
  expect(await ourProfiles()).toEqual([]);
}, TIMEOUT_MS);
