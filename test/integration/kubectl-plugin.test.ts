/**
 * `kubectl fargate` (bin/kubectl-fargate, built in dist/) against the local environment with the
 * operator running: the examples (examples/*.yaml on the seeded subnets, with a security group of
 * the seeded VPC in place of the made-up one, as `npm run demo` applies them) Ready with their
 * pods on Fargate nodes, a Stalled workload (a managed policy the example FargateCluster does not
 * allow) and a waiting one (its Dedicated profile held CREATING by the EKS proxy). The plugin runs
 * as a child process, and through the environment's kubectl, which finds it on PATH.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { LABEL_WORKLOAD } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { nextStepFor } from '../../src/kubectl-plugin/next-steps.js';
import { deleteExampleSecurityGroups, localExamples } from '../../scripts/dev-env/examples.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import {
  CLUSTER,
  clusterRef,
  condition,
  core,
  custom,
  deleteWorkload,
  destroyClients,
  environment,
  installSecurityGroupPolicyCrd,
  kitWorkloadManifest,
  networking,
  proxy,
  readWorkload,
  removeCluster,
  removeSecurityGroupPolicyCrd,
  seed,
  startWorkloadOperator,
  workloadRef,
} from '../support/fargate-workload-kit.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const execFileAsync = promisify(execFile);
const root = repoRoot();
const PLUGIN = join(root, 'bin/kubectl-fargate');
const suffix = Date.now().toString(36);
/** The namespace of the Stalled and the waiting workload (the examples bring their own: default and shop). */
const ns = `kfp-${suffix}`;
/** How long the waiting workload's profile stays CREATING: the tests about it run within it. */
const HOLD_MS = 45_000;
const HOSTNAME = `k8s-shop-web-${suffix}.us-east-1.elb.amazonaws.com`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** The examples, in the order applied; default/hello and shop/web. */
const EXAMPLE_WORKLOADS: [string, string][] = [
  ['default', 'hello'],
  ['shop', 'web'],
];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of every run: this test environment's kubeconfig, and no NO_COLOR from the caller. */
function runEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _ignored, ...rest } = process.env;
  return { ...rest, KUBECONFIG: environment.kubeconfigPath, ...extra };
}

/** Runs an executable to its end; a non-zero exit is a result, not an error. */
async function run(file: string, args: string[], extra: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { env: runEnvironment(extra), maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

const plugin = (args: string[], extra?: Record<string, string>): Promise<Result> => run(PLUGIN, args, extra);

const settledReady = (w: FargateWorkload | undefined): boolean => w?.status?.observedGeneration === w?.metadata.generation && condition(w, 'Ready')?.status === 'True';

/** The workload's pods that are not being deleted, by name. */
async function livePods(namespace: string, name: string): Promise<V1Pod[]> {
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: `${LABEL_WORKLOAD}=${name}` })).items;
  return pods.filter((pod) => !pod.metadata?.deletionTimestamp).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** A Ready workload whose pods all run and are ready, `replicas` of them. */
async function waitForRunning(namespace: string, name: string, replicas: number, timeoutMs = 120_000): Promise<{ workload: FargateWorkload; pods: V1Pod[] }> {
  return waitFor(
    `${namespace}/${name} Ready with ${replicas} pods Running`,
    async () => ({ workload: await readWorkload(namespace, name), pods: await livePods(namespace, name) }),
    ({ workload, pods }) =>
      settledReady(workload) &&
      workload?.status?.readyReplicas === replicas &&
      pods.length === replicas &&
      pods.every((pod) => pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    timeoutMs,
  ) as Promise<{ workload: FargateWorkload; pods: V1Pod[] }>;
}

/** The per-pod price in status, as the plugin prints it. */
const perPod = (workload: FargateWorkload): number => Number(workload.status?.capacity?.hourlyCostUSD);
const monthly = (hourly: number): number => Math.round(hourly * 730 * 100) / 100;

let under: OperatorUnderTest;
let exampleGroupIds: string[] = [];
let queuedProfile = '';

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  await installSecurityGroupPolicyCrd();
  for (const namespace of [ns, 'shop']) await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  under = await startWorkloadOperator(3_000);

  // The examples as `npm run demo` applies them: the seeded subnets and a real security group.
  const examples = await localExamples({ awsEndpoint: environment.awsEndpoint, seed, groupNamePrefix: `kfp-${suffix}` });
  exampleGroupIds = examples.securityGroupIds;
  const cluster = examples.objects.find((object): object is FargateCluster => object.kind === 'FargateCluster')!;
  expect(cluster.metadata.name).toBe(CLUSTER);
  const workloads = examples.objects.filter((object): object is FargateWorkload => object.kind === 'FargateWorkload');
  expect(workloads.map((w) => [w.metadata.namespace, w.metadata.name]).sort()).toEqual(EXAMPLE_WORKLOADS);
  const clusterFile = join(environment.tempDir, `kfp-${suffix}-cluster.yaml`);
  const workloadsFile = join(environment.tempDir, `kfp-${suffix}-workloads.yaml`);
  writeFileSync(clusterFile, stringify(cluster));
  writeFileSync(workloadsFile, workloads.map((workload) => stringify(workload)).join('---\n'));
  await kubectl(environment, ['apply', '--server-side', '-f', clusterFile]);
  await waitFor(`FargateCluster ${CLUSTER} Ready`, () => custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER }) as Promise<FargateCluster>, (c) => condition(c, 'Ready')?.status === 'True', 60_000);
  await kubectl(environment, ['apply', '--server-side', '-f', workloadsFile]);
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'greedy', { iam: { managedPolicyArns: [ADMIN] } }) });

  // Play the AWS Load Balancer Controller for the full example's Ingress.
  await waitFor('Ingress shop/web', () => networking.readNamespacedIngress({ namespace: 'shop', name: 'web' }).then(() => true, () => false), (found) => found, 60_000);
  await networking.patchNamespacedIngressStatus(
    { namespace: 'shop', name: 'web', body: { status: { loadBalancer: { ingress: [{ hostname: HOSTNAME }] } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  // The full example scales between 2 and 10 pods: the HPA brings it to 2.
  await Promise.all([waitForRunning('default', 'hello', 1), waitForRunning('shop', 'web', 2)]);
  await waitFor(`${ns}/greedy Stalled`, () => readWorkload(ns, 'greedy'), (w) => condition(w, 'Stalled')?.status === 'True', 30_000);

  // The waiting workload last, so that its profile's CREATING holds no other profile in the cluster's lane.
  await proxy.configure({ creatingDelayMs: HOLD_MS });
  await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: kitWorkloadManifest(ns, 'queued', { fargateProfile: { placement: 'Dedicated' } }) });
  const queued = await waitFor(
    `${ns}/queued waiting for its profile`,
    () => readWorkload(ns, 'queued'),
    (w) => w?.status?.fargateProfile?.status === 'CREATING' && condition(w, 'Ready')?.reason === 'Creating' && Boolean(w.status.iamRoleArn),
    30_000,
  );
  queuedProfile = queued!.status!.fargateProfile!.name;
  await proxy.configure({ creatingDelayMs: 0 });
}, 240_000);

afterAll(async () => {
  const all: [string, string][] = [...EXAMPLE_WORKLOADS, [ns, 'greedy'], [ns, 'queued']];
  await Promise.all(all.map(([namespace, name]) => deleteWorkload(namespace, name).catch(() => undefined)));
  await Promise.all(all.map(([namespace, name]) => waitFor(`${namespace}/${name} gone`, () => readWorkload(namespace, name), (w) => w === undefined, 120_000).catch(() => undefined)));
  await removeCluster(CLUSTER);
  await under?.stop();
  await removeSecurityGroupPolicyCrd().catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  await deleteExampleSecurityGroups(environment.awsEndpoint, seed, exampleGroupIds);
  for (const namespace of [ns, 'shop']) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  destroyClients();
}, 300_000);

describe('kubectl fargate', () => {
  // First, while the proxy still holds the profile CREATING (HOLD_MS from its creation).
  it('a waiting workload: status shows its profile CREATING and nothing made after it; why names the profile, the next step, exit 1', async () => {
    const roleArn = (await readWorkload(ns, 'queued'))?.status?.iamRoleArn;
    const status = await plugin(['status', 'queued', '-n', ns]);
    expect(status).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `FargateWorkload ${ns}/queued  Progressing (Creating)  $0.0000/h (0 pods × $0.0146)  cluster ${CLUSTER}`,
        `└─ FargateProfile ${queuedProfile}  CREATING`,
        `   └─ IAMRole ${roleArn}`,
        '      └─ ServiceAccount queued  <not created>',
        '         └─ Deployment queued  <not created>',
        '',
      ].join('\n'),
    });

    const why = await plugin(['why', 'queued', '-n', ns]);
    expect(why.code).toBe(1);
    expect(why.stderr).toBe('');
    const lines = why.stdout.split('\n');
    expect(lines[0]).toBe(`FargateWorkload ${ns}/queued is not Ready: Progressing (Creating)`);
    expect(lines).toContain(`  profile     Waiting  Fargate profile ${queuedProfile} (CREATING)`);
    expect(lines).toContain(`  IAM role    Ready    IAM role ${roleArn}`);
    expect(lines).toContain(`  cluster     Ready    FargateCluster ${CLUSTER}`);
    expect(lines.at(-2)).toBe(`Next step (profile): ${nextStepFor('Creating')}`);

    const json = await plugin(['why', 'queued', '-n', ns, '-o', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ready: false, health: { state: 'Progressing', reason: 'Creating' }, cause: 'fargateProfile', nextStep: nextStepFor('Creating') });
  });

  it('a Stalled workload: why names the spec and the field, with the next step, exit 1; status shows it Stalled', async () => {
    const why = await plugin(['why', 'greedy', '-n', ns]);
    expect(why.code).toBe(1);
    expect(why.stdout.split('\n')[0]).toBe(`FargateWorkload ${ns}/greedy is not Ready: Stalled (InvalidSpec)`);
    expect(why.stdout).toMatch(/\n {2}spec {8}Stalled {2}spec \(generation 1\)\n {23}InvalidSpec: spec\.iam\.managedPolicyArns\[0\]: [^\n]*AdministratorAccess/);
    expect(why.stdout).toContain(`\nNext step (spec): ${nextStepFor('InvalidSpec')}\n`);
    const report = JSON.parse((await plugin(['why', 'greedy', '-n', ns, '-o', 'json'])).stdout) as { cause: string; parts: { part: string; state: string }[] };
    expect(report.cause).toBe('spec');
    // Nothing after the spec was looked at.
    expect(report.parts.filter((part) => ['fargateProfile', 'iamRole', 'deployment'].includes(part.part)).map((part) => part.state)).toEqual(['Unknown', 'Unknown', 'Unknown']);

    const status = await plugin(['status', 'greedy', '-n', ns]);
    expect(status.stdout.split('\n').slice(0, 3)).toEqual([`FargateWorkload ${ns}/greedy  Stalled (InvalidSpec)  $0.0000/h (0 pods × $0.0146)  cluster ${CLUSTER}`, '└─ FargateProfile <none yet>', '   └─ IAMRole <none yet>']);
  });

  it('the examples: each a tree of its profile ACTIVE, role, ServiceAccount, Deployment, pods on their Fargate nodes and Ingress hostname, with the hourly cost', async () => {
    const web = (await readWorkload('shop', 'web'))!;
    const hello = (await readWorkload('default', 'hello'))!;
    // The full example's pod is 1 vCPU / 2 GB (its comment says why), the minimal one's 0.25 vCPU / 0.5 GB.
    expect(web.status?.capacity).toMatchObject({ vcpu: '1', memoryGB: '2' });
    expect(hello.status?.capacity).toMatchObject({ vcpu: '0.25', memoryGB: '0.5' });
    const podLines = (pods: V1Pod[]) => pods.map((pod, i) => `            ${i === pods.length - 1 ? '└─' : '├─'} Pod ${pod.metadata?.name}  Running  on ${pod.spec?.nodeName}`);
    const webPods = await livePods('shop', 'web');
    const helloPods = await livePods('default', 'hello');
    for (const pod of [...webPods, ...helloPods]) expect(pod.spec?.nodeName).toMatch(/^fargate-ip-10-0-[12]-\d+\.ec2\.internal$/);

    const shop = await plugin(['status', '-n', 'shop']);
    expect(shop).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `FargateWorkload shop/web  Ready  $${(2 * perPod(web)).toFixed(4)}/h (2 pods × $${perPod(web).toFixed(4)})  cluster ${CLUSTER}`,
        `└─ FargateProfile ${web.status?.fargateProfile?.name}  ACTIVE`,
        `   └─ IAMRole ${web.status?.iamRoleArn}`,
        '      └─ ServiceAccount web',
        '         └─ Deployment web  2/2 ready',
        ...podLines(webPods).map((line) => line.replace('└─', '├─')),
        `            └─ Ingress web  ${HOSTNAME}`,
        '',
      ].join('\n'),
    });
    const minimal = await plugin(['status', 'hello', '--namespace=default']);
    expect(minimal.stdout).toBe(
      [
        `FargateWorkload default/hello  Ready  $${perPod(hello).toFixed(4)}/h (1 pod × $${perPod(hello).toFixed(4)})  cluster ${CLUSTER}`,
        `└─ FargateProfile ${hello.status?.fargateProfile?.name}  ACTIVE`,
        `   └─ IAMRole ${hello.status?.iamRoleArn}`,
        '      └─ ServiceAccount hello',
        '         └─ Deployment hello  1/1 ready',
        ...podLines(helloPods),
        '',
      ].join('\n'),
    );
    // Both examples are Shared placements on the cluster's subnets: one profile.
    expect(hello.status?.fargateProfile?.name).toBe(web.status?.fargateProfile?.name);

    // -o json: a kubectl List of the documented trees, the same facts.
    const list = JSON.parse((await plugin(['status', '-n', 'shop', '-o', 'json'])).stdout) as { apiVersion: string; kind: string; items: Record<string, unknown>[] };
    expect([list.apiVersion, list.kind]).toEqual(['v1', 'List']);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      namespace: 'shop',
      name: 'web',
      cluster: CLUSTER,
      health: { state: 'Ready' },
      cost: { pods: 2, perPodHourlyUSD: perPod(web), source: 'status' },
      fargateProfile: { name: web.status?.fargateProfile?.name, state: 'ACTIVE' },
      iamRole: { arn: web.status?.iamRoleArn },
      deployment: { exists: true, readyReplicas: 2, desiredReplicas: 2 },
      pods: webPods.map((pod) => ({ name: pod.metadata?.name, phase: 'Running', ready: true, node: pod.spec?.nodeName })),
      ingress: { name: 'web', exists: true, hostname: HOSTNAME },
    });

    const why = await plugin(['why', 'web', '-n', 'shop', '-o', 'json']);
    expect(why.code).toBe(0);
    const report = JSON.parse(why.stdout) as { ready: boolean; parts: { part: string; state: string }[] };
    expect(report.ready).toBe(true);
    // The full example asks for every part: all Ready, none merely not requested.
    expect(report.parts.map((part) => `${part.part} ${part.state}`)).toEqual(
      ['cluster', 'spec', 'network', 'fargateProfile', 'iamRole', 'deployment', 'pods', 'ingress'].map((part) => `${part} Ready`),
    );
  });

  it('cost sums per namespace and per cluster, per hour and per 730-hour month', async () => {
    const web = (await readWorkload('shop', 'web'))!;
    const hello = (await readWorkload('default', 'hello'))!;
    const result = await plugin(['cost', '-A', '-o', 'json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      hoursPerMonth: number;
      namespaces: { namespace: string; pods: number; hourlyUSD: number }[];
      clusters: { cluster: string | null; workloads: number; pods: number }[];
      total: { workloads: number; pods: number; hourlyUSD: number };
    };
    expect(summary.hoursPerMonth).toBe(730);
    const webHourly = Math.round(2 * perPod(web) * 1e4) / 1e4;
    const row = (namespace: string) => summary.namespaces.find((r) => r.namespace === namespace);
    expect(row('shop')).toEqual({ namespace: 'shop', workloads: 1, pods: 2, hourlyUSD: webHourly, monthlyUSD: monthly(webHourly) });
    expect(row('default')).toEqual({ namespace: 'default', workloads: 1, pods: 1, hourlyUSD: perPod(hello), monthlyUSD: monthly(perPod(hello)) });
    // The Stalled and the waiting workload run no pods: they cost nothing yet.
    expect(row(ns)).toEqual({ namespace: ns, workloads: 2, pods: 0, hourlyUSD: 0, monthlyUSD: 0 });
    const demo = summary.clusters.find((r) => r.cluster === CLUSTER);
    expect(demo?.workloads).toBeGreaterThanOrEqual(4);
    expect(summary.total.pods).toBe(summary.namespaces.reduce((sum, r) => sum + r.pods, 0));
    expect(summary.total.hourlyUSD).toBeCloseTo(summary.namespaces.reduce((sum, r) => sum + r.hourlyUSD, 0), 4);

    const text = await plugin(['cost', '-n', 'shop']);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual(['NAMESPACE   WORKLOADS   PODS   USD/HOUR   USD/MONTH', `shop        1           2      ${webHourly.toFixed(4)}     ${monthly(webHourly).toFixed(2)}`]);
    expect(text.stdout).toMatch(new RegExp(`\\nTOTAL +1 +2 +${webHourly.toFixed(4)} +${monthly(webHourly).toFixed(2)}\\n$`));
  });

  it('kubectl finds the plugin on PATH and passes its output and exit status through', async () => {
    const path = { PATH: [join(root, 'bin'), environment.binDir, process.env.PATH ?? ''].join(delimiter) };
    const listed = await run(environment.kubectl, ['plugin', 'list'], path);
    expect(listed.stdout).toContain(PLUGIN);
    const status = await run(environment.kubectl, ['fargate', 'status', 'hello', '-n', 'default'], path);
    expect(status).toEqual(await plugin(['status', 'hello', '-n', 'default']));
    expect(status.stdout).toMatch(/^FargateWorkload default\/hello {2}Ready /);
    expect(await run(environment.kubectl, ['fargate', 'why', 'web', '-n', 'shop'], path)).toMatchObject({ code: 0 });
    expect(await run(environment.kubectl, ['fargate', 'why', 'greedy', '-n', ns], path)).toMatchObject({ code: 1 });
    expect(await run(environment.kubectl, ['fargate', 'why', 'ghost', '-n', ns], path)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): HTTP 404: fargateworkloads.fargate.eksops.dev "ghost" not found\n',
    });
  });

  it('follows kubectl\'s conventions: one-line errors and their exit codes, colour only on a terminal or when asked', async () => {
    expect(await plugin(['status', 'ghost', '-n', ns])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): HTTP 404: fargateworkloads.fargate.eksops.dev "ghost" not found\n' });
    expect(await plugin(['status', '--context', 'nowhere'])).toEqual({ code: 1, stdout: '', stderr: 'error: context "nowhere" does not exist\n' });
    const usage = await plugin(['why', 'web', '-n', 'shop', '-o', 'wide']);
    expect(usage).toEqual({ code: 2, stdout: '', stderr: 'error: why: unknown output format "wide": use one of json, yaml\n' });
    expect(await plugin(['status', '-n', 'empty-' + suffix])).toEqual({ code: 0, stdout: '', stderr: `No resources found in empty-${suffix} namespace.\n` });
    // kubectl's spellings of a boolean flag: `-A false` is no -A at all, so a NAME is allowed.
    expect(await plugin(['status', 'hello', '-n', 'default', '-A', 'false'])).toEqual(await plugin(['status', 'hello', '-n', 'default']));

    // Standard output is a pipe here: plain text, unless --color always.
    const piped = await plugin(['status', '-n', 'shop']);
    expect(piped.stdout).not.toContain('\x1b[');
    const coloured = await plugin(['status', '-n', 'shop', '--color', 'always']);
    expect(coloured.stdout).toContain('\x1b[32mReady\x1b[0m');
    // eslint-disable-next-line no-control-regex -- the ANSI colour codes are what is stripped
    expect(coloured.stdout.replace(/\x1b\[\d+m/g, '')).toBe(piped.stdout);
  });

  // Last: it waits out the rest of the hold.
  it('the waiting workload turns Ready once its profile is ACTIVE, and why then exits 0', async () => {
    const { workload, pods } = await waitForRunning(ns, 'queued', 1, HOLD_MS + 60_000);
    const status = await plugin(['status', 'queued', '-n', ns]);
    expect(status.stdout.split('\n')).toEqual([
      `FargateWorkload ${ns}/queued  Ready  $${perPod(workload).toFixed(4)}/h (1 pod × $${perPod(workload).toFixed(4)})  cluster ${CLUSTER}`,
      `└─ FargateProfile ${queuedProfile}  ACTIVE`,
      `   └─ IAMRole ${workload.status?.iamRoleArn}`,
      '      └─ ServiceAccount queued',
      '         └─ Deployment queued  1/1 ready',
      `            └─ Pod ${pods[0]?.metadata?.name}  Running  on ${pods[0]?.spec?.nodeName}`,
      '',
    ]);
    const why = await plugin(['why', 'queued', '-n', ns]);
    expect([why.code, why.stdout.split('\n')[0]]).toEqual([0, `FargateWorkload ${ns}/queued is Ready`]);
  }, HOLD_MS + 90_000);
});
