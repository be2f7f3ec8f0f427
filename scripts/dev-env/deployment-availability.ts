/**
 * Plays the Deployment controller and the kubelet, which the local control plane does not run (no
 * kube-controller-manager, no nodes): every Deployment the operator made gets its status set to
 * all replicas available for its current generation. Used by `npm run demo` and the process tests.
 */
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../src/api/constants.js';
import { kubectl, type KubectlTarget } from './kubectl.js';

interface DeploymentLike {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; readyReplicas?: number; updatedReplicas?: number };
}

/** Label selector of every Kubernetes child the operator made. */
export const OPERATOR_CHILDREN_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;

/** Marks each operator-made Deployment (optionally in one namespace) available; returns the `namespace/name`s it patched. */
export async function markDeploymentsAvailable(target: KubectlTarget, namespace?: string): Promise<string[]> {
  const scope = namespace ? ['-n', namespace] : ['-A'];
  const list = JSON.parse((await kubectl(target, ['get', 'deployments', ...scope, '-l', OPERATOR_CHILDREN_SELECTOR, '-o', 'json'])).stdout) as { items: DeploymentLike[] };
  const patched: string[] = [];
  for (const deployment of list.items) {
    const replicas = deployment.spec?.replicas ?? 1;
    const generation = deployment.metadata.generation ?? 0;
    const status = deployment.status ?? {};
    if (status.observedGeneration === generation && [status.availableReplicas, status.readyReplicas, status.updatedReplicas].every((count) => count === replicas)) continue;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const patch = {
      status: {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'marked available: no nodes run here', lastUpdateTime: now, lastTransitionTime: now }],
      },
    };
    const { name } = deployment.metadata;
    await kubectl(target, ['patch', 'deployment', name, '-n', deployment.metadata.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify(patch)]);
    patched.push(`${deployment.metadata.namespace}/${name}`);
  }
  return patched;
}
