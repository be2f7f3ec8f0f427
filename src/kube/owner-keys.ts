import type { KubernetesObject } from '@kubernetes/client-node';
import { formatKey } from './object-key.js';

/**
 * The queue key of the owner of `child`: its controller ownerReference of `ownerKind` (and
 * `ownerApiVersion`), in the child's namespace, or undefined (pure). Events on a child then
 * enqueue its owner. A cluster-scoped owner gets a name-only key.
 */
export function controllerOwnerKey(
  child: KubernetesObject,
  ownerApiVersion: string,
  ownerKind: string,
  ownerNamespaced = true,
): string | undefined {
  const owner = child.metadata?.ownerReferences?.find(
    (ref) => ref.controller === true && ref.kind === ownerKind && ref.apiVersion === ownerApiVersion,
  );
  if (!owner) return undefined;
  return formatKey({ namespace: ownerNamespaced ? child.metadata?.namespace : undefined, name: owner.name });
}
