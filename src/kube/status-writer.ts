import type { CustomObjectsApi } from '@kubernetes/client-node';
import { isConflict } from './api-error.js';
import { statusEquivalent } from './status-equality.js';

/** Where a custom resource lives. */
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  name: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  /**
   * The resourceVersion of the object `current` was read from: the write is conditional on it.
   * Absent, the writer reads the object first.
   */
  resourceVersion?: string;
}

/** Status the operator writes: always with the generation it reconciled. */
export interface StatusWithGeneration {
  observedGeneration?: number;
  [field: string]: unknown;
}

/** Attempts of one status write that another writer keeps beating; then the 409 goes to the caller. */
export const STATUS_WRITE_ATTEMPTS = 4;

/**
 * What to do with a status computed from the object as it was: `newer` when the status there
 * already reports a later generation than the one computed (writing would go back in time),
 * `unchanged` when it equals the computed one (ignoring lastTransitionTime), else `write`. Pure.
 */
export function decideStatusWrite(current: unknown, desired: { observedGeneration?: number }): 'write' | 'unchanged' | 'newer' {
  const observed = (current as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  if (typeof observed === 'number' && desired.observedGeneration !== undefined && observed > desired.observedGeneration) return 'newer';
  if (current !== undefined && statusEquivalent(current, desired)) return 'unchanged';
  return 'write';
}

/**
 * Writes `desired` to the status subresource unless `decideStatusWrite` says not to, so a steady
 * state costs no write and a status never replaces one of a later generation. The write is
 * conditional on the resourceVersion the status was computed from: when another writer got there
 * first (409 Conflict), the object is read again and the decision made afresh against what that
 * writer left, up to {@link STATUS_WRITE_ATTEMPTS} times. Returns whether it wrote.
 * It sends a JSON patch that sets metadata.resourceVersion (the API server's precondition: a
 * different stored one is a 409) and `add /status`, which replaces the whole status and works
 * whether or not one exists yet.
 */
export async function writeStatus(api: CustomObjectsApi, ref: CustomResourceRef, current: unknown, desired: StatusWithGeneration): Promise<boolean> {
  let seen = { status: current, resourceVersion: ref.resourceVersion };
  for (let attempt = 1; ; attempt++) {
    if (decideStatusWrite(seen.status, desired) !== 'write') return false;
    if (seen.resourceVersion === undefined) {
      seen = await readStatus(api, ref);
      if (decideStatusWrite(seen.status, desired) !== 'write') return false;
    }
    try {
      await patchStatus(api, ref, seen.resourceVersion ?? '', desired);
      return true;
    } catch (error) {
      if (!isConflict(error) || attempt >= STATUS_WRITE_ATTEMPTS) throw error;
    }
    seen = { status: undefined, resourceVersion: undefined };
  }
}

/**
 * The object's status and resourceVersion, read from the API server (not a cache). It reads the
 * object itself, which the operator's ClusterRole lets it get, not the status subresource.
 */
async function readStatus(api: CustomObjectsApi, ref: CustomResourceRef): Promise<{ status: unknown; resourceVersion: string }> {
  const { group, version, plural, name, namespace } = ref;
  const object = (namespace
    ? await api.getNamespacedCustomObject({ group, version, plural, name, namespace })
    : await api.getClusterCustomObject({ group, version, plural, name })) as { status?: unknown; metadata?: { resourceVersion?: string } };
  return { status: object.status, resourceVersion: object.metadata?.resourceVersion ?? '' };
}

async function patchStatus(api: CustomObjectsApi, ref: CustomResourceRef, resourceVersion: string, desired: StatusWithGeneration): Promise<void> {
  const { group, version, plural, name, namespace } = ref;
  const body = [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'add', path: '/status', value: desired },
  ];
  if (namespace) await api.patchNamespacedCustomObjectStatus({ group, version, plural, name, namespace, body });
  else await api.patchClusterCustomObjectStatus({ group, version, plural, name, body });
}
