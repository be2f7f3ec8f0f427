/**
 * Every failure of a FargateWorkload reaches its status (issue 10, item 2), on the real API server
 * and moto behind the EKS proxy: a managed policy that matches the allow-list but does not exist
 * stalls PolicyNotFound naming it; a pod template the API server refuses for the Deployment stalls
 * InvalidSpec with the field path; 100% IAM throttling shows Reconciling with the throttling message
 * and the next retry time, then Ready once it stops; an IAM call that hangs fails after the
 * operator's deadline, while another workload converges meanwhile.
 */
import { planIrsaRole } from '../../src/plan/index.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import {
  CLUSTER,
  condition,
  core,
  custom,
  deleteWorkload,
  destroyClients,
  ensureReadyCluster,
  kitClusterManifest,
  kitWorkloadManifest,
  proxy,
  readWorkload,
  removeCluster,
  seed,
  workloadRef,
} from '../support/fargate-workload-kit.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wfl';
const suffix = Date.now().toString(36);
const ns = `wfl-${suffix}`;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
/** Matches the platform's allow-list pattern, but no such policy exists in the account. */
const MISSING_POLICY = `arn:aws:iam::${seed.accountId}:policy/app-missing-${suffix}`;
/** Short, so that the hung-call case needs no long wait: one attempt of one call. */
const CALL_TIMEOUT_MS = 1_500;
/** Within the Retry-After the message promises: a retry time in ISO form. */
const RETRY_AT = /retrying in [0-9.]+ (ms|s|min) \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/;

function clusterManifest(): FargateCluster {
  return kitClusterManifest(PREFIX, { iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ, `arn:aws:iam::${seed.accountId}:policy/app-*`], createOIDCProvider: true } });
}

function workloadManifest(name: string, spec: Partial<FargateWorkload['spec']> = {}): FargateWorkload {
  return kitWorkloadManifest(ns, name, { replicas: 1, iam: { managedPolicyArns: [S3_READ] }, ...spec });
}

let under: OperatorUnderTest;
const created: string[] = [];

async function createWorkload(manifest: FargateWorkload): Promise<void> {
  created.push(manifest.metadata.name ?? '');
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: manifest });
}

/** Reads the workload until `done` holds, playing the Deployment controller meanwhile. */
function waitForWorkload(name: string, what: string, done: (workload: FargateWorkload | undefined) => boolean, timeoutMs = 60_000): Promise<FargateWorkload | undefined> {
  return waitFor(
    `${ns}/${name} ${what}`,
    async () => {
      return readWorkload(ns, name);
    },
    done,
    timeoutMs,
  );
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler }, awsCallTimeoutMs: CALL_TIMEOUT_MS });
  await ensureReadyCluster(clusterManifest());
});

afterAll(async () => {
  await proxy.configure({ faults: [] });
  for (const name of created) await deleteWorkload(ns, name);
  for (const name of created) await waitForWorkload(name, 'gone', (workload) => workload === undefined, 60_000).catch(() => undefined);
  await removeCluster(CLUSTER);
  await under?.stop();
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  destroyClients();
});

afterEach(async () => {
  await proxy.configure({ faults: [] });
});

it('a managed policy the allow-list admits but the account lacks stalls PolicyNotFound naming the ARN, within a minute', async () => {
  await createWorkload(workloadManifest('missing-policy', { iam: { managedPolicyArns: [S3_READ, MISSING_POLICY] } }));
  const stalled = await waitForWorkload('missing-policy', 'Stalled PolicyNotFound', (w) => condition(w, 'Stalled')?.reason === 'PolicyNotFound', 60_000);
  expect(condition(stalled, 'Stalled')?.message).toContain(MISSING_POLICY);
  expect(condition(stalled, 'IAMRoleReady')).toMatchObject({ status: 'False', reason: 'PolicyNotFound', message: expect.stringContaining('spec.iam.managedPolicyArns') });
  expect(condition(stalled, 'Ready')?.status).toBe('False');
  const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=missing-policy,reason=PolicyNotFound' });
  expect(events.items.length).toBeGreaterThanOrEqual(1);
  // Stalled is terminal: the key's backoff is forgotten, nothing retries until the spec changes.
  expect(under.operator.controllers.workload?.queue.numRequeues(`${ns}/missing-policy`)).toBe(0);

  // Fixing the spec converges it.
  await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: ns, name: 'missing-policy', body: [{ op: 'replace', path: '/spec/iam/managedPolicyArns', value: [S3_READ] }] });
  await waitForWorkload('missing-policy', 'Ready', (w) => condition(w, 'Ready')?.status === 'True');
});

it('a pod template the API server refuses for the Deployment stalls InvalidSpec with the field path', async () => {
  // The CRD schema cannot know which volumes exist; the Deployment's own validation does.
  const manifest = workloadManifest('unmounted');
  manifest.spec.template.spec.containers[0]!.volumeMounts = [{ name: 'missing', mountPath: '/data' }];
  await createWorkload(manifest);
  const stalled = await waitForWorkload('unmounted', 'Stalled InvalidSpec', (w) => condition(w, 'Stalled')?.reason === 'InvalidSpec');
  expect(condition(stalled, 'WorkloadAvailable')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  expect(condition(stalled, 'Stalled')?.message).toContain('spec.template.spec.containers[0].volumeMounts[0].name');
  expect(condition(stalled, 'Stalled')?.message).toMatch(/^the API server refused Deployment unmounted: HTTP 422 Invalid: /);
  // The rest of the workload converged: its role and profile are there.
  expect(condition(stalled, 'IAMRoleReady')?.status).toBe('True');
  expect(condition(stalled, 'FargateProfileReady')?.status).toBe('True');
});

it('under 100% IAM throttling a workload shows Reconciling with the throttling message and the retry time, then Ready', async () => {
  await proxy.configure({ faults: [{ operation: 'iam:*', kind: 'throttle' }] });
  await createWorkload(workloadManifest('throttled'));
  const throttled = await waitForWorkload('throttled', 'Reconciling Throttling', (w) => condition(w, 'Reconciling')?.reason === 'Throttling');
  const reconciling = condition(throttled, 'Reconciling');
  expect(reconciling?.status).toBe('True');
  expect(reconciling?.message).toMatch(/^AWS iam:\w+ failed: Throttling: Rate exceeded \(HTTP 400\); /);
  expect(reconciling?.message).toMatch(RETRY_AT);
  expect(condition(throttled, 'Stalled')?.status).toBe('False');
  expect(condition(throttled, 'Ready')?.status).toBe('False');
  await proxy.configure({ faults: [] });
  await waitForWorkload('throttled', 'Ready', (w) => condition(w, 'Ready')?.status === 'True', 90_000);
});

it('an IAM call that hangs fails after the deadline (Reconciling Timeout) while another workload converges', async () => {
  const hungRole = planIrsaRole(workloadManifest('hung'), clusterManifest(), { accountId: seed.accountId, region: seed.region, oidcIssuer: seed.oidcIssuer }).name;
  // A new workload's first IAM call is CreateRole (no role recorded in its status yet).
  await proxy.configure({ faults: [{ operation: 'iam:CreateRole', requestContains: `RoleName=${hungRole}`, kind: 'hang' }] });
  const started = Date.now();
  await createWorkload(workloadManifest('hung'));
  await createWorkload(workloadManifest('healthy'));
  await waitForWorkload('healthy', 'Ready', (w) => condition(w, 'Ready')?.status === 'True');
  const timedOut = await waitForWorkload('hung', 'Reconciling Timeout', (w) => condition(w, 'Reconciling')?.reason === 'Timeout');
  expect(condition(timedOut, 'Reconciling')?.message).toMatch(/^AWS iam:CreateRole failed: TimeoutError: .*; retrying in /);
  // The SDK's three attempts, each ended by the deadline: far sooner than an unbounded wait.
  expect(Date.now() - started).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS);
  const hung = (await proxy.calls()).filter((call) => call.injected === 'hang');
  expect(hung.length).toBeGreaterThanOrEqual(1);
  await proxy.configure({ faults: [] });
  await waitForWorkload('hung', 'Ready', (w) => condition(w, 'Ready')?.status === 'True', 90_000);
});
