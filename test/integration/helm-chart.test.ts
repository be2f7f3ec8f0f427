/**
 * The Helm chart (deploy/helm/eks-fargate-operator) as a platform team uses it, with Helm built
 * from its Go module (scripts/dev-env/helm): `helm lint`; values.schema.json refusing bad values
 * with the field named; `helm template` equal to the kustomize base, object by object and field by
 * field (Helm's own labels apart) where the values match; and `helm install` into the local
 * environment. No container runtime runs pods here, so the installed release is proven the way the
 * image is (container-runtime.test.ts): the operator runs as a process with a token of the
 * release's own ServiceAccount (its RBAC, nothing more) and the release Deployment's flags, and
 * converges the repository's examples/ (as `npm run demo` applies them: scripts/dev-env/examples.ts)
 * on the environment's seeded EKS cluster until each is Ready; `helm uninstall` then removes the
 * release and keeps the CRDs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { isReady, type OperatorObject } from '../../scripts/demo-status.js';
import { ensureHelm } from '../../scripts/dev-env/binaries.js';
import { deleteExampleSecurityGroups, localExamples, type LocalExamples } from '../../scripts/dev-env/examples.js';
import { ensureNamespaces, kubectl } from '../../scripts/dev-env/kubectl.js';
import { assignLoadBalancers } from '../../scripts/dev-env/load-balancer-stand-in.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import {
  CLUSTER,
  clusterRef,
  core,
  custom,
  destroyClients,
  environment,
  installSecurityGroupPolicyCrd,
  networking,
  readWorkload,
  removeSecurityGroupPolicyCrd,
  seed,
  waitForProfilesSettled,
} from '../support/fargate-workload-kit.js';
import { serviceAccountKubeconfig } from '../support/operator-service-account.js';
import { startOperatorProcess } from '../support/operator-process.js';
import { waitFor } from '../support/wait-for.js';
import type { ManagedProcess } from '../../scripts/dev-env/processes.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const root = repoRoot();
const CHART = join(root, 'deploy/helm/eks-fargate-operator');
const suffix = randomBytes(3).toString('hex');
const workDir = mkdtempSync(join(tmpdir(), 'helm-chart-'));
const run = promisify(execFile);
let helm: string;
const started: ManagedProcess[] = [];
/** The examples while they are applied: afterAll deletes them (while the operator runs) if the test did not. */
let examples: (LocalExamples & { file?: string }) | undefined;

/** The values under which the chart must render what the kustomize base renders. */
const BASE_VALUES = {
  image: { repository: 'eks-fargate-operator', tag: '0.1.0' },
  serviceAccount: { roleArn: 'arn:aws:iam::111122223333:role/eks-fargate-operator' },
  namespace: { create: true },
  region: 'us-east-1',
};

/** Runs helm with the environment's kubeconfig; resolves its exit code and output, whatever the code. */
async function helmRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(helm, [...args, `--kubeconfig=${environment.kubeconfigPath}`], { cwd: workDir, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(workDir, 'cache'), HELM_CONFIG_HOME: join(workDir, 'config'), HELM_DATA_HOME: join(workDir, 'data') } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

function valuesFile(name: string, values: object): string {
  const path = join(workDir, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

function documents(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

/** Labels Helm adds for its own bookkeeping: not in the kustomize base. */
const HELM_LABELS = ['app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version', 'helm.sh/chart'];

/** The object without Helm's labels, wherever labels are (metadata, pod template). */
function withoutHelmLabels<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutHelmLabels) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'labels' && typeof field === 'object' && field !== null) {
      out[key] = Object.fromEntries(Object.entries(field).filter(([label]) => !HELM_LABELS.includes(label)));
    } else out[key] = withoutHelmLabels(field);
  }
  return out as T;
}

/** Every path where two values differ (`a.b[2].c: x != y`). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

const keyOf = (object: Manifest): string => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;

beforeAll(async () => {
  // Minutes on a cold Go cache, once per machine (cached like the other binaries).
  helm = await ensureHelm();
}, 30 * 60_000);

afterAll(async () => {
  if (examples?.file) await kubectl(environment, ['delete', '-f', examples.file, '--ignore-not-found', '--wait=true', '--timeout=120s'], 150_000).catch(() => undefined);
  await Promise.allSettled(started.map((child) => child.stop(5000)));
  if (examples) {
    // What the next suites expect: no profile in transition, no SecurityGroupPolicy CRD.
    await waitForProfilesSettled().catch(() => undefined);
    await deleteExampleSecurityGroups(environment.awsEndpoint, seed, examples.securityGroupIds);
    await removeSecurityGroupPolicyCrd().catch(() => undefined);
  }
  destroyClients();
  rmSync(workDir, { recursive: true, force: true });
}, 300_000);

test('helm lint passes with the default values and with the base\'s, strict', async () => {
  for (const args of [[], ['-f', valuesFile('base', BASE_VALUES)]]) {
    const result = await helmRun(['lint', CHART, '--strict', ...args]);
    expect({ code: result.code, errors: `${result.stdout}${result.stderr}`.split('\n').filter((line) => /\[(ERROR|WARNING)\]/.test(line)) }).toEqual({ code: 0, errors: [] });
  }
}, 120_000);

test.each([
  [{ replicas: 0 }, 'replicas'],
  [{ logLevel: 'loud' }, 'logLevel'],
  [{ serviceAccount: { roleArn: 'eks-fargate-operator' } }, 'roleArn'],
  [{ concurrency: 500 }, 'concurrency'],
  [{ iamRoleReads: 'all' }, 'iamRoleReads'],
  [{ semiSpaceMiB: 0 }, 'semiSpaceMiB'],
  [{ imagee: { repository: 'x' } }, 'imagee'],
])('values.schema.json refuses %j, naming %s', async (values, field) => {
  const result = await helmRun(['template', 'x', CHART, '-f', valuesFile(`bad-${field}`, values)]);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('values don\'t meet the specifications of the schema');
  expect(result.stderr).toContain(field);
}, 60_000);

test('two replicas without leader election are refused', async () => {
  const result = await helmRun(['template', 'x', CHART, '--set', 'leaderElection.enabled=false']);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('leaderElection.enabled=false needs replicas: 1');
}, 60_000);

test('helm template renders the kustomize base, object by object and field by field, Helm\'s labels apart', async () => {
  const chart = await helmRun(['template', 'eks-fargate-operator', CHART, '-n', 'eks-fargate-operator-system', '--include-crds', '-f', valuesFile('base', BASE_VALUES)]);
  expect(chart.stderr).toBe('');
  const rendered = new Map(documents(chart.stdout).map((object) => [keyOf(object), withoutHelmLabels(object)]));
  const base = new Map(documents((await kubectl(environment, ['kustomize', join(root, 'deploy')])).stdout).map((object) => [keyOf(object), object]));
  expect([...rendered.keys()].sort()).toEqual([...base.keys()].sort());
  const differing = [...base].flatMap(([key, object]) => differences(object, rendered.get(key)).map((difference) => `${key} ${difference}`));
  expect(differing).toEqual([]);
  // The comparison can fail: another region is one field of one object.
  const other = await helmRun(['template', 'eks-fargate-operator', CHART, '-n', 'eks-fargate-operator-system', '-f', valuesFile('base', BASE_VALUES), '--set', 'region=eu-west-1']);
  const deployment = documents(other.stdout).find((object) => object.kind === 'Deployment')!;
  expect(differences(base.get(keyOf(deployment)), withoutHelmLabels(deployment))).toEqual([
    '.spec.template.spec.containers[0].env[2].value: "us-east-1" != "eu-west-1"',
  ]);
}, 120_000);

test('the values that are not the base\'s change what they say: one replica without PDB, a ServiceMonitor, flags', async () => {
  const values = valuesFile('custom', { ...BASE_VALUES, replicas: 1, leaderElection: { enabled: false }, logLevel: 'debug', concurrency: 8, iamRoleReads: 'account', heapLimitMiB: 200, semiSpaceMiB: null, metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } } });
  const objects = documents((await helmRun(['template', 'ops', CHART, '-n', 'ops', '-f', values])).stdout);
  expect(objects.map((object) => object.kind)).not.toContain('PodDisruptionBudget');
  expect(objects.filter((object) => object.kind === 'Role')).toEqual([]);
  const monitor = objects.find((object) => object.kind === 'ServiceMonitor')!;
  expect(monitor.metadata).toMatchObject({ name: 'ops-eks-fargate-operator', namespace: 'ops', labels: { release: 'prometheus' } });
  const deployment = objects.find((object) => object.kind === 'Deployment') as Manifest & { spec: { replicas: number; strategy: object; template: { spec: { containers: { args: string[]; env: { name: string; value?: string }[] }[] } } } };
  expect(deployment.spec.replicas).toBe(1);
  // The heap cap given, and V8's own young generation when semiSpaceMiB is null.
  expect(deployment.spec.template.spec.containers[0]!.env.find((entry) => entry.name === 'NODE_OPTIONS')?.value).toBe('--max-old-space-size=200');
  // Without a Lease a rolling update would run the old and the new pod, both writing, at once.
  expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  expect(deployment.spec.template.spec.containers[0]!.args).toEqual(['--leader-elect=false', '--health-port=8081', '--metrics-port=8080', '--log-level=debug', '--iam-role-reads=account', '--concurrency=8']);
}, 60_000);

test('helm install: the release\'s ServiceAccount and flags run an operator that converges the examples; helm uninstall keeps the CRDs', async () => {
  const namespace = `helm-${suffix}`;
  const release = `eksfo-${suffix}`;
  const fullname = `${release}-eks-fargate-operator`;
  const install = await helmRun(['install', release, CHART, '-n', namespace, '--create-namespace', '--skip-crds', '--set', `serviceAccount.roleArn=arn:aws:iam::123456789012:role/${release}`, '--set', `region=${environment.region}`, '--wait=false']);
  expect(install.stderr).toBe('');
  expect(install.stdout).toContain('STATUS: deployed');
  const status = JSON.parse((await helmRun(['status', release, '-n', namespace, '-o', 'json'])).stdout) as { info: { status: string } };
  expect(status.info.status).toBe('deployed');

  // The Deployment's flags as installed, and the release's own ServiceAccount.
  const deployment = JSON.parse((await kubectl(environment, ['get', 'deployment', fullname, '-n', namespace, '-o', 'json'])).stdout) as { spec: { template: { spec: { serviceAccountName: string; containers: { args: string[] }[] } } } };
  expect(deployment.spec.template.spec.serviceAccountName).toBe(fullname);
  const kubeconfig = await serviceAccountKubeconfig(environment, core, 'helm-', { namespace, name: fullname });
  const args = deployment.spec.template.spec.containers[0]!.args.filter((arg) => !/^--(health|metrics)-port=/.test(arg));
  // The environment's AWS: its seeded EKS cluster is the examples' ("demo"), and its Fargate
  // scheduler stand-in runs the pods of that cluster's profiles.
  const operator = await startOperatorProcess({
    environment,
    identity: `helm-${suffix}`,
    // POD_NAMESPACE from the Downward API in the pod: the release namespace holds the Lease.
    args: [...args, `--kubeconfig=${kubeconfig}`, `--aws-endpoint=${environment.awsEndpoint}`, `--leader-election-namespace=${namespace}`],
    logDir: workDir,
  });
  started.push(operator.process);

  // The examples as `npm run demo` applies them (the seeded subnets, real security groups), with
  // the SecurityGroupPolicy CRD that EKS serves for the full example's security group.
  await waitForProfilesSettled();
  await installSecurityGroupPolicyCrd();
  examples = await localExamples({ awsEndpoint: environment.awsEndpoint, seed, groupNamePrefix: `helm-${suffix}` });
  const expected = examples.objects.map((object) => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
  expect(expected).toEqual([`FargateCluster /${CLUSTER}`, 'FargateWorkload shop/web', 'FargateWorkload default/hello']);
  const file = join(workDir, 'examples.yaml');
  writeFileSync(file, examples.objects.map((object) => stringify(object)).join('---\n'));
  // A suite before may have left the examples' namespace terminating: nothing can be created in it.
  await waitFor('namespace shop not terminating', () => core.readNamespace({ name: 'shop' }).then((found) => found.status?.phase, () => 'absent'), (phase) => phase !== 'Terminating', 120_000);
  await ensureNamespaces(environment, examples.files);
  await kubectl(environment, ['apply', '--server-side', '-f', file]);
  examples.file = file;

  // The full example's Ingress gets its load balancer from the AWS Load Balancer Controller, played here.
  await waitFor('the Ingress of shop/web', () => networking.listNamespacedIngress({ namespace: 'shop', labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}` }), (list) => list.items.length > 0, 120_000);
  expect((await assignLoadBalancers(environment)).map((given) => `${given.namespace}/${given.name}`)).toEqual(['shop/web']);

  const readExamples = async (): Promise<OperatorObject[]> => [
    (await custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER })) as OperatorObject,
    ...((await Promise.all([readWorkload('shop', 'web'), readWorkload('default', 'hello')])) as OperatorObject[]),
  ];
  // Converged through to the pods: Ready (a Deployment is available from its first ready pod), and
  // every pod ready: the full example's 2 (its HPA minimum) and the minimal one's 1.
  const readyPods = (objects: OperatorObject[]): (number | undefined)[] => objects.slice(1).map((object) => (object as FargateWorkload | undefined)?.status?.readyReplicas);
  const live = await waitFor(
    'every example Ready with all its pods under the Helm-installed identity',
    readExamples,
    (objects) => objects.every((object) => object && isReady(object)) && readyPods(objects).join() === '2,1',
    180_000,
  );
  expect(live.map((object) => `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name} ${isReady(object)}`)).toEqual(expected.map((key) => `${key} true`));
  expect(readyPods(live)).toEqual([2, 1]);
  // The Lease is in the release namespace, held by this operator.
  const lease = JSON.parse((await kubectl(environment, ['get', 'lease', 'eks-fargate-operator', '-n', namespace, '-o', 'json'])).stdout) as { spec: { holderIdentity: string } };
  expect(lease.spec.holderIdentity).toBe(operator.identity);

  // Cleaned up by the operator while it still runs, then the release goes.
  await kubectl(environment, ['delete', '-f', file, '--wait=true', '--timeout=120s'], 150_000);
  delete examples.file;
  await operator.process.stop(10_000);
  const uninstall = await helmRun(['uninstall', release, '-n', namespace, '--wait']);
  expect(uninstall.code).toBe(0);
  const left = await kubectl(environment, ['get', 'deployment,serviceaccount,role,rolebinding,service', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
  expect(left.stdout.trim()).toBe('');
  expect((await kubectl(environment, ['get', 'clusterrole', fullname, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('');
  expect((await kubectl(environment, ['get', 'crd', 'fargateworkloads.fargate.eksops.dev', '-o', 'name'])).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/fargateworkloads.fargate.eksops.dev');
  await kubectl(environment, ['delete', 'namespace', namespace, '--wait=false']);
  // Gone before the next suite, which may apply the examples into it again.
  await kubectl(environment, ['delete', 'namespace', 'shop', '--wait=true', '--timeout=120s'], 150_000);
}, 420_000);

test('the chart\'s version is the operator\'s', () => {
  const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  expect(chart).toMatch(new RegExp(`^version: ${version.replace(/\./g, '\\.')}$`, 'm'));
  expect(chart).toMatch(new RegExp(`^appVersion: ${version.replace(/\./g, '\\.')}$`, 'm'));
});
