/**
 * deploy/base's ServiceAccount for integration suites that run the operator as it runs in a
 * cluster: its RBAC applied to the test API server, and a kubeconfig with a token the API server
 * issued for it. Its requests are the ones the API server's audit log records
 * (OPERATOR_SERVICE_ACCOUNT_USER in scripts/dev-env/control-plane.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import type { TestEnvironment } from './test-env.js';

export const OPERATOR_NAMESPACE = 'eks-fargate-operator-system';
export const OPERATOR_SA = 'eks-fargate-operator';
export const OPERATOR_RBAC_FILES = [
  'deploy/base/rbac/service-account.yaml',
  'deploy/base/rbac/cluster-role.yaml',
  'deploy/base/rbac/cluster-role-binding.yaml',
  'deploy/base/rbac/leader-election-role.yaml',
  'deploy/base/rbac/leader-election-role-binding.yaml',
];

/** Applies deploy/base's namespace, ServiceAccount and RBAC (server-side, so re-applying is harmless). */
export async function applyOperatorRbac(environment: TestEnvironment): Promise<void> {
  const files = ['deploy/base/namespace.yaml', ...OPERATOR_RBAC_FILES];
  await kubectl(environment, ['apply', '--server-side', '--force-conflicts', ...files.flatMap((file) => ['-f', join(repoRoot(), file)])]);
}

/**
 * A kubeconfig (in a new folder under the environment's temp folder) that authenticates as the
 * ServiceAccount: deploy/base's, or `account` (one a Helm release made).
 */
export async function serviceAccountKubeconfig(environment: TestEnvironment, core: CoreV1Api, folderPrefix: string, account = { namespace: OPERATOR_NAMESPACE, name: OPERATOR_SA }): Promise<string> {
  const admin = JSON.parse(readFileSync(environment.kubeconfigPath, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const token = await core.createNamespacedServiceAccountToken({ name: account.name, namespace: account.namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const name = 'operator-service-account';
  const path = join(mkdtempSync(join(environment.tempDir, folderPrefix)), 'kubeconfig');
  writeFileSync(path, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: admin.clusters[0]!.cluster }],
    users: [{ name, user: { token: token.status?.token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  }), { mode: 0o600 });
  return path;
}
