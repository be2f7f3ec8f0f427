// `npm run demo [-- --once] [-- --timeout 300]`: the whole thing on this machine. Starts etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, KWOK, moto, the EKS proxy and the
// Fargate scheduler stand-in (building what is missing), seeds the AWS account with the EKS cluster
// "demo", installs the CRDs, starts `bin/eks-fargate-operator run` as a child process, applies
// examples/ (the FargateCluster with the seeded subnets) and shows a live status table until
// everything is Ready, then where the pods run (Fargate nodes, CapacityProvisioned against the
// size in status). Then it keeps running until Ctrl-C (or, with --once, DEMO_EXIT_WHEN_READY=1 or
// CI=true, exits 0), stopping the operator and the environment.
//
// The pods really run (on KWOK's simulated Fargate nodes), so Deployments become available through
// the real controllers. Only the AWS Load Balancer Controller is played: an Ingress gets a made-up
// load balancer hostname (docs/aws-load-balancer-controller.md says why the real one cannot run here).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { LABEL_WORKLOAD } from '../src/api/constants.js';
import { localExamples } from './dev-env/examples.js';
import { ensureNamespaces, kubectl, waitForEstablished, type KubectlTarget } from './dev-env/kubectl.js';
import { startEnvironment, type Environment } from './dev-env/launcher.js';
import { assignLoadBalancers } from './dev-env/load-balancer-stand-in.js';
import { freePort, LOOPBACK } from './dev-env/ports.js';
import { logTail, startProcess, waitUntilReady, type ManagedProcess } from './dev-env/processes.js';
import { repoRoot } from './dev-env/repo-root.js';
import { isReady, podPlacementReport, renderTable, statusRow, type OperatorObject, type PodLike, type WorkloadWithCapacity } from './demo-status.js';

const VIEW_INTERVAL_MS = 2000;
const root = repoRoot();
const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { once: { type: 'boolean' }, timeout: { type: 'string' } },
  strict: true,
});
const once = Boolean(flags.once) || process.env.DEMO_EXIT_WHEN_READY === '1' || process.env.CI === 'true';
const timeoutMs = Number(flags.timeout ?? process.env.DEMO_TIMEOUT_SECONDS ?? 300) * 1000;
const interactive = Boolean(process.stdout.isTTY) && !once;
// While the live view redraws the screen, messages are kept and shown under the table instead.
const notes: string[] = [];
let viewing = false;
const say = (line: string): void => {
  if (viewing && interactive) notes.push(line);
  else console.log(`[demo] ${line}`);
};

// The AWS SDK's notice that future versions need Node 22 says nothing about this demo: keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'NodeVersionSupportWarning') console.error(`(node) ${warning.name}: ${warning.message}`);
});

let environment: Environment | undefined;
let operator: ManagedProcess | undefined;
let stopping: Promise<void> | undefined;

/** Stops the operator first (so that it stops cleanly against a live API server), then the environment. */
function stopAll(): Promise<void> {
  return (stopping ??= (async () => {
    viewing = false;
    if (operator) {
      say('stopping the operator (SIGTERM)');
      await operator.stop(15_000);
    }
    if (environment) {
      say('stopping the Fargate scheduler stand-in, KWOK, kube-scheduler, kube-controller-manager, kube-apiserver, etcd, moto and the EKS proxy, removing their temp folder');
      await environment.stop();
    }
  })());
}

/** Ctrl-C (or SIGTERM): stop in order, then exit 0. */
function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // The launcher's own handlers would stop the environment while the operator is still running.
    process.removeAllListeners(signal);
    process.once(signal, () => {
      void stopAll().finally(() => {
        say('stopped; nothing left running');
        process.exit(0);
      });
    });
  }
}
installSignalHandlers();

/** The CRD of the EKS VPC resource controller's SecurityGroupPolicy, without its schema details. */
const SECURITY_GROUP_POLICY_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'securitygrouppolicies.vpcresources.k8s.aws' },
  spec: {
    group: 'vpcresources.k8s.aws',
    scope: 'Namespaced',
    names: { kind: 'SecurityGroupPolicy', listKind: 'SecurityGroupPolicyList', plural: 'securitygrouppolicies', singular: 'securitygrouppolicy', shortNames: ['sgp'] },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
    ],
  },
};

interface KubeList<T> {
  items: T[];
}

async function getJson<T>(target: KubectlTarget, args: string[]): Promise<KubeList<T>> {
  return JSON.parse((await kubectl(target, ['get', ...args, '-o', 'json'])).stdout) as KubeList<T>;
}

/**
 * Shows where the workloads' pods run (`kubectl get pods -o wide`) and checks each against EKS's
 * promise: Running on a Fargate node, provisioned at the size the workload's status reports.
 */
async function showPods(env: Environment, workloads: WorkloadWithCapacity[]): Promise<boolean> {
  const wide = await kubectl(env, ['get', 'pods', '-A', '-o', 'wide', '-l', LABEL_WORKLOAD]);
  say(`the workloads' pods (kubectl get pods -A -o wide -l ${LABEL_WORKLOAD}):\n${wide.stdout.trim()}`);
  const pods = (await getJson<PodLike>(env, ['pods', '-A', '-l', LABEL_WORKLOAD])).items;
  const report = podPlacementReport(workloads, pods, LABEL_WORKLOAD);
  say(`CapacityProvisioned (written by the Fargate scheduler) against status.capacity (the operator's sizing):\n${report.lines.map((line) => `  ${line}`).join('\n')}`);
  if (report.problems.length > 0) {
    say(`pods not as EKS would run them:\n${report.problems.map((problem) => `  ${problem}`).join('\n')}`);
    return false;
  }
  say(`every pod Running on a Fargate node, provisioned at the size in its workload's status (${pods.length} pods)`);
  return true;
}

async function main(): Promise<number> {
  say(once ? `exits when everything is Ready (timeout ${timeoutMs / 1000} s)` : 'runs until Ctrl-C');
  environment = await startEnvironment({
    log: (line) => say(line),
    // Profiles stay CREATING for a few seconds, as on EKS (where it takes minutes).
    proxy: { creatingDelayMs: 3000, deletingDelayMs: 2000 },
  });
  installSignalHandlers();
  const env = environment;
  const seed = env.seed;
  if (!seed) throw new Error('the environment was started without a seed');
  say(`AWS account ${seed.accountId} seeded: EKS cluster "${seed.clusterName}" in ${seed.region}, private subnets ${seed.privateSubnetIds.join(', ')}`);
  say(`kubectl version:\n${(await kubectl(env, ['version'])).stdout.trim()}`);

  // On EKS the VPC resource controller serves SecurityGroupPolicy; here its CRD stands in, so that
  // workloads asking for security groups for pods get one (nothing enforces it without the CNI).
  const sgpCrd = join(env.tempDir, 'securitygrouppolicy-crd.yaml');
  writeFileSync(sgpCrd, stringify(SECURITY_GROUP_POLICY_CRD));
  await kubectl(env, ['apply', '--server-side', '-f', sgpCrd]);
  await waitForEstablished(env, [sgpCrd]);
  say('installed the SecurityGroupPolicy CRD (vpcresources.k8s.aws/v1beta1), as the EKS VPC resource controller provides');

  const healthPort = await freePort();
  const logDir = join(root, '.dev-env');
  mkdirSync(logDir, { recursive: true });
  const operatorLog = join(logDir, 'demo-operator.log');
  writeFileSync(operatorLog, '');
  operator = startProcess({
    name: 'operator',
    command: process.execPath,
    args: [
      join(root, 'bin/eks-fargate-operator'),
      'run',
      `--kubeconfig=${env.kubeconfigPath}`,
      `--region=${env.region}`,
      `--aws-endpoint=${env.awsEndpoint}`,
      '--leader-elect=false',
      `--health-bind-address=${LOOPBACK}`,
      `--health-port=${healthPort}`,
      '--resync=1m',
    ],
    logFile: operatorLog,
    env: { ...process.env, ...env.env },
  });
  const running = operator;
  await waitUntilReady('the operator', async () => (await fetch(`http://${LOOPBACK}:${healthPort}/readyz`)).ok, { timeoutMs: 60_000, process: running });
  say(`operator running (pid ${running.pid}, JSON logs in ${operatorLog}, health and metrics on http://${LOOPBACK}:${healthPort}/{healthz,readyz,metrics})`);

  // The example FargateCluster names made-up subnets and security groups: the seeded ones instead.
  const { files: examples, objects: manifests } = await localExamples({ awsEndpoint: env.awsEndpoint, seed, groupNamePrefix: 'demo', log: say });
  const applied = join(env.tempDir, 'demo-examples.yaml');
  writeFileSync(applied, manifests.map((object) => stringify(object)).join('---\n'));
  await ensureNamespaces(env, examples);
  const { stdout } = await kubectl(env, ['apply', '--server-side', '-f', applied]);
  say(`applied examples/ (the FargateCluster on the seeded subnets):\n${stdout.trim()}`);
  say('pods run on Fargate nodes simulated by KWOK, one node per pod, as EKS gives them');

  const expected = manifests.map((object) => `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`);
  const deadline = Date.now() + timeoutMs;
  let lastView = '';
  let announced = false;
  viewing = true;
  for (;;) {
    // Ctrl-C: the signal handler stops everything and exits; this loop only stops looking.
    if (stopping) return new Promise<number>(() => undefined);
    if (running.hasExited()) {
      const status = await running.exited;
      throw new Error(`the operator exited (${status.signal ?? `exit ${status.code}`}); last lines of ${operatorLog}:\n${logTail(operatorLog)}`);
    }
    for (const given of await assignLoadBalancers(env)) {
      say(`gave Ingress ${given.namespace}/${given.name} the load balancer hostname ${given.hostname}, as the AWS Load Balancer Controller would`);
    }
    const objects = [
      ...(await getJson<OperatorObject>(env, ['fargateclusters'])).items,
      ...(await getJson<OperatorObject>(env, ['fargateworkloads', '-A'])).items,
    ];
    if (stopping) continue;
    const present = new Set(objects.map((object) => `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`));
    const allReady = expected.every((key) => present.has(key)) && objects.every(isReady);
    const view = renderTable(objects.map(statusRow), process.stdout.columns || 160);
    if (interactive) {
      const recent = notes.slice(-12).map((note) => `  ${note}`).join('\n');
      process.stdout.write(`\x1b[2J\x1b[H${new Date().toLocaleTimeString()}  (Ctrl-C stops the operator and the environment)\n\n${view}\n\n${recent}\n`);
    } else if (view !== lastView) {
      console.log(`${new Date().toISOString()}\n${view}`);
    }
    lastView = view;
    if (allReady && !announced) {
      announced = true;
      say(`everything is Ready: ${objects.length} objects`);
      const placement = await showPods(env, objects.filter((object) => object.kind === 'FargateWorkload'));
      if (once) return placement ? 0 : 1;
      say(`still running; look around with: ${env.kubectl} --kubeconfig ${env.kubeconfigPath} get fargateworkloads -A   (Ctrl-C stops everything)`);
    }
    if (once && Date.now() > deadline) {
      say(`not everything is Ready after ${timeoutMs / 1000} s; their conditions:`);
      for (const object of objects.filter((candidate) => !isReady(candidate))) {
        console.log(`${object.kind} ${[object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/')}:`);
        for (const condition of object.status?.conditions ?? []) console.log(`  ${condition.type}=${condition.status} ${condition.reason ?? ''}: ${condition.message ?? ''}`);
      }
      say(`last lines of ${operatorLog}:\n${logTail(operatorLog, 20)}`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, VIEW_INTERVAL_MS));
  }
}

let code: number;
try {
  code = await main();
} catch (error) {
  if (stopping) await new Promise(() => undefined); // a call cut short by Ctrl-C: the signal handler exits
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
}
await stopAll();
say(code === 0 ? 'done' : 'failed');
process.exit(code);
