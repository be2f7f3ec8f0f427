/**
 * The Helm chart (deploy/helm/eks-fargate-operator) as a platform team uses it, with Helm built
 * from its Go module (scripts/dev-env/helm): `helm lint`; values.schema.json refusing bad values
 * with the field named; `helm template` equal to the kustomize base, object by object and field by
 * field (Helm's own labels apart) where the values match; and `helm install` into the local
 * environment. No container runtime runs pods here, so the installed release is proven the way the
 * image is (container-runtime.test.ts): the operator runs as a process with a token of the
 * release's own ServiceAccount (its RBAC, nothing more) and the release Deployment's flags, and
 * converges a FargateCluster and a FargateWorkload; `helm uninstall` then removes the release and
 * keeps the CRDs.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { ensureHelm } from '../../scripts/dev-env/binaries.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { serviceAccountKubeconfig } from '../support/operator-service-account.js';
import { startOperatorProcess } from '../support/operator-process.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';
import { fleetManifests, readyWorkloadCount } from '../support/workload-fleet.js';
import type { ManagedProcess } from '../../scripts/dev-env/processes.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const root = repoRoot();
const CHART = join(root, 'deploy/helm/eks-fargate-operator');
const environment = readTestEnvironment();
const suffix = randomBytes(3).toString('hex');
const workDir = mkdtempSync(join(tmpdir(), 'helm-chart-'));
const run = promisify(execFile);
let helm: string;
let stack: AwsTestStack | undefined;
const started: ManagedProcess[] = [];

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
  await Promise.allSettled(started.map((child) => child.stop(5000)));
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
}, 120_000);

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
  const values = valuesFile('custom', { ...BASE_VALUES, replicas: 1, leaderElection: { enabled: false }, logLevel: 'debug', concurrency: 8, metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } } });
  const objects = documents((await helmRun(['template', 'ops', CHART, '-n', 'ops', '-f', values])).stdout);
  expect(objects.map((object) => object.kind)).not.toContain('PodDisruptionBudget');
  expect(objects.filter((object) => object.kind === 'Role')).toEqual([]);
  const monitor = objects.find((object) => object.kind === 'ServiceMonitor')!;
  expect(monitor.metadata).toMatchObject({ name: 'ops-eks-fargate-operator', namespace: 'ops', labels: { release: 'prometheus' } });
  const deployment = objects.find((object) => object.kind === 'Deployment') as Manifest & { spec: { replicas: number; strategy: object; template: { spec: { containers: { args: string[] }[] } } } };
  expect(deployment.spec.replicas).toBe(1);
  // Without a Lease a rolling update would run the old and the new pod, both writing, at once.
  expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  expect(deployment.spec.template.spec.containers[0]!.args).toEqual(['--leader-elect=false', '--health-port=8081', '--metrics-port=8080', '--log-level=debug', '--concurrency=8']);
}, 60_000);

test('helm install: the release\'s ServiceAccount and flags run an operator that converges a workload; helm uninstall keeps the CRDs', async () => {
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
  const clusterName = `helm-${suffix}`;
  stack = await startAwsTestStack({ clusterName, region: environment.region, proxy: { creatingDelayMs: 500, deletingDelayMs: 500 } });
  await stack.placePods({ kubeconfigPath: environment.kubeconfigPath, logFile: join(workDir, 'fargate-scheduler.log') });
  const core = loadKubeConfig({ kubeconfig: environment.kubeconfigPath }).makeApiClient(CoreV1Api);
  const kubeconfig = await serviceAccountKubeconfig(environment, core, 'helm-', { namespace, name: fullname });
  const args = deployment.spec.template.spec.containers[0]!.args.filter((arg) => !/^--(health|metrics)-port=/.test(arg));
  const operator = await startOperatorProcess({
    environment,
    identity: `helm-${suffix}`,
    // POD_NAMESPACE from the Downward API in the pod: the release namespace holds the Lease.
    args: [...args, `--kubeconfig=${kubeconfig}`, `--aws-endpoint=${stack.proxy.url}`, `--leader-election-namespace=${namespace}`],
    logDir: workDir,
  });
  started.push(operator.process);

  const workloadNamespace = `helm-app-${suffix}`;
  await kubectl(environment, ['create', 'namespace', workloadNamespace]);
  const manifests = fleetManifests({ clusterName, region: environment.region, subnetIds: stack.seed.privateSubnetIds, profileNamePrefix: `hm${suffix}`, rolePath: `/helm${suffix}/`, workloads: [{ namespace: workloadNamespace, name: 'app' }] });
  const file = join(workDir, 'manifests.yaml');
  writeFileSync(file, manifests.map((manifest) => stringify(manifest)).join('---\n'));
  await kubectl(environment, ['apply', '--server-side', '-f', file]);
  await waitFor('the workload Ready under the Helm-installed identity', () => readyWorkloadCount(environment, [workloadNamespace]), (ready) => ready === 1, 120_000);
  // The Lease is in the release namespace, held by this operator.
  const lease = JSON.parse((await kubectl(environment, ['get', 'lease', 'eks-fargate-operator', '-n', namespace, '-o', 'json'])).stdout) as { spec: { holderIdentity: string } };
  expect(lease.spec.holderIdentity).toBe(operator.identity);

  // Cleaned up by the operator while it still runs, then the release goes.
  await kubectl(environment, ['delete', '-f', file, '--wait=true', '--timeout=120s']);
  await operator.process.stop(10_000);
  const uninstall = await helmRun(['uninstall', release, '-n', namespace, '--wait']);
  expect(uninstall.code).toBe(0);
  const left = await kubectl(environment, ['get', 'deployment,serviceaccount,role,rolebinding,service', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
  expect(left.stdout.trim()).toBe('');
  expect((await kubectl(environment, ['get', 'clusterrole', fullname, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('');
  expect((await kubectl(environment, ['get', 'crd', 'fargateworkloads.fargate.eksops.dev', '-o', 'name'])).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/fargateworkloads.fargate.eksops.dev');
  await kubectl(environment, ['delete', 'namespace', namespace, workloadNamespace, '--wait=false']);
}, 300_000);

test('the chart\'s version is the operator\'s', () => {
  const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  expect(chart).toMatch(new RegExp(`^version: ${version.replace(/\./g, '\\.')}$`, 'm'));
  expect(chart).toMatch(new RegExp(`^appVersion: ${version.replace(/\./g, '\\.')}$`, 'm'));
});
