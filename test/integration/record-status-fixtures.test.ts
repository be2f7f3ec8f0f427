/**
 * Status fixtures for the Argo CD health checks, taken from the real operator: the workload
 * reconciler and the cluster reconciler run in-process against the real API server and moto, and
 * each state the health check tells apart (Progressing, Degraded, Healthy) is reached for real.
 *
 * With RECORD_FIXTURES=1 the objects are written to
 * deploy/argocd/resource_customizations/fargate.eksops.dev/<Kind>/testdata/recorded-<state>.yaml.
 * Without it the committed files are compared with what the operator produces now, in what the
 * health check reads (condition types, statuses and reasons; observedGeneration against
 * generation), so a change in the operator's status shape fails here until it is re-recorded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Condition, FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { createFargateClusterReconciler } from '../../src/operator/reconcilers/fargate-cluster.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import {
  CLUSTER,
  clusterRef,
  condition,
  core,
  custom,
  deleteWorkload,
  eks,
  ensureReadyCluster,
  proxy,
  readWorkload,
  seed,
  workloadRef,
  endWorkloadSuite,
} from '../support/fargate-workload-kit.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { waitFor } from '../support/wait-for.js';
import { ListFargateProfilesCommand } from '@aws-sdk/client-eks';

const RECORD = process.env.RECORD_FIXTURES === '1';
const CUSTOMIZATIONS = join(repoRoot(), 'deploy/argocd/resource_customizations/fargate.eksops.dev');
const PREFIX = 'rec';
const TEST_TIMEOUT_MS = 180_000;
const suffix = Date.now().toString(36);
const namespace = `rec-${suffix}`;
/** The namespace the fixtures show: the live one carries a run suffix. */
const FIXTURE_NAMESPACE = 'shop';

/** What a fixture holds: enough of the object for the health check, nothing from the run's identity. */
interface Fixture {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: { observedGeneration?: number; conditions?: Condition[] } & Record<string, unknown>;
}

/** The object as a fixture, with the run's namespace replaced by a stable one everywhere. */
function toFixture(object: FargateWorkload | FargateCluster): Fixture {
  const fixture: Fixture = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: object.metadata.name ?? '',
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      ...(object.metadata.generation !== undefined ? { generation: object.metadata.generation } : {}),
    },
    ...(object.status ? { status: object.status as Fixture['status'] } : {}),
  };
  return JSON.parse(JSON.stringify(fixture).split(namespace).join(FIXTURE_NAMESPACE)) as Fixture;
}

/** What the health check reads from a fixture; the comparison ignores messages, times and names. */
function healthShape(fixture: Fixture): unknown {
  const observed = fixture.status?.observedGeneration;
  const generation = fixture.metadata.generation;
  const relation = observed === undefined ? 'unobserved' : generation !== undefined && observed < generation ? 'lags' : 'current';
  const conditions = (fixture.status?.conditions ?? [])
    .map((c) => ({ type: c.type, status: c.status, reason: c.reason }))
    .sort((a, b) => a.type.localeCompare(b.type));
  return { kind: fixture.kind, relation, conditions };
}

const fixturePath = (kind: string, state: string): string => join(CUSTOMIZATIONS, kind, 'testdata', `recorded-${state}.yaml`);

/** Records the fixture (RECORD_FIXTURES=1) or checks the committed one has the same health shape. */
function recordOrCompare(state: string, object: FargateWorkload | FargateCluster): void {
  const fixture = toFixture(object);
  const path = fixturePath(fixture.kind, state);
  if (RECORD) {
    const header = `# Recorded from the real operator by test/integration/record-status-fixtures.test.ts\n# (RECORD_FIXTURES=1 npm run test:integration -- record-status-fixtures); do not edit by hand.\n`;
    writeFileSync(path, header + stringify(fixture));
    return;
  }
  const committed = parse(readFileSync(path, 'utf8')) as Fixture;
  try {
    expect(healthShape(fixture)).toEqual(healthShape(committed));
  } catch (error) {
    const hint = `${path} no longer matches the operator's status: if the change is intended, run RECORD_FIXTURES=1 npm run test:integration -- record-status-fixtures, copy changed messages into health_test.yaml, and run test/unit/argocd-health.test.ts`;
    throw new Error(`${hint}\n${error instanceof Error ? error.message : String(error)}`);
  }
}

function clusterManifest(maxProfiles = 10): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: {
      region: seed.region,
      subnetIds: seed.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles, namePrefix: PREFIX },
      iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [], allowInlinePolicies: false, createOIDCProvider: true },
    },
  };
}

function workloadManifest(name: string, cpu = '250m', placement: 'Shared' | 'Dedicated' = 'Shared'): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      fargateProfile: { placement },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu, memory: '512Mi' } } }] },
      },
    },
  };
}

const current = (w: FargateWorkload | undefined): boolean => w?.status?.observedGeneration !== undefined && w.status.observedGeneration === w.metadata.generation;
const NAMES = ['web', 'huge', 'extra'] as const;
let under: OperatorUnderTest;
let cluster: FargateCluster;

beforeAll(async () => {
  // A profile held CREATING long enough to be seen mid-way.
  await proxy.configure({ creatingDelayMs: 3_000, deletingDelayMs: 500, faults: [] });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler, cluster: createFargateClusterReconciler }, resyncPeriodMs: 3_000 });
  cluster = await ensureReadyCluster(clusterManifest());
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  for (const name of NAMES) await deleteWorkload(namespace, name).catch(() => undefined);
  for (const name of NAMES) {
    await waitFor(`${namespace}/${name} gone`, () => readWorkload(namespace, name), (w) => w === undefined, 60_000).catch(() => undefined);
  }
  await endWorkloadSuite(namespace, under);
}, 240_000);

describe('status fixtures recorded from the real operator', () => {
  it('a Ready FargateCluster', () => {
    expect(condition(cluster, 'Ready')?.status).toBe('True');
    recordOrCompare('ready', cluster);
  });

  it('a new workload: Progressing while its profile is CREATING, then Ready', async () => {
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workloadManifest('web') });
    const progressing = await waitFor(
      `${namespace}/web reconciling`,
      () => readWorkload(namespace, 'web'),
      // Creating, not WaitingInLane: a profile another suite left DELETING may hold the lane first.
      (w) => current(w) && condition(w, 'Reconciling')?.status === 'True' && condition(w, 'FargateProfileReady')?.reason === 'Creating',
    );
    expect(condition(progressing, 'Ready')?.status).not.toBe('True');
    expect(condition(progressing, 'Stalled')?.status).not.toBe('True');
    recordOrCompare('progressing', progressing!);

    const ready = await waitFor(
      `${namespace}/web Ready`,
      async () => {
        return readWorkload(namespace, 'web');
      },
      (w) => current(w) && condition(w, 'Ready')?.status === 'True',
      90_000,
    );
    recordOrCompare('ready', ready!);
  }, TEST_TIMEOUT_MS);

  it('an edit not yet observed: generation ahead of observedGeneration', async () => {
    // Stop the operator so the edit cannot be observed before it is read back.
    await under.stop();
    try {
      await custom.patchNamespacedCustomObject({ ...workloadRef, namespace, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] });
      const lagging = await readWorkload(namespace, 'web');
      expect(lagging?.status?.observedGeneration).toBeLessThan(lagging?.metadata.generation ?? 0);
      recordOrCompare('generation-lags', lagging!);
    } finally {
      under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler, cluster: createFargateClusterReconciler }, resyncPeriodMs: 3_000 });
    }
  }, TEST_TIMEOUT_MS);

  it('an invalid workload (20 vCPU): Stalled with InvalidSpec', async () => {
    const huge = workloadManifest('huge', '10');
    huge.spec.template.spec.containers.push({ name: 'second', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '10', memory: '1Gi' } } });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: huge });
    const stalled = await waitFor(`${namespace}/huge Stalled`, () => readWorkload(namespace, 'huge'), (w) => current(w) && condition(w, 'Stalled')?.status === 'True');
    expect(condition(stalled, 'Stalled')?.reason).toBe('InvalidSpec');
    recordOrCompare('stalled-invalid-spec', stalled!);
  }, TEST_TIMEOUT_MS);

  it('a Dedicated workload over the profile quota: Stalled with ProfileQuotaExceeded', async () => {
    const existing = (await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }))).fargateProfileNames ?? [];
    await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'replace', path: '/spec/profiles/maxProfiles', value: existing.length }] });
    try {
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workloadManifest('extra', '250m', 'Dedicated') });
      const stalled = await waitFor(`${namespace}/extra Stalled`, () => readWorkload(namespace, 'extra'), (w) => current(w) && condition(w, 'Stalled')?.status === 'True');
      expect(condition(stalled, 'Stalled')?.reason).toBe('ProfileQuotaExceeded');
      recordOrCompare('stalled-profile-quota', stalled!);
    } finally {
      await deleteWorkload(namespace, 'extra');
      await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'replace', path: '/spec/profiles/maxProfiles', value: 10 }] });
    }
  }, TEST_TIMEOUT_MS);
});
