/**
 * The operator stopped in the middle of converging 20 workloads (in-flight reconciles abandoned)
 * and started again: everything converges with no duplicate and, after deletion, no orphaned AWS
 * resource. Counted in the emulator. Then the orphan sweep: workloads deleted while the operator
 * was stopped (their finalizers removed by hand) leave their role and profile behind; the
 * operator, started again, deletes those of the Delete workload and keeps the Retain one's.
 */
import { GetRoleCommand, paginateListRoles } from '@aws-sdk/client-iam';
import { DeleteFargateProfileCommand, DescribeFargateProfileCommand } from '@aws-sdk/client-eks';
import { SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import {
  CLUSTER,
  condition,
  core,
  custom,
  eks,
  destroyClients,
  ensureReadyCluster,
  iam,
  profilesWithPrefix,
  proxy,
  removeCluster,
  seed,
  startWorkloadOperator,
  workloadRef,
  waitForProfilesSettled,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wlr';
const COUNT = 20;
const DEDICATED = new Set([3, 9, 15]);
const TIMEOUT_MS = 240_000;

const namespace = `wlr-${Date.now().toString(36)}`;
const names = Array.from({ length: COUNT }, (_, i) => `w${String(i).padStart(2, '0')}`);

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

function ourProfiles(): Promise<string[]> {
  return profilesWithPrefix(PREFIX);
}

function startOperator(): Promise<OperatorUnderTest> {
  return startWorkloadOperator(5_000);
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
  await ensureReadyCluster(manifest);
}, TIMEOUT_MS);

afterAll(async () => {
  for (const name of names) await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name }).catch(() => undefined);
  await waitFor('workloads gone', listWorkloads, (items) => items.length === 0, 120_000).catch(() => undefined);
  await removeCluster(CLUSTER);
  await under?.stop();
  await waitForProfilesSettled().catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  destroyClients();
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
  await waitFor('the first IRSA roles', ourRoles, (roles) => roles.length >= 3, 60_000);
  await under!.operator.stop(50);
  const rolesAtStop = (await ourRoles()).length;
  expect(rolesAtStop).toBeLessThan(COUNT);

  under = await startOperator();
  await waitFor(
    'all 20 Ready',
    async () => {
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

it('sweeps the role and profile of a workload deleted while the operator was down, and keeps a Retain one\'s', async () => {
  const body = (name: string, deletionPolicy: 'Delete' | 'Retain'): FargateWorkload => ({
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27' }] } }, fargateProfile: { placement: 'Dedicated' }, deletionPolicy },
  });
  for (const [name, policy] of [['gone', 'Delete'], ['kept', 'Retain']] as const) await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: body(name, policy) });
  const ready = await waitFor(
    'both Ready',
    async () => {
      return listWorkloads();
    },
    (items) => items.length === 2 && items.every((w) => condition(w, 'Ready')?.status === 'True'),
    120_000,
  );
  const left = Object.fromEntries(ready.map((w) => [w.metadata.name, { role: w.status!.iamRoleArn!.split('/').pop()!, profile: w.status!.fargateProfile!.name }]));
  expect(Object.keys(left).sort()).toEqual(['gone', 'kept']);

  // The operator is down; the workloads are deleted and someone removes their finalizers.
  await under!.stop();
  for (const name of ['gone', 'kept']) {
    await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name });
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace, name, body: [{ op: 'remove', path: '/metadata/finalizers' }] });
  }
  await waitFor('workloads gone', listWorkloads, (items) => items.length === 0, 30_000);
  const roleExists = (name: string) => iam.send(new GetRoleCommand({ RoleName: name })).then(() => true, () => false);
  const profileExists = (name: string) => eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name })).then(() => true, () => false);
  expect([await roleExists(left.gone!.role), await profileExists(left.gone!.profile)]).toEqual([true, true]);

  // Started again: the sweep at start finds them.
  under = await startOperator();
  await waitFor('the Delete workload\'s role and profile swept', async () => [await roleExists(left.gone!.role), await profileExists(left.gone!.profile)], (exist) => exist.every((e) => !e), 60_000);
  expect([await roleExists(left.kept!.role), await profileExists(left.kept!.profile)]).toEqual([true, true]);
  const metric = await under.operator.context.metrics.orphansDeletedTotal.get();
  expect(Object.fromEntries(metric.values.map((value) => [value.labels.kind, value.value]))).toEqual({ IAMRole: 1, FargateProfile: 1 });
  const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${CLUSTER},reason=OrphanDeleted` });
  expect(events.items.map((event) => event.message).join('\n')).toContain(`${namespace}/gone`);

  // What Retain kept is the platform's to remove: this test does, so the cluster can go.
  await new SdkIamRoleStore(iam).deleteRole(left.kept!.role);
  await eks.send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: left.kept!.profile }));
  await waitFor('the retained profile gone', () => profileExists(left.kept!.profile), (exists) => !exists, 30_000);
}, TIMEOUT_MS);
