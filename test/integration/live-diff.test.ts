/**
 * `eks-fargate-operator diff` (README, "Live diff") against the real API server and moto behind
 * the EKS proxy, with the operator converging a workload first. The command runs as a process, as
 * the operator's ServiceAccount (whose requests the API server's audit log records) and signing
 * AWS calls with an access key of its own (which the proxy's call log records). Cases: no change,
 * a policy change, a subnet change, a new workload; after them, the audit log holds only GET and
 * LIST requests made with diff's own token (whatever their User-Agent) and the proxy saw no AWS
 * write signed with its key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { PROFILE_LABEL } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import type { ObjectDiff, ResourceChange } from '../../src/diff/resource-change.js';
import { DIFF_USER_AGENT } from '../../src/diff/live-readers.js';
import { auditLogPath, OPERATOR_SERVICE_ACCOUNT_USER } from '../../scripts/dev-env/control-plane.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import {
  CLUSTER,
  condition,
  core,
  custom,
  deleteWorkload,
  endWorkloadSuite,
  ensureReadyCluster,
  environment,
  kitClusterManifest,
  kitWorkloadManifest,
  proxy,
  readWorkload,
  seed,
  startWorkloadOperator,
  workloadRef,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { applyOperatorRbac, serviceAccountKubeconfig } from '../support/operator-service-account.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const PREFIX = 'ldf';
const namespace = `ldf-${Date.now().toString(36)}`;
const NAME = 'api';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
/** The access key diff signs with: the proxy's call log tells its calls apart. */
const DIFF_ACCESS_KEY = 'DIFFREADONLYKEY';
const [SUBNET_A, SUBNET_B] = seed.privateSubnetIds as [string, string];
const TEST_TIMEOUT_MS = 120_000;

const cluster: FargateCluster = kitClusterManifest(PREFIX, {
  iam: { createOIDCProvider: true, allowedManagedPolicyArns: [S3_READ], allowInlinePolicies: true, inlinePolicyActions: ['sqs:*'] },
});

function workload(name: string, spec: Partial<FargateWorkload['spec']> = {}): FargateWorkload {
  return kitWorkloadManifest(namespace, name, {
    fargateProfile: { placement: 'Dedicated', subnetIds: [SUBNET_A, SUBNET_B] },
    iam: { inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] } },
    ...spec,
  });
}

let operator: OperatorUnderTest | undefined;
let workDir: string;
let kubeconfig: string;

/**
 * The ID of the token in a kubeconfig that serviceAccountKubeconfig wrote: the API server records
 * it in each audit event as user.extra["authentication.kubernetes.io/credential-id"], `JTI=<id>`.
 */
function tokenId(kubeconfigPath: string): string {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] };
  const payload = config.users[0]!.user.token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti: string }).jti;
}

/** Runs `diff` on the manifests as a process; its exit code and output. */
async function diff(manifests: object[], format: 'json' | 'text' = 'json'): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(workDir, `manifests-${Date.now()}.yaml`);
  writeFileSync(file, manifests.map((manifest) => stringify(manifest)).join('---\n'));
  const env = {
    PATH: process.env.PATH,
    HOME: workDir,
    AWS_ACCESS_KEY_ID: DIFF_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  const args = ['bin/eks-fargate-operator', 'diff', '-f', file, '--kubeconfig', kubeconfig, '--aws-endpoint', environment.awsEndpoint, '-o', format];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: repoRoot(), env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function report(stdout: string): { objects: ObjectDiff[]; summary: Record<string, number> } {
  return JSON.parse(stdout) as { objects: ObjectDiff[]; summary: Record<string, number> };
}

function changesOf(objects: ObjectDiff[], object: string): ResourceChange[] {
  const found = objects.find((diff) => diff.object === object);
  if (!found) throw new Error(`no diff for ${object} in ${JSON.stringify(objects.map((d) => d.object))}`);
  return found.changes;
}

function brief(changes: ResourceChange[]): string[] {
  return changes.map((change) => `${change.action} ${change.kind}`).sort();
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'live-diff-'));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await applyOperatorRbac(environment);
  kubeconfig = await serviceAccountKubeconfig(environment, core, 'live-diff');
  operator = await startWorkloadOperator(600_000);
  await ensureReadyCluster(cluster);
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workload(NAME) });
  await waitFor(
    `${namespace}/${NAME} Ready`,
    () => readWorkload(namespace, NAME),
    (live) => live?.status?.observedGeneration === live?.metadata.generation && condition(live, 'Ready')?.status === 'True',
    90_000,
  );
}, 180_000);

afterAll(async () => {
  await deleteWorkload(namespace, NAME);
  await waitFor(`${namespace}/${NAME} gone`, () => readWorkload(namespace, NAME), (live) => live === undefined, 90_000).catch(() => undefined);
  await endWorkloadSuite(namespace, operator);
  rmSync(workDir, { recursive: true, force: true });
}, 180_000);

test('no change: the files are what is live; exit 0', async () => {
  const result = await diff([cluster, workload(NAME)], 'text');
  expect(result.stderr).not.toMatch(/eks-fargate-operator:/);
  expect(result.stdout).toContain(`FargateCluster ${CLUSTER}\n  no change\n`);
  expect(result.stdout).toContain(`FargateWorkload ${namespace}/${NAME}\n  no change\n`);
  expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('No changes.');
  expect(result.code).toBe(0);
}, TEST_TIMEOUT_MS);

test('a policy change: the IAM role statement by statement, the attached policy, and nothing else; exit 1', async () => {
  const changed = workload(NAME, {
    iam: { managedPolicyArns: [S3_READ], inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' }] } },
  });
  const result = await diff([changed]);
  expect(result.code).toBe(1);
  const changes = changesOf(report(result.stdout).objects, `FargateWorkload ${namespace}/${NAME}`);
  expect(brief(changes)).toEqual(['change FargateWorkload', 'change IAMRole']);
  const role = changes.find((change) => change.kind === 'IAMRole')!;
  expect(role.fields).toEqual([{ path: 'attachedPolicies', to: S3_READ }]);
  expect(role.statements).toEqual([
    { policy: 'inline policy eksops-inline', removed: [{ Action: ['sqs:SendMessage'], Effect: 'Allow', Resource: ['*'] }], added: [{ Action: ['sqs:ReceiveMessage'], Effect: 'Allow', Resource: ['*'] }] },
  ]);
  const object = changes.find((change) => change.kind === 'FargateWorkload')!;
  expect(object.fields.map((field) => field.path).sort()).toEqual(['spec.iam.inlinePolicy.Statement', 'spec.iam.managedPolicyArns']);

  const text = await diff([changed], 'text');
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('      inline policy eksops-inline:\n        - {"Action":["sqs:SendMessage"],"Effect":"Allow","Resource":["*"]}\n        + {"Action":["sqs:ReceiveMessage"],"Effect":"Allow","Resource":["*"]}\n');
  expect(text.stdout).toContain(`      + attachedPolicies: "${S3_READ}"\n`);
}, TEST_TIMEOUT_MS);

test('a subnet change: a new profile, the pods relabelled, the old profile deleted once they moved; exit 1', async () => {
  const live = (await readWorkload(namespace, NAME))!;
  const oldProfile = live.status!.fargateProfile!.name;
  const result = await diff([workload(NAME, { fargateProfile: { placement: 'Dedicated', subnetIds: [SUBNET_A] } })]);
  expect(result.code).toBe(1);
  const changes = changesOf(report(result.stdout).objects, `FargateWorkload ${namespace}/${NAME}`);
  expect(brief(changes)).toEqual(['change Deployment', 'change FargateWorkload', 'create FargateProfile', 'delete FargateProfile']);
  const created = changes.find((change) => change.action === 'create')!;
  expect(created.name).not.toBe(oldProfile);
  expect(created.fields).toContainEqual({ path: 'subnets', to: [SUBNET_A] });
  expect(changes.find((change) => change.action === 'delete')).toMatchObject({ name: oldProfile, note: `once the pods run on ${created.name}` });
  const deployment = changes.find((change) => change.kind === 'Deployment')!;
  expect(deployment.fields).toContainEqual({ path: `spec.template.metadata.labels[${PROFILE_LABEL}]`, from: oldProfile, to: created.name });
}, TEST_TIMEOUT_MS);

test('a new workload: everything it becomes is created; exit 1', async () => {
  const result = await diff([workload('fresh')]);
  expect(result.code).toBe(1);
  const { objects, summary } = report(result.stdout);
  expect(brief(changesOf(objects, `FargateWorkload ${namespace}/fresh`))).toEqual([
    'create Deployment',
    'create FargateProfile',
    'create FargateWorkload',
    'create IAMRole',
    'create ServiceAccount',
  ]);
  expect(summary).toEqual({ create: 5, change: 0, replace: 0, delete: 0 });
}, TEST_TIMEOUT_MS);

test("a FargateCluster change shows its effect on the live workloads: the profile name prefix moves every profile", async () => {
  const renamed = kitClusterManifest(`${PREFIX}x`, cluster.spec.iam ? { iam: cluster.spec.iam } : {});
  const live = (await readWorkload(namespace, NAME))!;
  const result = await diff([renamed]);
  expect(result.code).toBe(1);
  const { objects } = report(result.stdout);
  expect(brief(changesOf(objects, `FargateCluster ${CLUSTER}`))).toEqual(['change FargateCluster']);
  const changes = changesOf(objects, `FargateWorkload ${namespace}/${NAME}`);
  expect(brief(changes)).toEqual(['change Deployment', 'create FargateProfile', 'delete FargateProfile']);
  expect(changes.find((change) => change.action === 'create')!.name.startsWith(`${PREFIX}x-`)).toBe(true);
  expect(changes.find((change) => change.action === 'delete')!.name).toBe(live.status!.fargateProfile!.name);
}, TEST_TIMEOUT_MS);

test('invalid files are an error, exit 2, with the problems as validate lists them', async () => {
  const result = await diff([workload(NAME, { replicas: -1 })]);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/FargateWorkload .*spec\.replicas/);
  expect(result.stderr).toContain('eks-fargate-operator: diff: the files are invalid');
}, TEST_TIMEOUT_MS);

test('diff wrote nothing: only GET and LIST in the audit log, no AWS write in the call log', async () => {
  interface AuditEvent { user?: { username?: string; extra?: Record<string, string[]> }; userAgent?: string; verb?: string; requestURI?: string }
  // Every request made with diff's token, the only one this suite issued (nothing else holds it),
  // found by the token and not by diff's User-Agent: a write from a client without that User-Agent
  // would be here too.
  const credential = `JTI=${tokenId(kubeconfig)}`;
  const events = readFileSync(auditLogPath(dirname(environment.kubeconfigPath)), 'utf8')
    .split('\n')
    .filter((line) => line.includes(credential))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.user?.username === OPERATOR_SERVICE_ACCOUNT_USER && event.user.extra?.['authentication.kubernetes.io/credential-id']?.includes(credential));
  // Four diffs of text and JSON ran: they read.
  expect(events.length).toBeGreaterThan(10);
  expect(events.filter((event) => event.verb !== 'get' && event.verb !== 'list').map((event) => `${event.verb} ${event.requestURI} (${event.userAgent})`)).toEqual([]);
  // And all through diff's read-only clients, which are the ones that carry its User-Agent.
  expect(events.filter((event) => !event.userAgent?.includes(DIFF_USER_AGENT)).map((event) => `${event.verb} ${event.requestURI} (${event.userAgent})`)).toEqual([]);

  const calls = (await proxy.calls()).filter((call) => call.accessKeyId === DIFF_ACCESS_KEY);
  expect(calls.length).toBeGreaterThan(10);
  expect(calls.filter((call) => call.write).map((call) => call.operation)).toEqual([]);
  expect(new Set(calls.map((call) => call.operation))).toEqual(
    new Set(['GetCallerIdentity', 'DescribeFargateProfile', 'GetRole', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetRolePolicy', 'ListOpenIDConnectProviders', 'GetOpenIDConnectProvider', 'DescribeSubnets', 'DescribeRouteTables', 'DescribeVpcAttribute', 'DescribeVpcEndpoints']),
  );
}, TEST_TIMEOUT_MS);
