import type { CustomObjectsApi } from '@kubernetes/client-node';
import { statusEquivalent } from './status-equality.js';

/** Where a custom resource lives. */
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  name: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
}

/** Status the operator writes: always with the generation it reconciled. */
export interface StatusWithGeneration {
  observedGeneration?: number;
  [field: string]: unknown;
}

/**
 * Writes `desired` to the status subresource unless it equals `current` (ignoring
 * lastTransitionTime), so a steady state costs no write. Returns whether it wrote.
 * It sends a JSON patch `add /status` (the generated call's default content type), which
 * replaces the whole status and works whether or not one exists yet.
 */
export async function writeStatus(
  api: CustomObjectsApi,
  ref: CustomResourceRef,
  current: unknown,
  desired: StatusWithGeneration,
): Promise<boolean> {
  if (current !== undefined && statusEquivalent(current, desired)) return false;
  const body = [{ op: 'add', path: '/status', value: desired }];
  if (ref.namespace) {
    await api.patchNamespacedCustomObjectStatus({ ...ref, namespace: ref.namespace, body });
  } else {
    await api.patchClusterCustomObjectStatus({ ...ref, body });
  }
  return true;
}
