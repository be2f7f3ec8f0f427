/**
 * Leadership handover between two `run` processes (issue 13, item 4): the leader, busy converging
 * workloads, is frozen with SIGSTOP until the standby has taken the Lease over, then resumed. The
 * proof that it wrote nothing after its renew deadline comes from the two servers, not from the
 * operator: the EKS proxy's call log (each process signs with an AWS access key of its own) and
 * the API server's audit log (each process sends its identity in its User-Agent, both run as
 * deploy/base's ServiceAccount, whose requests the audit policy records).
 *
 * The moment: the old leader's renew deadline is the renewTime of its last successful renewal (as
 * a watch on the Lease saw it; the leader's own clock, the same clock as the servers' here) plus
 * --renew-deadline. What counts as a write after it:
 * - AWS: any call the proxy classes as a write that arrived after the deadline, whatever its answer;
 * - Kubernetes: any create, update, patch or delete the API server received after the deadline,
 *   whatever its answer, except updates of the Lease that the API server refused with 409
 *   Conflict: a resumed process may still send the renewal it had prepared before the pause, and
 *   optimistic concurrency refuses it (the new leader changed the Lease), so it changes nothing.
 * Then the new leader converges everything, with nothing made twice.
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { FIELD_MANAGER } from '../../src/api/constants.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { auditLogPath, OPERATOR_SERVICE_ACCOUNT_USER } from '../../scripts/dev-env/control-plane.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { signalGroup, type ManagedProcess } from '../../scripts/dev-env/processes.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { applyOperatorRbac, OPERATOR_NAMESPACE, serviceAccountKubeconfig } from '../support/operator-service-account.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';
import { clusterProfiles, fleetManifests, ownedRoles, readyWorkloadCount } from '../support/workload-fleet.js';

const environment = readTestEnvironment();
const suffix = randomBytes(3).toString('hex');
const logDir = mkdtempSync(join(tmpdir(), 'leadership-handover-'));
const clusterName = `handover-${suffix}`;
const leaseName = `handover-${suffix}`;
const namespaces = Array.from({ length: 4 }, (_, i) => `handover-${suffix}-${i}`);
const workloads = namespaces.flatMap((namespace) => Array.from({ length: 3 }, (_, i) => ({ namespace, name: `app-${i}` })));
const RENEW_DEADLINE_MS = 2000;
const electionArgs = [
  '--leader-elect=true',
  `--leader-election-namespace=${OPERATOR_NAMESPACE}`,
  `--leader-election-name=${leaseName}`,
  '--lease-duration=3s',
  `--renew-deadline=${RENEW_DEADLINE_MS}ms`,
  '--retry-period=500ms',
  '--shutdown-timeout=5s',
  '--concurrency=4',
];
const TEST_TIMEOUT_MS = 300_000;
const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const core = kubeConfig.makeApiClient(CoreV1Api);
const started: ManagedProcess[] = [];
let stack: AwsTestStack;
let iam: IAMClient;
let eks: EKSClient;
let passed = false;

/** One version of the Lease as the watch saw it. */
interface LeaseVersion {
  holder: string;
  renewTimeMs: number;
}
const leaseVersions: LeaseVersion[] = [];
let leaseWatch: AbortController | undefined;
let leaseWatchEnded: string | undefined;

/** The audit log's fields this test reads. */
interface AuditEvent {
  user?: { username?: string };
  userAgent?: string;
  verb?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The Kubernetes writes of the process with `identity`, from the audit log (its User-Agent ends with its identity). */
function kubernetesWrites(identity: string): AuditEvent[] {
  const userAgent = `${FIELD_MANAGER} (${identity})`;
  return readFileSync(auditLogPath(dirname(environment.kubeconfigPath)), 'utf8')
    .split('\n')
    .filter((line) => line.includes(userAgent))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.user?.username === OPERATOR_SERVICE_ACCOUNT_USER && event.userAgent === userAgent && WRITE_VERBS.has(event.verb ?? ''));
}

function isLeaseWrite(event: AuditEvent): boolean {
  return event.objectRef?.resource === 'leases' && event.objectRef.name === leaseName;
}

/** A Lease update the API server refused for a stale resourceVersion: it changed nothing. */
function isRefusedLeaseUpdate(event: AuditEvent): boolean {
  return isLeaseWrite(event) && event.verb === 'update' && event.responseStatus?.code === 409;
}

function receivedAtMs(event: AuditEvent): number {
  return Date.parse(event.requestReceivedTimestamp ?? '');
}

function describeWrite(event: AuditEvent): string {
  const ref = event.objectRef ?? {};
  return `${event.verb} ${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''} ${ref.namespace ?? ''}/${ref.name ?? ''} -> ${event.responseStatus?.code} at ${event.requestReceivedTimestamp}`;
}

/** The AWS writes the process signing with `accessKeyId` sent, from the proxy's call log. */
function awsWrites(accessKeyId: string): ProxyCall[] {
  return stack.proxy.calls.filter((call) => call.accessKeyId === accessKeyId && call.write);
}

/** Who holds the Lease now, from the watch. */
function currentHolder(): string {
  return leaseVersions.at(-1)?.holder ?? '';
}

async function watchLease(): Promise<void> {
  leaseWatch = await new Watch(kubeConfig).watch(
    `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases`,
    { fieldSelector: `metadata.name=${leaseName}` },
    (_phase, lease: { spec?: { holderIdentity?: string; renewTime?: string } }) => {
      leaseVersions.push({ holder: lease.spec?.holderIdentity ?? '', renewTimeMs: Date.parse(lease.spec?.renewTime ?? '') });
    },
    (error: unknown) => {
      leaseWatchEnded = String(error ?? 'ended');
    },
  );
}

const readyWorkloads = (): Promise<number> => readyWorkloadCount(environment, namespaces);

beforeAll(async () => {
  // Profiles stay CREATING for a while, as on EKS, and one at a time per cluster: the leader stays busy writing.
  stack = await startAwsTestStack({ clusterName, region: environment.region, proxy: { creatingDelayMs: 1500, deletingDelayMs: 1000 } });
  await stack.placePods({ kubeconfigPath: environment.kubeconfigPath, logFile: join(logDir, 'fargate-scheduler.log') });
  const direct = { endpoint: stack.motoUrl, region: environment.region, credentials: EMULATOR_CREDENTIALS };
  iam = new IAMClient(direct);
  eks = new EKSClient(direct);
  await applyOperatorRbac(environment);
  for (const namespace of namespaces) await kubectl(environment, ['create', 'namespace', namespace]);
  await watchLease();
}, 120_000);

afterAll(async () => {
  leaseWatch?.abort();
  // The surviving operator removes what it made; finalizers are stripped only if it could not.
  for (const namespace of namespaces) await kubectl(environment, ['delete', 'fargateworkloads', '--all', '-n', namespace, '--wait=false']).catch(() => undefined);
  await kubectl(environment, ['delete', 'fargatecluster', clusterName, '--wait=false']).catch(() => undefined);
  const gone = await waitFor('every FargateWorkload and the FargateCluster gone', async () => {
    const left = await Promise.all([...namespaces.map((ns) => ['fargateworkloads', '-n', ns]), ['fargateclusters', clusterName]].map((args) =>
      kubectl(environment, ['get', ...args, '-o', 'name', '--ignore-not-found']).then((out) => out.stdout.trim().length, () => 0)));
    return left.reduce((sum, n) => sum + n, 0);
  }, (left) => left === 0, 90_000).then(() => true, () => false);
  if (!gone) {
    for (const namespace of namespaces) {
      const names = await kubectl(environment, ['get', 'fargateworkloads', '-n', namespace, '-o', 'name']).then((out) => out.stdout.split('\n').filter(Boolean), () => []);
      for (const name of names) await kubectl(environment, ['patch', name, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
    }
    await kubectl(environment, ['patch', 'fargatecluster', clusterName, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
  }
  await Promise.allSettled(started.map((child) => child.stop(5000)));
  for (const namespace of namespaces) await kubectl(environment, ['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  await kubectl(environment, ['delete', 'lease', leaseName, '-n', OPERATOR_NAMESPACE, '--ignore-not-found']).catch(() => undefined);
  iam?.destroy();
  eks?.destroy();
  await stack?.stop();
  // Logs stay when the test failed (the messages name the folder); a clean run leaves nothing.
  if (passed) rmSync(logDir, { recursive: true, force: true });
}, 180_000);

test('a leader frozen past its renew deadline writes nothing more, to AWS or Kubernetes, and the new leader converges everything once', async () => {
  const kubeconfig = await serviceAccountKubeconfig(environment, core, 'handover-');
  const accessKeys = { a: `AKIDHANDOVERA${suffix.toUpperCase()}`, b: `AKIDHANDOVERB${suffix.toUpperCase()}` };
  const start = async (name: 'a' | 'b'): Promise<OperatorProcess> => {
    const operator = await startOperatorProcess({
      environment,
      identity: `handover-${name}-${suffix}`,
      args: [`--kubeconfig=${kubeconfig}`, `--aws-endpoint=${stack.proxy.url}`, ...electionArgs],
      logDir,
      // Any key is accepted by moto without IAM enforcement; the proxy logs which one signed each call.
      env: { AWS_ACCESS_KEY_ID: accessKeys[name], AWS_SECRET_ACCESS_KEY: `secret-${name}` },
    });
    started.push(operator.process);
    return operator;
  };
  // a first, so that it leads; b then waits as a standby.
  const a = await start('a');
  await waitFor('a to hold the Lease', currentHolder, (holder) => holder === a.identity, 20_000);
  const b = await start('b');

  const manifests = fleetManifests({ clusterName, region: environment.region, subnetIds: stack.seed.privateSubnetIds, profileNamePrefix: `h${suffix}`, rolePath: `/handover${suffix}/`, workloads });
  const file = join(logDir, 'manifests.yaml');
  writeFileSync(file, manifests.map((manifest) => stringify(manifest)).join('---\n'));
  await kubectl(environment, ['apply', '--server-side', '-f', file]);

  // Busy: it has started creating profiles (one at a time, 1.5 s each) and is far from done.
  await waitFor(
    'a busy writing to AWS',
    () => ({ writes: awsWrites(accessKeys.a).length, profileCreates: awsWrites(accessKeys.a).filter((call) => call.operation === 'CreateFargateProfile').length }),
    ({ writes, profileCreates }) => writes >= 5 && profileCreates >= 1 && profileCreates < namespaces.length - 1,
    90_000,
  );
  expect(signalGroup(a.process.pid, 'SIGSTOP')).toBe(true);
  const frozenAt = Date.now();
  await waitFor('b to take the Lease over', currentHolder, (holder) => holder === b.identity, 20_000);
  expect(signalGroup(a.process.pid, 'SIGCONT')).toBe(true);
  const resumedAt = Date.now();
  // Resumed past its deadline, it steps down and exits 1 (lost lease), as a restartable pod does.
  expect(await a.process.exited).toEqual({ code: 1, signal: null });

  await waitFor('all workloads Ready under b', readyWorkloads, (ready) => ready === workloads.length, 150_000);
  expect(leaseWatchEnded).toBeUndefined();

  const renewalsOfA = leaseVersions.filter((version) => version.holder === a.identity);
  const lastRenewOfA = Math.max(...renewalsOfA.map((version) => version.renewTimeMs));
  const deadline = lastRenewOfA + RENEW_DEADLINE_MS;
  const takenOverAt = leaseVersions.find((version) => version.holder === b.identity)!.renewTimeMs;
  // Sanity of the timeline: a renewed until it was frozen, and b could only take over after a's deadline.
  expect(renewalsOfA.length).toBeGreaterThan(1);
  expect(lastRenewOfA).toBeLessThanOrEqual(frozenAt);
  expect(takenOverAt).toBeGreaterThan(deadline);

  const awsOfA = awsWrites(accessKeys.a);
  const awsAfter = awsOfA.filter((call) => call.startedAt > deadline);
  const kubeOfA = kubernetesWrites(a.identity);
  const kubeAfter = kubeOfA.filter((event) => receivedAtMs(event) > deadline);
  // The controllers' writes before the deadline, the Lease's renewals apart: proof that the audit log sees them.
  const controllerWritesBefore = kubeOfA.filter((event) => receivedAtMs(event) <= deadline && !isLeaseWrite(event)).length;
  const refusedLeaseUpdates = kubeAfter.filter(isRefusedLeaseUpdate);
  const kubeWritesAfter = kubeAfter.filter((event) => !isRefusedLeaseUpdate(event));
  const figures = {
    'old leader / new leader': `${a.identity} / ${b.identity}`,
    'last renew of the old leader -> its deadline': `${new Date(lastRenewOfA).toISOString()} -> ${new Date(deadline).toISOString()}`,
    'frozen / resumed / taken over (ms after the last renew)': `${frozenAt - lastRenewOfA} / ${resumedAt - lastRenewOfA} / ${takenOverAt - lastRenewOfA}`,
    'AWS writes of the old leader before the deadline': awsOfA.length - awsAfter.length,
    'AWS writes after lease loss': awsAfter.length,
    'Kubernetes writes of the old leader before the deadline (Lease renewals apart)': controllerWritesBefore,
    'Kubernetes writes after lease loss': kubeWritesAfter.length,
    'refused Lease updates after the deadline (not counted)': refusedLeaseUpdates.length,
    'AWS writes of the new leader': awsWrites(accessKeys.b).length,
  };
  process.stdout.write(`\n[leadership-handover]\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}\n`);

  // Both logs tell the processes apart and saw the old leader write before: the zeros below can fail.
  expect(awsOfA.length - awsAfter.length).toBeGreaterThan(0);
  expect(controllerWritesBefore).toBeGreaterThan(0);
  expect(kubernetesWrites(b.identity).length).toBeGreaterThan(0);
  expect(awsAfter.map((call) => `${call.service}:${call.operation} at ${new Date(call.startedAt).toISOString()}`)).toEqual([]);
  expect(kubeWritesAfter.map(describeWrite)).toEqual([]);

  // The new leader converged everything, nothing twice: one execution role, one IRSA role per
  // workload, one profile per namespace.
  const roles = await ownedRoles(iam, clusterName);
  expect(roles.execution).toHaveLength(1);
  expect(roles.irsa).toHaveLength(workloads.length);
  expect(new Set(roles.irsa.map(({ role }) => role.RoleName)).size).toBe(workloads.length);
  const live = await clusterProfiles(eks, clusterName);
  // moto has no transitions: the proxy says when one is still CREATING.
  expect(live.map((profile) => stack.proxy.profileStatus(environment.region, clusterName, profile.name) ?? profile.status)).toEqual(namespaces.map(() => 'ACTIVE'));
  expect(live.flatMap((profile) => profile.namespaces).sort()).toEqual([...namespaces].sort());
  passed = true;
}, TEST_TIMEOUT_MS);
