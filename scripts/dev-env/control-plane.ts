import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { createClusterPki } from './pki.js';
import { freePorts, LOOPBACK } from './ports.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './processes.js';

/** A running etcd + kube-apiserver pair. */
export interface ControlPlane {
  etcdUrl: string;
  apiServerUrl: string;
  /** Admin kubeconfig (client certificate in system:masters). */
  kubeconfigPath: string;
  processes: ManagedProcess[];
  /** Stops the API server, then etcd. */
  stop(): Promise<void>;
}

/** Where and with what to start the control plane. */
export interface ControlPlaneOptions {
  binaries: Binaries;
  /** Folder for data, certificates, logs and the kubeconfig; the caller removes it. */
  dir: string;
  readyTimeoutMs?: number;
}

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
    const apiServer = startProcess({
      name: 'kube-apiserver',
      command: binaries.kubeApiserver,
      args: [
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
        // No controller-manager creates the default ServiceAccounts, so pods would be refused.
        '--disable-admission-plugins=ServiceAccount',
        // The least-privilege test reads what the operator's ServiceAccount did from this log.
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${auditLogPath(dir)}`,
      ],
      logFile: join(dir, 'kube-apiserver.log'),
    });
    processes.push(apiServer);

    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    await waitUntilReady(
      'kube-apiserver',
      async () => {
        const { status, body } = await apiServerGet(`${apiServerUrl}/readyz`, tls);
        if (status !== 200) throw new Error(`/readyz answered ${status}: ${body.slice(0, 500)}`);
        return body.trim() === 'ok';
      },
      { timeoutMs, process: apiServer, intervalMs: 250 },
    );

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, { server: apiServerUrl, caCertFile: pki.caCert, clientCertFile: pki.adminCert, clientKeyFile: pki.adminKey, name: 'eks-fargate-operator-local' });
    return { etcdUrl: etcd.url, apiServerUrl, kubeconfigPath, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
