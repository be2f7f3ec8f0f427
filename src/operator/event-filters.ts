/**
 * Which informer events are worth a reconcile (pure). A status written by the operator itself
 * must not wake the object again: a failing reconcile writes "retrying in ..." into status, and if
 * that write re-queued the key at once, the backoff would never apply (controller-runtime's
 * GenerationChangedPredicate makes the same cut). Likewise a child's status that the operator does
 * not read (an HPA's current metrics, a PDB's healthy count) changes nothing it would do.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { statusEquivalent } from '../kube/status-equality.js';

/** What of one of the operator's own objects (FargateWorkload, FargateCluster) a user changes: not its status. */
export function intentDigest(object: KubernetesObject): string {
  const { generation, deletionTimestamp, labels, annotations, finalizers } = object.metadata ?? {};
  return JSON.stringify({ generation, deletionTimestamp, labels, annotations, finalizers });
}

/** Child kinds whose status the reconciler reads: Deployment availability, the Ingress's load balancer. */
const STATUS_READ = new Set(['Deployment', 'Ingress']);

function withoutBookkeeping(object: KubernetesObject): unknown {
  const { metadata, ...rest } = object as KubernetesObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
  const { status: _status, ...body } = rest as { status?: unknown };
  return { ...body, metadata: meta };
}

/** True when a child's update matters to its workload: anything but a status nobody reads. */
export function childChangeMatters(kind: string, previous: KubernetesObject | undefined, next: KubernetesObject): boolean {
  if (!previous || STATUS_READ.has(kind)) return true;
  return !statusEquivalent(withoutBookkeeping(previous), withoutBookkeeping(next));
}
