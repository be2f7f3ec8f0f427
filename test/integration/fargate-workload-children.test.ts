/**
 * Children from the cache (issue 10, items 3 and 7), on the real API server: every kind of child
 * is watched, so a Service, HPA, SecurityGroupPolicy or PodDisruptionBudget deleted or edited by
 * hand is restored within seconds by its informer event, not by the resync (10 minutes here);
 * and a reconcile reads children from the informer caches, sending the API server no LIST (its
 * own request counters show it).
 */
import { AutoscalingV2Api, CustomObjectsApi, PolicyV1Api } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import {
  CLUSTER,
  clusterRef,
  condition,
  core,
  apps,
  custom,
  deleteWorkload,
  destroyClients,
  ec2,
  ensureReadyCluster,
  environment,
  iam,
  installSecurityGroupPolicyCrd,
  kitClusterManifest,
  kitWorkloadManifest,
  profilesWithPrefix,
  proxy,
  readWorkload,
  removeCluster,
  removeSecurityGroupPolicyCrd,
  seed,
  workloadRef,
} from '../support/fargate-workload-kit.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';

const PREFIX = 'wch';
const suffix = Date.now().toString(36);
const ns = `wch-${suffix}`;
const NAME = 'cart';
/** The acceptance bound for a child deleted by hand to be back. */
const RESTORE_WITHIN_MS = 15_000;
const sgpRef = { group: 'vpcresources.k8s.aws', version: 'v1beta1', plural: 'securitygrouppolicies' };

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const autoscaling = kubeConfig.makeApiClient(AutoscalingV2Api);
const policy = kubeConfig.makeApiClient(PolicyV1Api);
const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);

function workloadManifest(groupId: string): FargateWorkload {
  return kitWorkloadManifest(ns, NAME, {
    autoscaling: { minReplicas: 2, maxReplicas: 4 },
    networking: { securityGroupIds: [groupId] },
    ingress: { port: 8080, host: 'cart.example.com' },
  });
}

/** One child kind: how to read it (its uid) and how to delete it by hand. */
interface HandDeleted {
  kind: string;
  read: () => Promise<{ metadata?: { uid?: string } }>;
  remove: () => Promise<unknown>;
}

const CHILDREN: HandDeleted[] = [
  { kind: 'Service', read: () => core.readNamespacedService({ namespace: ns, name: NAME }), remove: () => core.deleteNamespacedService({ namespace: ns, name: NAME }) },
  {
    kind: 'HorizontalPodAutoscaler',
    read: () => autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: NAME }),
    remove: () => autoscaling.deleteNamespacedHorizontalPodAutoscaler({ namespace: ns, name: NAME }),
  },
  {
    kind: 'SecurityGroupPolicy',
    read: async () => (await customObjects.getNamespacedCustomObject({ ...sgpRef, namespace: ns, name: NAME })) as { metadata?: { uid?: string } },
    remove: () => customObjects.deleteNamespacedCustomObject({ ...sgpRef, namespace: ns, name: NAME }),
  },
  {
    kind: 'PodDisruptionBudget',
    read: () => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: NAME }),
    remove: () => policy.deleteNamespacedPodDisruptionBudget({ namespace: ns, name: NAME }),
  },
];

/** LIST requests the API server has served, summed over the given resources (its apiserver_request_total counter). */
async function listRequests(resources: readonly string[]): Promise<number> {
  const { stdout } = await kubectl(environment, ['get', '--raw', '/metrics']);
  let total = 0;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1];
    if (/verb="LIST"/.test(line) && resource && resources.includes(resource)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

let under: OperatorUnderTest;
let groupId = '';

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `wch-${suffix}`, Description: 'children cache test', VpcId: seed.vpcId }))).GroupId ?? '';
  await installSecurityGroupPolicyCrd();
  // The default resync (10 minutes): anything restored within the test was restored by an event.
  under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler } });
  await ensureReadyCluster(
    kitClusterManifest(PREFIX, { networking: { allowedSecurityGroupIds: [groupId] }, iam: { createOIDCProvider: true, allowedRoleArns: [`arn:aws:iam::${seed.accountId}:role/team/*`] } }),
  );
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: workloadManifest(groupId) });
  await waitFor(
    `${ns}/${NAME} every child converged`,
    async () => {
      return readWorkload(ns, NAME);
    },
    (w) => ['WorkloadAvailable', 'NetworkReady', 'IAMRoleReady'].every((type) => condition(w, type)?.status === 'True'),
    90_000,
  );
}, 180_000);

afterAll(async () => {
  await deleteWorkload(ns, NAME);
  await waitFor(`${ns}/${NAME} gone`, () => readWorkload(ns, NAME), (w) => w === undefined, 90_000).catch(() => undefined);
  await removeCluster(CLUSTER);
  await under?.stop();
  await removeSecurityGroupPolicyCrd().catch(() => undefined);
  if (groupId) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })).catch(() => undefined);
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  destroyClients();
}, 180_000);

it('a workload of several replicas gets a PodDisruptionBudget of maxUnavailable 1 on its pods', async () => {
  const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: NAME });
  expect(pdb.spec?.maxUnavailable).toBe(1);
  expect(pdb.spec?.selector?.matchLabels).toEqual({ 'fargate.eksops.dev/workload': NAME });
  expect(pdb.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'FargateWorkload', name: NAME, controller: true });
});

it.each(CHILDREN.map((child) => [child.kind, child] as const))('a %s deleted by hand is back within 15 seconds', async (_kind, child) => {
  const before = (await child.read()).metadata?.uid;
  expect(before).toBeDefined();
  await child.remove();
  const restored = await waitFor(
    `${child.kind} ${ns}/${NAME} recreated`,
    () => child.read().catch(() => undefined),
    (object) => object?.metadata?.uid !== undefined && object.metadata.uid !== before,
    RESTORE_WITHIN_MS,
  );
  expect(restored?.metadata?.uid).not.toBe(before);
});

it('a Service port edited by hand is put back within 15 seconds, and later port changes still apply', async () => {
  await core.patchNamespacedService({ namespace: ns, name: NAME, body: [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }] });
  const restored = await waitFor('Service port restored', () => core.readNamespacedService({ namespace: ns, name: NAME }), (service) => service.spec?.ports?.[0]?.port === 8080, RESTORE_WITHIN_MS);
  expect(restored.spec?.ports?.[0]?.port).toBe(8080);
  // The repair left the operator the only owner of the ports: a later port change replaces them.
  await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: NAME, body: [{ op: 'replace', path: '/spec/ingress/port', value: 8081 }] });
  const moved = await waitFor('Service on the new port only', () => core.readNamespacedService({ namespace: ns, name: NAME }), (service) => service.spec?.ports?.length === 1 && service.spec.ports[0]?.port === 8081, RESTORE_WITHIN_MS);
  expect(moved.spec?.ports?.map((port) => port.port)).toEqual([8081]);
  await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: NAME, body: [{ op: 'replace', path: '/spec/ingress/port', value: 8080 }] });
  await waitFor('Service back on 8080', () => core.readNamespacedService({ namespace: ns, name: NAME }), (service) => service.spec?.ports?.length === 1 && service.spec.ports[0]?.port === 8080, RESTORE_WITHIN_MS);
});

it('a field dropped from the template after the Deployment was created is removed from it: the fields of the create become applied ones', async () => {
  // Children are made by a plain create (never applied over someone else's object), which owns
  // their fields by Update; before the first apply they are folded into the operator's Apply entry.
  const before = await apps.readNamespacedDeployment({ namespace: ns, name: NAME });
  expect(before.spec?.template?.spec?.containers?.[0]?.ports?.map((port) => port.containerPort)).toEqual([8080]);
  await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: NAME, body: [{ op: 'remove', path: '/spec/template/spec/containers/0/ports' }] });
  const after = await waitFor('container ports gone from the Deployment', () => apps.readNamespacedDeployment({ namespace: ns, name: NAME }), (d) => d.spec?.template?.spec?.containers?.[0]?.ports === undefined, RESTORE_WITHIN_MS);
  expect(after.metadata?.uid).toBe(before.metadata?.uid);
  const ours = (after.metadata?.managedFields ?? []).filter((entry) => entry.manager === FIELD_MANAGER && !entry.subresource);
  expect(ours.map((entry) => entry.operation)).toEqual(['Apply']);
});

it('reconciles read children from the caches: no LIST reaches the API server', async () => {
  const resources = ['serviceaccounts', 'deployments', 'services', 'ingresses', 'horizontalpodautoscalers', 'poddisruptionbudgets', 'securitygrouppolicies'];
  const reconciles = async (): Promise<number> =>
    (await under.operator.context.metrics.reconcileTotal.get()).values.filter((v) => v.labels.kind === 'FargateWorkload').reduce((sum, v) => sum + v.value, 0);
  // The namespace controller LISTs every kind in a namespace it deletes: namespaces earlier suites
  // deleted must be gone first, so that every LIST counted here could only be the operator's.
  await waitFor(
    'no namespace Terminating',
    async () => (await core.listNamespace()).items.filter((namespace) => namespace.status?.phase === 'Terminating').map((namespace) => namespace.metadata?.name),
    (terminating) => terminating.length === 0,
    180_000,
  );
  const listsBefore = await listRequests(resources);
  const reconcilesBefore = await reconciles();
  // Each annotation change is a workload event, and so a full reconcile.
  for (let i = 0; i < 5; i++) {
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: NAME, body: [{ op: 'add', path: '/metadata/annotations', value: { 'test.eksops.dev/poke': String(i) } }] });
    await waitFor(`reconcile ${i + 1} done`, reconciles, (count) => count >= reconcilesBefore + i + 1, 15_000);
  }
  expect(await reconciles()).toBeGreaterThanOrEqual(reconcilesBefore + 5);
  expect(await listRequests(resources)).toBe(listsBefore);
}, 240_000);

describe('never takes over a Kubernetes object it does not own (issue 11, item 3)', () => {
  const stalledNotOwned = (name: string) =>
    waitFor(`${ns}/${name} Stalled NotOwned`, () => readWorkload(ns, name), (w) => condition(w, 'Stalled')?.status === 'True' && condition(w, 'Stalled')?.reason === 'NotOwned', 60_000);
  const gone = (name: string) => waitFor(`${ns}/${name} gone`, () => readWorkload(ns, name), (w) => w === undefined, 90_000);

  it('a ServiceAccount made by someone else: Stalled naming it, its annotations untouched, no Deployment', async () => {
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'platform-sa', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/platform' } } } });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'borrower', { iam: { serviceAccountName: 'platform-sa' } }) });
    const stalled = await stalledNotOwned('borrower');
    expect(condition(stalled, 'Stalled')?.message).toContain(`ServiceAccount ${ns}/platform-sa exists and it was not created by this workload`);
    const sa = await core.readNamespacedServiceAccount({ namespace: ns, name: 'platform-sa' });
    expect(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/platform');
    expect(sa.metadata?.ownerReferences ?? []).toEqual([]);
    await expect(apps.readNamespacedDeployment({ namespace: ns, name: 'borrower' })).rejects.toThrow();
    await deleteWorkload(ns, 'borrower');
    await gone('borrower');
    // Deleting the workload leaves what it never owned.
    expect((await core.readNamespacedServiceAccount({ namespace: ns, name: 'platform-sa' })).metadata?.uid).toBe(sa.metadata?.uid);
  });

  it("a second workload naming the first one's ServiceAccount is Stalled, naming the first; the first keeps its identity", async () => {
    const before = await core.readNamespacedServiceAccount({ namespace: ns, name: NAME });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'thief', { iam: { serviceAccountName: NAME } }) });
    const stalled = await stalledNotOwned('thief');
    expect(condition(stalled, 'Stalled')?.message).toContain(`ServiceAccount ${ns}/${NAME} exists and it is controlled by FargateWorkload ${ns}/${NAME}`);
    const after = await core.readNamespacedServiceAccount({ namespace: ns, name: NAME });
    expect(after.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(before.metadata?.annotations?.['eks.amazonaws.com/role-arn']);
    expect(after.metadata?.ownerReferences?.map((ref) => ref.name)).toEqual([NAME]);
    await deleteWorkload(ns, 'thief');
    await gone('thief');
    expect((await core.readNamespacedServiceAccount({ namespace: ns, name: NAME })).metadata?.uid).toBe(before.metadata?.uid);
  });

  it('a Deployment of the planned name made by hand is left alone, and survives the workload', async () => {
    const labels = { app: 'hand-made' };
    const handMade = await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'taken' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } } },
    });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'taken') });
    const stalled = await stalledNotOwned('taken');
    expect(condition(stalled, 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    const live = await apps.readNamespacedDeployment({ namespace: ns, name: 'taken' });
    expect(live.spec?.template?.spec?.containers?.map((c) => c.image)).toEqual(['nginx']);
    expect(live.metadata?.ownerReferences ?? []).toEqual([]);
    await deleteWorkload(ns, 'taken');
    await gone('taken');
    expect((await apps.readNamespacedDeployment({ namespace: ns, name: 'taken' })).metadata?.uid).toBe(handMade.metadata?.uid);
  });
});

describe('several FargateClusters (issue 11, item 5)', () => {
  it('an unnamed workload that ran keeps its recorded cluster; a new unnamed one is Stalled naming the clusters', async () => {
    const before = await readWorkload(ns, NAME);
    expect(before?.status?.clusterName).toBe(CLUSTER);
    const other = { ...kitClusterManifest(PREFIX), metadata: { name: `other-${suffix}` } };
    await custom.createClusterCustomObject({ ...clusterRef, body: other });
    try {
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'unnamed') });
      const stalled = await waitFor(`${ns}/unnamed Stalled`, () => readWorkload(ns, 'unnamed'), (w) => condition(w, 'Stalled')?.reason === 'ClusterAmbiguous', 30_000);
      expect(condition(stalled, 'Stalled')?.message).toContain(`2 FargateClusters exist (${[CLUSTER, other.metadata.name].sort().join(', ')})`);
      // The first workload is reconciled again (an annotation is a workload event) and stays where it was.
      const reconciles = async (): Promise<number> =>
        (await under.operator.context.metrics.reconcileTotal.get()).values.filter((v) => v.labels.kind === 'FargateWorkload').reduce((sum, v) => sum + v.value, 0);
      const count = await reconciles();
      await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: NAME, body: [{ op: 'add', path: '/metadata/annotations', value: { 'test.eksops.dev/poke': 'clusters' } }] });
      await waitFor(`${ns}/${NAME} reconciled`, reconciles, (n) => n > count, 30_000);
      const after = await readWorkload(ns, NAME);
      expect(after?.status?.clusterName).toBe(CLUSTER);
      expect(condition(after, 'Stalled')?.status).toBe('False');
      expect(condition(after, 'WorkloadAvailable')?.status).toBe('True');
      await deleteWorkload(ns, 'unnamed');
      await waitFor(`${ns}/unnamed gone`, () => readWorkload(ns, 'unnamed'), (w) => w === undefined, 30_000);
    } finally {
      await custom.deleteClusterCustomObject({ ...clusterRef, name: other.metadata.name }).catch(() => undefined);
    }
  });
});

describe('names of any legal length (issue 11, item 6)', () => {
  it('a workload with a 63-character namespace and a 63-character name converges, with AWS names within their limits', async () => {
    const longNs = `lng-${suffix}-`.padEnd(63, 'n');
    const longName = 'w'.padEnd(63, 'x');
    await core.createNamespace({ body: { metadata: { name: longNs } } });
    try {
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace: longNs, body: kitWorkloadManifest(longNs, longName, { fargateProfile: { placement: 'Dedicated' } }) });
      const ready = await waitFor(
        `${longNs}/${longName} available`,
        async () => {
          return readWorkload(longNs, longName);
        },
        (w) => condition(w, 'WorkloadAvailable')?.status === 'True',
        90_000,
      );
      const roleName = ready?.status?.iamRoleArn?.split('/').pop() ?? '';
      expect(roleName.length).toBeGreaterThan(0);
      expect(roleName.length).toBeLessThanOrEqual(64);
      const profileName = ready?.status?.fargateProfile?.name ?? '';
      expect(profileName.length).toBeGreaterThan(0);
      expect(profileName.length).toBeLessThanOrEqual(63);
      const deployment = await apps.readNamespacedDeployment({ namespace: longNs, name: longName });
      // EKS's own label names the profile, so another matching profile cannot take the pods.
      expect(deployment.spec?.template?.metadata?.labels?.['eks.amazonaws.com/fargate-profile']).toBe(profileName);
    } finally {
      await deleteWorkload(longNs, longName).catch(() => undefined);
      await waitFor(`${longNs}/${longName} gone`, () => readWorkload(longNs, longName), (w) => w === undefined, 90_000).catch(() => undefined);
      await core.deleteNamespace({ name: longNs }).catch(() => undefined);
    }
  });
});

describe('no orphan after switching to a role of its own (issue 11, item 4)', () => {
  it('the role the operator made is deleted when the workload switches to iam.roleArn, and the ServiceAccount names the new one', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'switcher') });
    const first = await waitFor(`${ns}/switcher role`, () => readWorkload(ns, 'switcher'), (w) => condition(w, 'IAMRoleReady')?.status === 'True', 60_000);
    const managedArn = first?.status?.iamRoleArn ?? '';
    const managedName = managedArn.slice(managedArn.lastIndexOf('/') + 1);
    expect((await iam.send(new GetRoleCommand({ RoleName: managedName }))).Role?.Arn).toBe(managedArn);
    const own = `arn:aws:iam::${seed.accountId}:role/team/switcher`;
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: 'switcher', body: [{ op: 'replace', path: '/spec/iam', value: { roleArn: own } }] });
    const switched = await waitFor(`${ns}/switcher on its own role`, () => readWorkload(ns, 'switcher'), (w) => w?.status?.iamRoleArn === own, 60_000);
    expect(condition(switched, 'IAMRoleReady')).toMatchObject({ status: 'True', reason: 'UserProvided' });
    await expect(iam.send(new GetRoleCommand({ RoleName: managedName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const sa = await waitFor('ServiceAccount re-annotated', () => core.readNamespacedServiceAccount({ namespace: ns, name: 'switcher' }), (a) => a.metadata?.annotations?.['eks.amazonaws.com/role-arn'] === own, 15_000);
    expect(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(own);
    await deleteWorkload(ns, 'switcher');
    await waitFor(`${ns}/switcher gone`, () => readWorkload(ns, 'switcher'), (w) => w === undefined, 60_000);
  });
});

describe('no orphan after ordinary edits (issue 11, item 4)', () => {
  it('spec.clusterName cannot change; one set afterwards that differs stalls ClusterNameChanged, and the delete cleans up where the resources are', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'named', { clusterName: CLUSTER }) });
    await waitFor(`${ns}/named role`, () => readWorkload(ns, 'named'), (w) => condition(w, 'IAMRoleReady')?.status === 'True', 60_000);
    // The API server refuses the change (a CEL transition rule), naming the way out.
    const refused = await custom
      .patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: 'named', body: [{ op: 'replace', path: '/spec/clusterName', value: 'elsewhere' }] })
      .then(() => undefined, (error: unknown) => String((error as { body?: unknown }).body ?? error));
    expect(refused).toMatch(new RegExp(`spec.clusterName cannot change from ${CLUSTER}.*delete the workload and create it again`));
    await deleteWorkload(ns, 'named');
    await waitFor(`${ns}/named gone`, () => readWorkload(ns, 'named'), (w) => w === undefined, 60_000);

    // Unset, then set to another cluster: allowed by the API server, refused by the operator.
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'mover') });
    const ran = await waitFor(`${ns}/mover role`, () => readWorkload(ns, 'mover'), (w) => condition(w, 'IAMRoleReady')?.status === 'True', 60_000);
    const roleName = ran?.status?.iamRoleArn?.split('/').pop() ?? '';
    expect(ran?.status?.clusterName).toBe(CLUSTER);
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: 'mover', body: [{ op: 'add', path: '/spec/clusterName', value: 'elsewhere' }] });
    const stalled = await waitFor(`${ns}/mover Stalled`, () => readWorkload(ns, 'mover'), (w) => condition(w, 'Stalled')?.reason === 'ClusterNameChanged', 30_000);
    expect(condition(stalled, 'Stalled')?.message).toContain(`set spec.clusterName back to ${CLUSTER}`);
    expect(stalled?.status?.clusterName).toBe(CLUSTER);
    await deleteWorkload(ns, 'mover');
    await waitFor(`${ns}/mover gone`, () => readWorkload(ns, 'mover'), (w) => w === undefined, 60_000);
    await expect(iam.send(new GetRoleCommand({ RoleName: roleName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('a profile replaced before the first rollout is deleted once the new one is ACTIVE, and the inventory shows what is used', async () => {
    await proxy.configure({ creatingDelayMs: 2_000 });
    try {
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'early', { fargateProfile: { placement: 'Dedicated' } }) });
      const creating = await waitFor(`${ns}/early profile CREATING`, () => readWorkload(ns, 'early'), (w) => w?.status?.fargateProfile?.status === 'CREATING', 30_000);
      const first = creating!.status!.fargateProfile!.name;
      expect(creating?.status?.awsResources).toContainEqual({ kind: 'FargateProfile', name: first, state: 'CREATING' });
      expect(await apps.readNamespacedDeployment({ namespace: ns, name: 'early' }).then(() => true, () => false)).toBe(false);
      // Before any pod ran: other subnets, so another profile.
      await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: 'early', body: [{ op: 'add', path: '/spec/fargateProfile/subnetIds', value: [seed.privateSubnetIds[0]] }] });
      const moved = await waitFor(
        `${ns}/early on its second profile, the first one gone`,
        async () => {
          const workload = await readWorkload(ns, 'early');
          const profiles = await profilesWithPrefix(PREFIX);
          return { workload, firstLeft: profiles.includes(first) };
        },
        // Gone from EKS, and the status (written when the operator next looks) no longer lists it.
        ({ workload, firstLeft }) =>
          !firstLeft &&
          condition(workload, 'FargateProfileReady')?.status === 'True' &&
          workload?.status?.fargateProfile?.name !== first &&
          !(workload?.status?.awsResources ?? []).some((resource) => resource.name === first),
        90_000,
      );
      const second = moved.workload!.status!.fargateProfile!.name;
      expect((moved.workload?.status?.awsResources ?? []).filter((resource) => resource.kind === 'FargateProfile')).toEqual([{ kind: 'FargateProfile', name: second, state: 'ACTIVE' }]);
      expect((moved.workload?.status?.awsResources ?? []).filter((resource) => resource.kind === 'IAMRole').map((resource) => resource.arn)).toEqual([moved.workload?.status?.iamRoleArn]);
    } finally {
      await proxy.configure({ creatingDelayMs: 0 });
      await deleteWorkload(ns, 'early').catch(() => undefined);
      await waitFor(`${ns}/early gone`, () => readWorkload(ns, 'early'), (w) => w === undefined, 90_000).catch(() => undefined);
    }
  });
});
