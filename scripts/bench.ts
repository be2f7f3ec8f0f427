// `npm run bench [-- --workloads 1000 --namespaces 50 ...]`: the scale benchmark. For each size
// (100, 300 and --workloads by default) it starts a fresh local environment (kube-apiserver and
// etcd, moto behind the EKS proxy with its CREATING delay) and the operator as a process, creates
// one FargateCluster and N FargateWorkloads over M namespaces, and measures the operator: time to
// Ready, AWS calls and Kubernetes writes per workload, a steady resync, memory, CPU, event-loop
// lag, and deleting everything until the AWS account is clean. It prints a table (and, with
// --compare FILE, a saved run beside it) and writes the figures as JSON. It measures; it never
// fails on a slow machine (only when the run itself breaks: a workload that never gets Ready).
//
// --operator bundle (default) starts the one-file bundle the image runs (`npm run bundle`),
// --operator dist bin/eks-fargate-operator on tsc's dist/ (scripts/bench/operator-entry.ts).
//
// Modes: `operator` (default) runs only etcd and kube-apiserver, and the benchmark marks each
// Deployment available and each Ingress provisioned the moment they exist, so every figure is
// the operator's own; `e2e` runs the controller manager, scheduler, simulated nodes (KWOK) and
// the Fargate scheduler stand-in, so real pods must be scheduled and become ready.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../src/api/constants.js';
import { loadKubeConfig } from '../src/kube/kube-config.js';
import { makeKubeApiClient } from '../src/kube/api-clients.js';
import { parseDuration } from '../src/operator/run-options.js';
import { benchCluster, benchNamespaces, benchWorkload, parsePlacements, type BenchScenario } from './bench/bench-scenario.js';
import { counterBy, difference, parsePrometheusText, percentile, perUnit, renderOperations, renderTable, round, sum, type BenchFigures, type BenchRun, type PromSample } from './bench/bench-figures.js';
import { AvailabilityMarker, BENCH_USER_AGENT, ReadyTracker } from './bench/bench-watchers.js';
import { renderHeapSummary, summarizeHeapSnapshot, type HeapSnapshot, type HeapSummary } from './bench/heap-summary.js';
import { DEPLOYED_NODE_OPTIONS, operatorEntry, parseOperatorBuild } from './bench/operator-entry.js';
import { mib, ProcessSampler } from './bench/process-sampler.js';
import { startEnvironment, type Environment } from './dev-env/launcher.js';
import { freePort, LOOPBACK } from './dev-env/ports.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './dev-env/processes.js';
import { ensureNodeRelease, NODE_RELEASES } from './dev-env/node-runtime.js';
import { repoRoot } from './dev-env/repo-root.js';
import { EMULATOR_CREDENTIALS } from './dev-env/seed.js';

const USAGE = `npm run bench -- [--workloads N] [--namespaces M] [--sizes 100,300,1000] [--mode operator|e2e]
  [--placement Shared|Namespace|Dedicated|Shared=0.9,Namespace=0.1] [--policies 0-4] [--ingress-share 0-1]
  [--creating-delay 2s] [--resync 2m] [--concurrency N] [--iam-role-reads staggered|per-role|account] [--operator bundle|dist] [--node 22|current] [--node-options="${DEPLOYED_NODE_OPTIONS}"] [--log-level info|debug] [--heap-snapshot] [--out FILE] [--compare FILE]`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    workloads: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '50' },
    sizes: { type: 'string' },
    mode: { type: 'string', default: 'operator' },
    placement: { type: 'string', default: 'Shared' },
    policies: { type: 'string', default: '1' },
    'ingress-share': { type: 'string', default: '0' },
    'creating-delay': { type: 'string', default: '2s' },
    // Longer than 1,000 workloads take to converge here, so that no resync falls in the create phase.
    resync: { type: 'string', default: '2m' },
    concurrency: { type: 'string' },
    // The operator's --iam-role-reads: account shares one GetAccountAuthorizationDetails per resync pass.
    'iam-role-reads': { type: 'string', default: 'staggered' },
    // The build the image runs by default, so that the figures are production's.
    operator: { type: 'string', default: 'bundle' },
    // The Node.js the operator runs on: by default the pinned release of the image's line (fetched
    // from the npm registry into the binary cache, scripts/dev-env/node-runtime.ts), or this process's.
    node: { type: 'string', default: '22' },
    out: { type: 'string' },
    compare: { type: 'string' },
    // The deployments' heap cap and young generation (deploy/base, Helm), so that the figures are production's.
    'node-options': { type: 'string', default: DEPLOYED_NODE_OPTIONS },
    'log-level': { type: 'string', default: 'info' },
    // A V8 heap snapshot of the operator after the steady resync, summed by kind of object.
    'heap-snapshot': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${flag} takes a whole number of at least ${min}, not "${text}"`);
  return value;
}

const workloads = wholeNumber('workloads', values.workloads, 1);
const namespaces = wholeNumber('namespaces', values.namespaces, 1);
const sizes = values.sizes ? [...new Set(values.sizes.split(',').map((s) => wholeNumber('sizes', s.trim(), 1)))] : [...new Set([100, 300, workloads].filter((n) => n <= workloads))];
sizes.sort((a, b) => a - b);
if (values.mode !== 'operator' && values.mode !== 'e2e') throw new Error(`--mode takes operator or e2e, not "${values.mode}"`);
const mode: 'operator' | 'e2e' = values.mode;
const placements = parsePlacements(values.placement);
const policies = wholeNumber('policies', values.policies, 0);
const ingressShare = Number(values['ingress-share']);
if (!(ingressShare >= 0 && ingressShare <= 1)) throw new Error(`--ingress-share takes a share from 0 to 1, not "${values['ingress-share']}"`);
function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`--${flag} takes a duration such as 2s or 500ms, not "${text}"`);
  return ms;
}
const creatingDelayMs = duration('creating-delay', values['creating-delay']);
const resyncMs = duration('resync', values.resync);
const concurrency = values.concurrency === undefined ? undefined : wholeNumber('concurrency', values.concurrency, 1);
if (values.node !== 'current' && !(Number(values.node) in NODE_RELEASES)) {
  console.error(`--node must be current or one of ${Object.keys(NODE_RELEASES).join(', ')} (a pinned release), not "${values.node}"`);
  process.exit(2);
}
const operatorNode = values.node === 'current' ? process.execPath : await ensureNodeRelease(Number(values.node));
const operatorBuild = parseOperatorBuild(values.operator);
const saved = values.compare ? (JSON.parse(readFileSync(values.compare, 'utf8')) as BenchRun) : undefined;

const root = repoRoot();
// Checked before any environment starts: a missing or stale bundle fails at once.
const operatorScript = operatorEntry(root, operatorBuild);
const benchDir = join(root, '.dev-env', 'bench');
mkdirSync(benchDir, { recursive: true });
/** How long one phase (all Ready, all deleted, account clean) may take before the run is called broken. */
const PHASE_TIMEOUT_MS = 30 * 60_000;
/** Workload creates in flight at once from the benchmark (a kubectl apply of many files does about this). */
const CREATE_CONCURRENCY = 16;

const say = (line: string): void => console.log(`[bench] ${line}`);

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = PHASE_TIMEOUT_MS, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs `work` over `items`, at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function scrape(port: number): Promise<PromSample[]> {
  const get = async (): Promise<string> => (await fetch(`http://${LOOPBACK}:${port}/metrics`)).text();
  // A kept-alive connection the busy operator closed as it was reused (ECONNRESET) is tried once more, on a new one.
  return parsePrometheusText(await get().catch(get));
}

const kubeKey = (labels: Record<string, string>): string => `${labels.verb ?? ''} ${labels.resource ?? ''}`;
const isKubeWrite = (key: string): boolean => /^(create|update|patch|delete|deletecollection) /.test(key);
const queueDepth = (samples: PromSample[]): number => sum(samples.filter((s) => s.name === 'eksfo_queue_depth').map((s) => s.value));
const activeWorkers = (samples: PromSample[]): number => sum(samples.filter((s) => s.name === 'eksfo_active_workers').map((s) => s.value));

/** The operator's NODE_OPTIONS: --node-options, and with --heap-snapshot a snapshot on SIGUSR2 into the environment's folder. */
function nodeOptions(environment: Environment): string {
  const heap = values['heap-snapshot'] ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${environment.tempDir}` : '';
  return [values['node-options'] ?? '', heap].filter(Boolean).join(' ');
}

/**
 * Makes the operator write a heap snapshot (SIGUSR2, --heapsnapshot-signal) and sums it by kind
 * of object. The process writes it synchronously, paused meanwhile: done once it answers again.
 */
async function heapSnapshot(pid: number, dir: string, port: number): Promise<HeapSummary> {
  const before = new Set(readdirSync(dir).filter((file) => file.endsWith('.heapsnapshot')));
  process.kill(pid, 'SIGUSR2');
  let file: string | undefined;
  await waitUntil('the heap snapshot', async () => {
    file ??= readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    // /metrics answers only once the process runs JavaScript again, that is, after the write.
    return file !== undefined && (await scrape(port).then(() => true, () => false));
  }, 300_000, 500);
  const path = join(dir, file as string);
  const summary = summarizeHeapSnapshot(JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot, 15);
  copyFileSync(path, join(benchDir, 'operator.heapsnapshot'));
  rmSync(path, { force: true });
  return summary;
}

/** The operator process, started against the environment with leader election off. */
async function startOperator(environment: Environment, size: number): Promise<{ process: ManagedProcess; port: number }> {
  const port = await freePort();
  const child = startProcess({
    name: `operator-${size}`,
    command: operatorNode,
    args: [
      operatorScript,
      'run',
      `--kubeconfig=${environment.kubeconfigPath}`,
      `--region=${environment.region}`,
      `--aws-endpoint=${environment.awsEndpoint}`,
      '--leader-elect=false',
      `--health-bind-address=${LOOPBACK}`,
      `--health-port=${port}`,
      `--log-level=${values['log-level']}`,
      `--resync=${values.resync}`,
      ...(concurrency === undefined ? [] : [`--concurrency=${concurrency}`]),
      `--iam-role-reads=${values['iam-role-reads']}`,
    ],
    logFile: join(environment.tempDir, 'operator.log'),
    // The image's malloc setting (Dockerfile) unless the caller's environment names another.
    // NODE_OPTIONS always, empty too: the caller's own must not pass through unrecorded.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...environment.env, NODE_OPTIONS: nodeOptions(environment) },
  });
  await waitUntilReady('the operator', async () => (await fetch(`http://${LOOPBACK}:${port}/readyz`)).ok, { timeoutMs: 60_000, process: child });
  return { process: child, port };
}

/** One size: a fresh environment and operator, create, steady resync, delete; the figures. */
async function runSize(size: number): Promise<BenchFigures> {
  say(`${size} workloads in ${Math.min(namespaces, size)} namespaces (${mode} mode): starting the environment`);
  const environment = await startEnvironment({ controllers: mode === 'e2e', proxy: { creatingDelayMs, deletingDelayMs: creatingDelayMs }, log: (line) => say(line) });
  let operator: { process: ManagedProcess; port: number } | undefined;
  const stops: { stop(): void }[] = [];
  try {
    const seed = environment.seed;
    if (!seed) throw new Error('the environment was not seeded');
    const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
    // Kept-alive connections, as the operator's: a TLS handshake per request on the benchmark's
    // side would take CPU from the API server and the operator it measures.
    const custom = makeKubeApiClient(kubeConfig, CustomObjectsApi, { userAgent: BENCH_USER_AGENT });
    const core = makeKubeApiClient(kubeConfig, CoreV1Api, { userAgent: BENCH_USER_AGENT });
    const aws = { endpoint: environment.motoUrl, region: environment.region, credentials: EMULATOR_CREDENTIALS };
    const iam = new IAMClient(aws);
    const eks = new EKSClient(aws);
    const scenario: BenchScenario = { clusterName: seed.clusterName, region: environment.region, subnetIds: seed.privateSubnetIds, workloads: size, namespaces, placements, policies, ingressShare, namespacePrefix: 'bench' };
    for (const namespace of benchNamespaces(scenario)) await core.createNamespace({ body: { metadata: { name: namespace } } });

    operator = await startOperator(environment, size);
    const sampler = new ProcessSampler(operator.process.pid);
    sampler.start();
    stops.push(sampler);
    const port = operator.port;

    await custom.createClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'fargateclusters', body: benchCluster(scenario) });
    const clusterReady = async (): Promise<{ ready: boolean; executionRole?: string }> => {
      const cluster = (await custom.getClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'fargateclusters', name: scenario.clusterName })) as { status?: { podExecutionRoleArn?: string; conditions?: { type: string; status: string }[] } };
      return { ready: Boolean(cluster.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), ...(cluster.status?.podExecutionRoleArn ? { executionRole: cluster.status.podExecutionRoleArn.split('/').pop() } : {}) };
    };
    await waitUntil('the FargateCluster to be Ready', async () => (await clusterReady()).ready, 120_000);
    const executionRole = (await clusterReady()).executionRole;
    await waitUntil('the operator to be idle', async () => queueDepth(await scrape(port)) === 0, 60_000);
    const idle = sampler.sample();
    say(`FargateCluster Ready; operator idle at ${mib(idle?.rssBytes ?? 0)} MiB`);

    // The create phase: from the first create until every workload is Ready.
    sampler.resetPeak();
    environment.proxy.clearCalls();
    const before = await scrape(port);
    const cpuBefore = sampler.sample()?.cpuSeconds ?? 0;
    const tracker = new ReadyTracker(kubeConfig, `/apis/${API_GROUP}/${API_VERSION}/fargateworkloads`);
    stops.push(tracker);
    if (mode === 'operator') stops.push(new AvailabilityMarker(kubeConfig));
    let worstLagSeconds = 0;
    const lagTimer = setInterval(() => {
      scrape(port)
        .then((samples) => (worstLagSeconds = Math.max(worstLagSeconds, ...samples.filter((s) => s.name === 'eksfo_nodejs_eventloop_lag_p99_seconds').map((s) => s.value))))
        .catch(() => undefined);
    }, 2000);
    const createdAt = new Map<string, number>();
    const started = Date.now();
    await inParallel(
      Array.from({ length: size }, (_, i) => i),
      CREATE_CONCURRENCY,
      async (index) => {
        const body = benchWorkload(scenario, index);
        const { namespace, name } = body.metadata;
        createdAt.set(`${namespace}/${name}`, Date.now());
        await custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads', namespace, body });
      },
    );
    say(`created ${size} FargateWorkloads in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for Ready`);
    let reported = Date.now();
    await waitUntil(`all ${size} FargateWorkloads to be Ready`, () => {
      if (Date.now() - reported > 15_000) {
        reported = Date.now();
        say(`  ${tracker.readyAt.size}/${size} Ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
      return tracker.readyAt.size >= size;
    });
    clearInterval(lagTimer);
    const readyTimes = [...tracker.readyAt.values()];
    const allReady = Math.max(...readyTimes);
    const firstReady = Math.min(...readyTimes);
    const perWorkload = [...tracker.readyAt].map(([key, at]) => (at - (createdAt.get(key) ?? started)) / 1000);
    const cpuAfter = sampler.sample()?.cpuSeconds ?? 0;
    const peak = sampler.peakRssBytes;
    const calls = [...environment.proxy.calls];
    const firstProfile = calls.find((call) => call.operation === 'CreateFargateProfile' && call.status >= 200 && call.status < 300);
    const profileActive = firstProfile ? firstProfile.endedAt + creatingDelayMs : undefined;
    // The last reconciles (status after Ready) finish before the counters are read.
    await waitUntil('the operator to be idle', async () => queueDepth(await scrape(port)) === 0, 120_000);
    const after = await scrape(port);
    const createCalls = [...environment.proxy.calls];
    const byOperation = new Map<string, number>();
    for (const call of createCalls) byOperation.set(`${call.service}:${call.operation}`, (byOperation.get(`${call.service}:${call.operation}`) ?? 0) + 1);
    const kube = difference(counterBy(after, 'eksfo_kube_requests_total', kubeKey), counterBy(before, 'eksfo_kube_requests_total', kubeKey));
    const kubeWrites = new Map([...kube].filter(([key]) => isKubeWrite(key)));
    const kubeReads = sum([...kube].filter(([key]) => !isKubeWrite(key)).map(([, n]) => n));
    say(`all Ready in ${((allReady - started) / 1000).toFixed(1)} s; ${createCalls.length} AWS calls`);

    // Steady state: one resync of every object, nothing changed. A resync's reconciles read what
    // event-driven ones may trust from a recent look (src/operator/confirmations.ts).
    environment.proxy.clearCalls();
    const steadyBefore = await scrape(port);
    const workloadReconciles = (samples: PromSample[]): number => counterBy(samples, 'eksfo_reconcile_total', (labels) => labels.kind ?? '').get('FargateWorkload') ?? 0;
    const resyncsBefore = workloadReconciles(steadyBefore);
    // Until the next resync pass has begun and ended; the one after it is a whole period later.
    const passesOf = (samples: PromSample[]): number => counterBy(samples, 'eksfo_resyncs_total', (labels) => labels.kind ?? '').get('FargateWorkload') ?? 0;
    const passesBefore = passesOf(steadyBefore);
    await waitUntil('a resync pass', async () => passesOf(await scrape(port)) > passesBefore, resyncMs + 60_000, 500);
    // Every key the pass queued is waiting (the queue's depth), running (the active workers) or
    // done: with neither, the pass's reconciles have all ended. A count of reconciles alone could
    // be made up by event-driven ones (end-to-end mode) while the pass's are still running.
    await waitUntil(
      'the resync to finish',
      async () => {
        const samples = await scrape(port);
        return queueDepth(samples) === 0 && activeWorkers(samples) === 0 && workloadReconciles(samples) - resyncsBefore >= size;
      },
      300_000,
    );
    const steadyAfter = await scrape(port);
    const resynced = workloadReconciles(steadyAfter) - resyncsBefore;
    const steadyCalls = [...environment.proxy.calls];
    const steadyKube = difference(counterBy(steadyAfter, 'eksfo_kube_requests_total', kubeKey), counterBy(steadyBefore, 'eksfo_kube_requests_total', kubeKey));
    const steadyByOperation = new Map<string, number>();
    for (const call of steadyCalls) steadyByOperation.set(`${call.service}:${call.operation}`, (steadyByOperation.get(`${call.service}:${call.operation}`) ?? 0) + 1);
    const steadyRss = sampler.sample()?.rssBytes ?? 0;
    say(`steady resync: ${resynced} workload reconciles, ${steadyCalls.length} AWS calls (${steadyCalls.filter((c) => c.write).length} writes)`);
    const heap = values['heap-snapshot'] ? await heapSnapshot(operator.process.pid, environment.tempDir, port) : undefined;
    if (heap) say(`heap snapshot (.dev-env/bench/operator.heapsnapshot):\n${renderHeapSummary(heap)}`);

    // Delete every workload, then wait for the AWS account to hold none of their roles and profiles.
    environment.proxy.clearCalls();
    const deleteStarted = Date.now();
    for (const namespace of benchNamespaces(scenario)) await custom.deleteCollectionNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads', namespace });
    const remainingWorkloads = async (): Promise<number> => ((await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' })) as { items: unknown[] }).items.length;
    await waitUntil('every FargateWorkload to be deleted', async () => (await remainingWorkloads()) === 0, PHASE_TIMEOUT_MS, 500);
    const deleted = Date.now();
    const leftInAccount = async (): Promise<number> => {
      let roles = 0;
      for await (const page of paginateListRoles({ client: iam }, { PathPrefix: '/bench/' })) roles += (page.Roles ?? []).filter((role) => role.RoleName !== executionRole).length;
      const profiles = (await eks.send(new ListFargateProfilesCommand({ clusterName: scenario.clusterName }))).fargateProfileNames ?? [];
      return roles + profiles.length;
    };
    let left = await leftInAccount();
    await waitUntil('the AWS account to be clean', async () => (left = await leftInAccount()) === 0, 120_000, 500).catch((error: Error) => say(`${error.message}: ${left} left`));
    const clean = Date.now();
    const deleteCalls = [...environment.proxy.calls];
    const deleteByOperation = new Map<string, number>();
    for (const call of deleteCalls) deleteByOperation.set(`${call.service}:${call.operation}`, (deleteByOperation.get(`${call.service}:${call.operation}`) ?? 0) + 1);
    say(`deleted in ${((deleted - deleteStarted) / 1000).toFixed(1)} s, account clean after ${((clean - deleteStarted) / 1000).toFixed(1)} s`);

    const steadyReads = steadyCalls.filter((c) => !c.write).length;
    const passes = Math.max(1, passesOf(steadyAfter) - passesBefore);
    return {
      workloads: size,
      namespaces: Math.min(namespaces, size),
      mode,
      firstReadySeconds: round((firstReady - started) / 1000, 1),
      allReadySeconds: round((allReady - started) / 1000, 1),
      allReadyAfterProfileActiveSeconds: profileActive === undefined ? null : round((allReady - profileActive) / 1000, 1),
      readySeconds: { p50: round(percentile(perWorkload, 0.5), 1), p95: round(percentile(perWorkload, 0.95), 1), max: round(percentile(perWorkload, 1), 1) },
      awsCallsPerWorkload: { total: round(createCalls.length / size), writes: round(createCalls.filter((c) => c.write).length / size), byOperation: perUnit(byOperation, size) },
      kubeWritesPerWorkload: { total: round(sum(kubeWrites.values()) / size), events: round((kubeWrites.get('create events') ?? 0) / size), byVerbResource: perUnit(kubeWrites, size) },
      kubeReadsPerWorkload: round(kubeReads / size),
      steady: {
        resyncSeconds: resyncMs / 1000,
        passes,
        awsReadsPerWorkload: round(steadyReads / size / passes),
        awsWrites: steadyCalls.filter((c) => c.write).length,
        kubeWrites: sum([...steadyKube].filter(([key]) => isKubeWrite(key)).map(([, n]) => n)),
        kubeReadsPerWorkload: round(sum([...steadyKube].filter(([key]) => !isKubeWrite(key)).map(([, n]) => n)) / size / passes),
        byOperation: perUnit(steadyByOperation, size * passes),
      },
      rssMiB: { idle: mib(idle?.rssBytes ?? 0), peak: mib(peak), steady: mib(steadyRss) },
      cpu: { createSeconds: round(cpuAfter - cpuBefore, 1), perWorkloadMs: Math.round(((cpuAfter - cpuBefore) * 1000) / size) },
      eventLoopLagP99Ms: Math.round(worstLagSeconds * 1000),
      deleteSeconds: round((deleted - deleteStarted) / 1000, 1),
      cleanSeconds: round((clean - deleteStarted) / 1000, 1),
      deleteAwsCallsPerWorkload: { total: round(deleteCalls.length / size), byOperation: perUnit(deleteByOperation, size) },
      leftInAccount: left,
      ...(heap ? { heap } : {}),
    };
  } finally {
    stops.forEach((s) => s.stop());
    if (operator) {
      const log = operator.process.logFile;
      await operator.process.stop();
      if (existsSync(log)) copyFileSync(log, join(benchDir, `operator-${size}.log`));
    }
    await environment.stop();
  }
}

const run: BenchRun = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: values.node === 'current' ? process.version : `v${NODE_RELEASES[Number(values.node)]}` },
  settings: { mode, operator: operatorBuild, namespaces, placements, policies, ingressShare, creatingDelayMs, resyncMs, concurrency: concurrency ?? 'default', operatorNode: values.node, iamRoleReads: values['iam-role-reads'], nodeOptions: values['node-options'] ?? '', mallocArenaMax: process.env['MALLOC_ARENA_MAX'] || (process.env['MALLOC_ARENA_MAX'] === '' ? "glibc's default" : '2') },
  sizes: [],
};
for (const size of sizes) {
  run.sizes.push(await runSize(size));
  // Written after each size, so that a broken larger size keeps the smaller ones.
  const out = values.out ?? join(benchDir, 'bench-latest.json');
  writeFileSync(out, `${JSON.stringify(run, null, 2)}\n`);
}
console.log('');
console.log(`Benchmark (${mode} mode, operator from ${operatorBuild}; ${run.machine.cpus} x ${run.machine.cpuModel}, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}; CREATING ${creatingDelayMs / 1000} s; resync ${resyncMs / 1000} s)`);
console.log(renderTable(run, saved));
const largest = run.sizes[run.sizes.length - 1];
if (largest) {
  console.log('');
  console.log(renderOperations(largest));
}
console.log('');
console.log(`figures written to ${values.out ?? join(benchDir, 'bench-latest.json')}`);
process.exit(0);
