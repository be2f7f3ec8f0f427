import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { createClusterPki, KWOK_USER, type ClusterPki } from './pki.js';
import { kubectl } from './kubectl.js';
import { freePorts, LOOPBACK } from './ports.js';
import { signalGroup, startProcess, waitUntilReady, type ManagedProcess } from './processes.js';

/** A running etcd + kube-apiserver pair. */
export interface ControlPlane {
  etcdUrl: string;
  apiServerUrl: string;
  /** Admin kubeconfig (client certificate in system:masters). */
  kubeconfigPath: string;
  processes: ManagedProcess[];
  /**
   * Kills kube-apiserver with SIGKILL (a crash: no graceful end of its watches) and leaves etcd and
   * the other components running. For fault tests, which start it again with `startApiServer`.
   */
  killApiServer(): Promise<void>;
  /** Starts kube-apiserver again, on the same port with the same etcd and flags; resolves once /readyz is ok. */
  startApiServer(): Promise<void>;
  /** Stops the API server, then etcd. */
  stop(): Promise<void>;
}

/** Where and with what to start the control plane. */
export interface ControlPlaneOptions {
  binaries: Binaries;
  /** Folder for data, certificates, logs and the kubeconfig; the caller removes it. */
  dir: string;
  readyTimeoutMs?: number;
  /**
   * Also start kube-controller-manager with these controllers (its `--controllers` names) and
   * kube-scheduler, each with its own client certificate. Absent: API server and etcd only.
   */
  controllers?: readonly string[];
  /**
   * Also start KWOK for nodes annotated `kwok.x-k8s.io/node: fake` (SIMULATED_NODE_ANNOTATION):
   * it keeps them Ready and turns the pods bound to them Running and Ready, as a kubelet would.
   */
  simulatedNodes?: boolean;
  /** Extra kube-apiserver flags (e.g. `--watch-cache=false`, so that watches read etcd directly). */
  apiServerArgs?: readonly string[];
}

/** The annotation that hands a Node to KWOK. */
export const SIMULATED_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' };

/** What KWOK may do: keep nodes and their leases alive, and play the kubelet's part for pods. */
const KWOK_RBAC = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'eksops:kwok' },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['nodes/status', 'pods/status'], verbs: ['update', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'eksops:kwok' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'eksops:kwok' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KWOK_USER }],
    },
  ],
};

/** Service-account token issuer, as envtest and kind use it. */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc';

async function etcdHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  const body = (await response.json()) as { health?: string };
  return response.ok && body.health === 'true';
}

/** GETs a path of the API server with the admin client certificate; resolves the status and body. */
export function apiServerGet(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

async function startEtcd(binaries: Binaries, dir: string, timeoutMs: number): Promise<{ url: string; process: ManagedProcess }> {
  const [clientPort, peerPort] = await freePorts(2);
  const url = `http://${LOOPBACK}:${clientPort}`;
  const peerUrl = `http://${LOOPBACK}:${peerPort}`;
  const process = startProcess({
    name: 'etcd',
    command: binaries.etcd,
    args: [
      '--name=local',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=local=${peerUrl}`,
      // Test data is thrown away: skipping fsync makes every write much faster.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  await waitUntilReady('etcd', () => etcdHealthy(url), { timeoutMs, process });
  return { url, process };
}

/** The identity deploy/base gives the operator; only its requests are audited (a small log). */
export const OPERATOR_SERVICE_ACCOUNT_USER = 'system:serviceaccount:eks-fargate-operator-system:eks-fargate-operator';

/** Where the API server of a control plane started in `dir` writes its audit log (JSON lines). */
export function auditLogPath(dir: string): string {
  return join(dir, 'audit.log');
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${OPERATOR_SERVICE_ACCOUNT_USER}"]
  - level: None
`;

/**
 * Starts etcd and kube-apiserver on free loopback ports with what controller-runtime's envtest
 * configures (RBAC, client-certificate authentication, service-account issuer and keys), waits
 * until /readyz answers ok and writes an admin kubeconfig into `dir`.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { binaries, dir } = options;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  mkdirSync(dir, { recursive: true });
  const pki = await createClusterPki(join(dir, 'pki'));
  const etcd = await startEtcd(binaries, dir, timeoutMs);
  const processes = [etcd.process];
  const stop = async (): Promise<void> => {
    for (const child of [...processes].reverse()) await child.stop();
  };

  try {
    const [securePort] = await freePorts(1);
    writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    const apiServerUrl = `https://${LOOPBACK}:${securePort}`;
    const apiServerArgs = [
      `--etcd-servers=${etcd.url}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--secure-port=${securePort}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // Without the controller manager nothing makes a namespace's default ServiceAccount, and
      // the ServiceAccount admission plugin would refuse every pod.
      ...(options.controllers ? [] : ['--disable-admission-plugins=ServiceAccount']),
      // The least-privilege test reads what the operator's ServiceAccount did from this log.
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${auditLogPath(dir)}`,
      ...(options.apiServerArgs ?? []),
    ];
    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    // Started again by startApiServer after a kill: the same flags, port and etcd.
    const launchApiServer = async (): Promise<ManagedProcess> => {
      const apiServer = startProcess({ name: 'kube-apiserver', command: binaries.kubeApiserver, args: apiServerArgs, logFile: join(dir, 'kube-apiserver.log') });
      processes.splice(1, 0, apiServer);
      await waitUntilReady(
        'kube-apiserver',
        async () => {
          const { status, body } = await apiServerGet(`${apiServerUrl}/readyz`, tls);
          if (status !== 200) throw new Error(`/readyz answered ${status}: ${body.slice(0, 500)}`);
          return body.trim() === 'ok';
        },
        { timeoutMs, process: apiServer, intervalMs: 250 },
      );
      return apiServer;
    };
    let apiServer = await launchApiServer();
    const killApiServer = async (): Promise<void> => {
      signalGroup(apiServer.pid, 'SIGKILL');
      await apiServer.stop();
      processes.splice(processes.indexOf(apiServer), 1);
    };
    const startApiServer = async (): Promise<void> => {
      if (!apiServer.hasExited()) throw new Error('kube-apiserver is running: kill it first');
      apiServer = await launchApiServer();
    };

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, { server: apiServerUrl, caCertFile: pki.caCert, clientCertFile: pki.adminCert, clientKeyFile: pki.adminKey, name: 'eks-fargate-operator-local' });
    if (options.controllers) {
      processes.push(await startComponent('kube-controller-manager', binaries.kubeControllerManager, { dir, pki, apiServerUrl, timeoutMs }, [
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--controllers=${options.controllers.join(',')}`,
      ]));
      processes.push(await startComponent('kube-scheduler', binaries.kubeScheduler, { dir, pki, apiServerUrl, timeoutMs }, []));
    }
    if (options.simulatedNodes) processes.push(await startKwok(binaries, { dir, pki, apiServerUrl, timeoutMs }, kubeconfigPath));
    return { etcdUrl: etcd.url, apiServerUrl, kubeconfigPath, processes, killApiServer, startApiServer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What starting a control-plane component needs. */
interface ComponentContext {
  dir: string;
  pki: ClusterPki;
  apiServerUrl: string;
  timeoutMs: number;
}

/** GETs /healthz of a component's own serving port (a self-signed certificate it made itself). */
function componentHealthy(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(`https://${LOOPBACK}:${port}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 && body.trim() === 'ok'));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: GET /healthz on port ${port}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts kube-controller-manager or kube-scheduler as its own user (the client certificate
 * kubeadm would give it, which RBAC's bootstrap roles know), serving /healthz on a free loopback
 * port, without leader election (one of each); resolves once /healthz answers ok.
 */
async function startComponent(name: 'kube-controller-manager' | 'kube-scheduler', command: string, context: ComponentContext, extraArgs: string[]): Promise<ManagedProcess> {
  const { dir, pki, apiServerUrl, timeoutMs } = context;
  const identity = name === 'kube-controller-manager' ? { cert: pki.controllerManagerCert, key: pki.controllerManagerKey } : { cert: pki.schedulerCert, key: pki.schedulerKey };
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  writeKubeconfig(kubeconfig, { server: apiServerUrl, caCertFile: pki.caCert, clientCertFile: identity.cert, clientKeyFile: identity.key, name });
  const [port] = await freePorts(1);
  const child = startProcess({
    name,
    command,
    args: [
      `--kubeconfig=${kubeconfig}`,
      // Delegated authentication and authorization of its own /healthz and /metrics callers.
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, `${name}-certs`)}`,
      '--leader-elect=false',
      ...extraArgs,
    ],
    logFile: join(dir, `${name}.log`),
  });
  try {
    await waitUntilReady(name, () => componentHealthy(port ?? 0), { timeoutMs, process: child, intervalMs: 250 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

/** Starts KWOK as its own user (bound to what it needs), for the nodes annotated SIMULATED_NODE_ANNOTATION. */
async function startKwok(binaries: Binaries, context: ComponentContext, adminKubeconfig: string): Promise<ManagedProcess> {
  const { dir, pki, apiServerUrl, timeoutMs } = context;
  const rbacFile = join(dir, 'kwok-rbac.json');
  writeFileSync(rbacFile, JSON.stringify(KWOK_RBAC));
  await kubectl({ kubectl: binaries.kubectl, kubeconfigPath: adminKubeconfig }, ['apply', '--server-side', '-f', rbacFile]);
  const kubeconfig = join(dir, 'kwok.kubeconfig');
  writeKubeconfig(kubeconfig, { server: apiServerUrl, caCertFile: pki.caCert, clientCertFile: pki.kwokCert, clientKeyFile: pki.kwokKey, name: 'kwok' });
  const [port] = await freePorts(1);
  // Its stages only (a node Ready at once, a pod Running and Ready), whatever ~/.kwok holds.
  const config = binaries.kwokStages;
  const child = startProcess({
    name: 'kwok',
    command: binaries.kwok,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${config}`,
      `--manage-nodes-with-annotation-selector=${SIMULATED_NODE_ANNOTATION.key}=${SIMULATED_NODE_ANNOTATION.value}`,
      // Pod IPs of the simulated nodes: outside the service range of the API server.
      '--cidr=10.0.128.0/17',
      // KWOK renews each node's Lease, as a kubelet does (its default, 0, renews none): without it the
      // node lifecycle controller finds the nodes' heartbeats (every 10 min in these stages) late and
      // marks them NotReady, and their pods not Ready, after its 40 s grace period.
      '--node-lease-duration-seconds=40',
      `--server-address=${LOOPBACK}:${port}`,
    ],
    logFile: join(dir, 'kwok.log'),
  });
  try {
    await waitUntilReady('kwok', async () => (await fetch(`http://${LOOPBACK}:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs, process: child, intervalMs: 250 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}
