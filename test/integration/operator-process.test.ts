/**
 * The operator as a real process (`bin/eks-fargate-operator run`, built by `npm test`) against the
 * integration environment: leader election between two processes on one Lease (kill -9 of the
 * leader hands over after expiry, SIGTERM releases at once and exits 0), and a kill -9 in the
 * middle of converging 20 workloads followed by a restart that converges with no duplicate and no
 * orphaned AWS resource, and then cleans everything up on delete; and the leader-election flags as
 * a user types them (a missing Lease namespace is one line and exit 2; `--leader-elect false`).
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { CoreV1Api } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { TAG_CLUSTER, TAG_NAMESPACE } from '../../src/api/constants.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { kubectl, KubectlError } from '../../scripts/dev-env/kubectl.js';
import { freePort, LOOPBACK } from '../../scripts/dev-env/ports.js';
import { logTail, signalGroup, waitUntilReady, type ManagedProcess } from '../../scripts/dev-env/processes.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { whyProviderRemains } from '../support/iam-trust.js';
import { readTestEnvironment } from '../support/test-env.js';
import { clusterProfiles, fleetManifests, ownedRoles as ownedRolesOf, readyWorkloadCount } from '../support/workload-fleet.js';
import { OPERATOR_BIN, startOperatorProcess as startSupportProcess, type OperatorProcess } from '../support/operator-process.js';
import { applyOperatorRbac, serviceAccountKubeconfig } from '../support/operator-service-account.js';

const environment = readTestEnvironment();
const suffix = randomBytes(3).toString('hex');
const logDir = mkdtempSync(join(tmpdir(), 'operator-process-'));
const started: ManagedProcess[] = [];
const TESTS = 3;
const TEST_TIMEOUT_MS = 300_000;
let passed = 0;

/** Starts `bin/eks-fargate-operator run` for this suite (tracked, stopped after it). */
async function startOperatorProcess(identity: string, args: string[]): Promise<OperatorProcess> {
  const operator = await startSupportProcess({ environment, identity, args, logDir });
  started.push(operator.process);
  return operator;
}

/** The process's eksfo_leader gauge (1 leading, 0 not). */
async function leaderGauge(operator: OperatorProcess): Promise<number> {
  const text = await (await fetch(`http://${LOOPBACK}:${operator.healthPort}/metrics`)).text();
  const match = /^eksfo_leader (\d+)$/m.exec(text);
  if (!match) throw new Error(`no eksfo_leader in the metrics of ${operator.identity}`);
  return Number(match[1]);
}

/**
 * Polls `read` every 250 ms (not support/wait-for's 50 ms: each read here spawns kubectl or lists every
 * IAM role) until `done` holds, tolerating failed reads; fails naming `what`, the last value and the log folder.
 */
async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  await waitUntilReady(
    what,
    async () => {
      last = await read();
      return done(last);
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last value: ${JSON.stringify(last)}; logs in ${logDir}`);
  });
  return last as T;
}

async function createNamespace(name: string): Promise<void> {
  await kubectl(environment, ['create', 'namespace', name]);
}

afterAll(async () => {
  await Promise.allSettled(started.map((child) => child.stop(5000)));
  // Logs stay when a test failed (the messages name the folder); a clean run leaves nothing.
  if (passed === TESTS) rmSync(logDir, { recursive: true, force: true });
});

describe('leader election between two run processes', () => {
  const namespace = `lease-${suffix}`;
  const lease = `operator-${suffix}`;
  const electionArgs = [
    '--leader-elect=true',
    `--leader-election-namespace=${namespace}`,
    `--leader-election-name=${lease}`,
    '--lease-duration=3s',
    '--renew-deadline=2s',
    '--retry-period=500ms',
    '--shutdown-timeout=5s',
  ];

  async function holder(): Promise<{ holderIdentity: string; leaseTransitions: number }> {
    try {
      const { stdout } = await kubectl(environment, ['get', 'lease', lease, '-n', namespace, '-o', 'json']);
      const spec = (JSON.parse(stdout) as { spec?: { holderIdentity?: string; leaseTransitions?: number } }).spec ?? {};
      return { holderIdentity: spec.holderIdentity ?? '', leaseTransitions: spec.leaseTransitions ?? 0 };
    } catch (error) {
      if (error instanceof KubectlError && error.stderr.includes('NotFound')) return { holderIdentity: '', leaseTransitions: 0 };
      throw error;
    }
  }

  beforeAll(() => createNamespace(namespace));
  afterAll(() => kubectl(environment, ['delete', 'namespace', namespace, '--wait=false']));

  test('exactly one holds the Lease; kill -9 hands over after expiry; SIGTERM releases at once and exits 0', async () => {
    const a = await startOperatorProcess(`a-${suffix}`, electionArgs);
    const b = await startOperatorProcess(`b-${suffix}`, electionArgs);
    const both = [a, b];

    // Exactly one holds the Lease, and the gauges agree with it.
    const first = await waitFor('a Lease holder whose gauge says so', async () => {
      const { holderIdentity } = await holder();
      return { holderIdentity, gauges: await Promise.all(both.map(leaderGauge)) };
    }, ({ holderIdentity, gauges }) => both.some((p, i) => p.identity === holderIdentity && gauges[i] === 1 && gauges[1 - i] === 0));
    const leader = both.find((p) => p.identity === first.holderIdentity)!;
    const standby = both.find((p) => p !== leader)!;
    expect(first.gauges.reduce((sum, gauge) => sum + gauge, 0)).toBe(1);

    // kill -9: nothing is released; the standby takes over once the Lease has expired.
    const before = await holder();
    const killedAt = Date.now();
    signalGroup(leader.process.pid, 'SIGKILL');
    expect((await leader.process.exited).signal).toBe('SIGKILL');
    const after = await waitFor('the standby to hold the Lease', holder, (lease) => lease.holderIdentity === standby.identity, 20_000);
    // It could only take over an expired Lease (3 s without renewal); allow for the last renewal up to one retry period before the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2000);
    expect(after.leaseTransitions).toBe(before.leaseTransitions + 1);
    await waitFor("the new leader's gauge", () => leaderGauge(standby), (gauge) => gauge === 1, 10_000);

    // A restarted process comes back as a standby.
    const c = await startOperatorProcess(`c-${suffix}`, electionArgs);
    expect(await leaderGauge(c)).toBe(0);
    expect((await holder()).holderIdentity).toBe(standby.identity);

    // SIGTERM: the leader releases the Lease before it exits, and exits 0.
    signalGroup(standby.process.pid, 'SIGTERM');
    const exit = await standby.process.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect((await holder()).holderIdentity).not.toBe(standby.identity);
    expect(logTail(standby.process.logFile, 400)).toContain('"message":"operator stopped"');
    // The released Lease goes to the standby within a retry period or two, not after a whole lease duration.
    const releasedAt = Date.now();
    await waitFor('the standby to take the released Lease', holder, (lease) => lease.holderIdentity === c.identity, 10_000);
    expect(Date.now() - releasedAt).toBeLessThan(3000);
    await waitFor("the third process's gauge", () => leaderGauge(c), (gauge) => gauge === 1, 10_000);
    passed += 1;
  }, TEST_TIMEOUT_MS);
});

describe('kill -9 while converging 20 workloads, then restart', () => {
  const clusterName = `proc-${suffix}`;
  const rolePath = `/proc${suffix}/`;
  const namespaces = Array.from({ length: 5 }, (_, i) => `proc-${suffix}-${i}`);
  const workloads = namespaces.flatMap((namespace) => Array.from({ length: 4 }, (_, i) => ({ namespace, name: `app-${i}` })));
  let stack: AwsTestStack;
  let iam: IAMClient;
  let eks: EKSClient;

  beforeAll(async () => {
    // An EKS proxy of this suite's own: profiles stay CREATING and DELETING for a while, as on EKS.
    stack = await startAwsTestStack({ clusterName, region: environment.region, proxy: { creatingDelayMs: 1500, deletingDelayMs: 1000 } });
    // EKS's part for this cluster: pods its profiles take run on Fargate nodes.
    await stack.placePods({ kubeconfigPath: environment.kubeconfigPath });
    const config = { endpoint: stack.proxy.url, region: environment.region, credentials: EMULATOR_CREDENTIALS };
    iam = new IAMClient(config);
    eks = new EKSClient(config);
    for (const namespace of namespaces) await createNamespace(namespace);
  });

  afterAll(async () => {
    // After a failure, objects may still carry the finalizer with no operator left to remove it.
    const stuck = [...namespaces.map((namespace) => ['fargateworkloads', '-n', namespace]), ['fargateclusters', clusterName]];
    for (const args of stuck) {
      const names = await kubectl(environment, ['get', ...args, '-o', 'name']).then((out) => out.stdout.split('\n').filter(Boolean), () => []);
      for (const name of names) {
        const scope = args[1] === '-n' ? ['-n', args[2]!] : [];
        await kubectl(environment, ['patch', name, ...scope, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
        await kubectl(environment, ['delete', name, ...scope, '--wait=false']).catch(() => undefined);
      }
    }
    for (const namespace of namespaces) await kubectl(environment, ['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    iam?.destroy();
    eks?.destroy();
    await stack?.stop();
  });

  async function oidcProviders(issuer: string): Promise<string[]> {
    const host = issuer.replace(/^https:\/\//, '');
    const list = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
    return list.map((provider) => provider.Arn ?? '').filter((arn) => arn.endsWith(`:oidc-provider/${host}`));
  }

  const ownedRoles = () => ownedRolesOf(iam, clusterName);
  const profiles = () => clusterProfiles(eks, clusterName);
  const readyWorkloads = () => readyWorkloadCount(environment, namespaces);

  test('converges with no duplicate and no orphan, and a delete leaves nothing', async () => {
    // deleteOIDCProvider: the scenario's delete leaves nothing, the provider it created included (no role trusts it by then).
    const manifests = fleetManifests({ clusterName, region: environment.region, subnetIds: stack.seed.privateSubnetIds, profileNamePrefix: `p${suffix}`, rolePath, deleteOIDCProvider: true, workloads });
    const file = join(logDir, `workloads-${suffix}.yaml`);
    writeFileSync(file, manifests.map((manifest) => stringify(manifest)).join('---\n'));
    const runArgs = [`--aws-endpoint=${stack.proxy.url}`, '--leader-elect=false', '--concurrency=4', '--shutdown-timeout=5s'];

    const first = await startOperatorProcess(`converge-1-${suffix}`, runArgs);
    await kubectl(environment, ['apply', '--server-side', '-f', file]);

    // Kill it once some AWS resources exist but not all: roles made, profiles still coming (one at a
    // time, 1.5 s CREATING each). Two or more still to come: the last cannot be made before the one
    // before it is ACTIVE, 1.5 s later, so the kill lands before it (with one to come, the operator
    // could make it between this look and the signal).
    await waitFor(
      'some but not all AWS resources',
      async () => ({ roles: (await ownedRoles()).irsa.length, profiles: (await profiles()).length }),
      ({ roles, profiles: count }) => roles >= 1 && count <= namespaces.length - 2,
      60_000,
    );
    signalGroup(first.process.pid, 'SIGKILL');
    await first.process.exited;
    const atKill = { ready: await readyWorkloads(), profiles: (await profiles()).length };
    expect(atKill.ready).toBeLessThan(workloads.length);
    expect(atKill.profiles).toBeLessThan(namespaces.length);

    // The restarted one also serves /metrics on a port of its own.
    const metricsPort = await freePort();
    await startOperatorProcess(`converge-2-${suffix}`, [...runArgs, `--metrics-port=${metricsPort}`]);
    // Their pods run on Fargate nodes (the Fargate scheduler stand-in, KWOK, the real controllers).
    await waitFor('all 20 workloads Ready after the restart', readyWorkloads, (ready) => ready === workloads.length, 150_000);

    const metrics = await (await fetch(`http://${LOOPBACK}:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^eksfo_reconcile_total\{kind="FargateWorkload",result="success"\} [1-9]/m);

    // Exactly what is expected in the emulator: one execution role, 20 IRSA roles, 5 profiles, one OIDC provider.
    const roles = await ownedRoles();
    expect(roles.execution).toHaveLength(1);
    expect(roles.irsa).toHaveLength(workloads.length);
    expect(new Set(roles.irsa.map(({ role }) => role.RoleName)).size).toBe(workloads.length);
    for (const { role } of roles.irsa) expect(role.Path).toBe(rolePath);
    expect(roles.irsa.map(({ tags }) => tags[TAG_NAMESPACE]).sort()).toEqual(workloads.map(({ namespace }) => namespace).sort());
    const live = await profiles();
    expect(live).toHaveLength(namespaces.length);
    expect(live.every((profile) => profile.status === 'ACTIVE' && profile.tags[TAG_CLUSTER] === clusterName)).toBe(true);
    expect(live.flatMap((profile) => profile.namespaces).sort()).toEqual([...namespaces].sort());
    const { stdout } = await kubectl(environment, ['get', 'fargatecluster', clusterName, '-o', 'jsonpath={.status.oidcIssuer}']);
    expect(stdout).toMatch(/^https:\/\//);
    expect(await oidcProviders(stdout)).toHaveLength(1);

    // Delete everything: the operator removes every AWS resource it made, then the finalizers.
    for (const namespace of namespaces) await kubectl(environment, ['delete', 'fargateworkloads', '--all', '-n', namespace, '--wait=false']);
    // A workload goes only once the operator took its finalizer off.
    await waitFor('every FargateWorkload gone', workloadsLeft, (left) => left === 0, 120_000);
    expect((await ownedRoles()).irsa).toHaveLength(0);
    expect(await profiles()).toHaveLength(0);
    await kubectl(environment, ['delete', 'fargatecluster', clusterName, '--wait=false']);
    await waitFor(
      'the FargateCluster gone',
      () => kubectl(environment, ['get', 'fargateclusters', '-o', 'name']).then((out) => out.stdout),
      (names) => !names.split('\n').includes(`fargatecluster.fargate.eksops.dev/${clusterName}`),
      60_000,
    );
    expect((await ownedRoles()).execution).toHaveLength(0);
    // The provider goes if this cluster created it and no role trusts it any more. Moto gives every
    // EKS cluster of one server the same OIDC issuer, so the provider may be another suite's (kept,
    // the default) or trusted by another suite's roles; this cluster's own roles are gone (above).
    for (const arn of await oidcProviders(stdout)) expect(await whyProviderRemains(iam, arn, clusterName)).toEqual(expect.any(String));

    async function workloadsLeft(): Promise<number> {
      let left = 0;
      for (const namespace of namespaces) left += (await kubectl(environment, ['get', 'fargateworkloads', '-n', namespace, '-o', 'name'])).stdout.split('\n').filter(Boolean).length;
      return left;
    }
    passed += 1;
  }, TEST_TIMEOUT_MS);
});

describe('the leader-election flags as a user types them', () => {
  const missing = `no-such-namespace-${suffix}`;
  // As the operator runs in a cluster: deploy/base's ServiceAccount, whose Role covers Leases in
  // its own namespace only (RBAC answers 403 for the missing one, not 404).
  let operatorKubeconfig: string;
  beforeAll(async () => {
    await applyOperatorRbac(environment);
    operatorKubeconfig = await serviceAccountKubeconfig(environment, loadKubeConfig({ kubeconfig: environment.kubeconfigPath }).makeApiClient(CoreV1Api), 'operator-process-');
  });

  test.each([{ spelling: ['--leader-elect=true'] }, { spelling: ['--leader-elect', 'true'] }])(
    'run $spelling without the Lease namespace exits 2 with one line naming the flags that fix it',
    async ({ spelling }) => {
      const result = await promisify(execFile)(process.execPath, [OPERATOR_BIN, 'run', `--kubeconfig=${operatorKubeconfig}`, `--region=${environment.region}`, '--health-port=0', ...spelling, `--leader-election-namespace=${missing}`], {
        env: { ...process.env, ...environment.env },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
      );
      expect(result).toEqual({
        code: 2,
        stderr: `eks-fargate-operator: run: the leader-election namespace "${missing}" does not exist: create it, name another with --leader-election-namespace=NS, or run a single replica with --leader-elect=false\n`,
      });
      // Nothing was left behind: a dry-run create stores no Lease.
      expect((await kubectl(environment, ['get', 'leases', '-A', '-o', 'name'])).stdout).not.toContain(missing);
    },
    90_000,
  );

  test('run --leader-elect false (two arguments) reconciles without a Lease, whatever its namespace', async () => {
    const operator = await startOperatorProcess(`single-${suffix}`, ['--leader-elect', 'false', `--leader-election-namespace=${missing}`, `--aws-endpoint=${environment.awsEndpoint}`]);
    expect(await leaderGauge(operator)).toBe(1);
    expect(signalGroup(operator.process.pid, 'SIGTERM')).toBe(true);
    expect(await operator.process.exited).toEqual({ code: 0, signal: null });
    passed += 1;
  }, 90_000);
});
