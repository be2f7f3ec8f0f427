import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-error.js';

/** Identifies the object whose finalizers change. */
export interface FinalizerTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The finalizer list with `finalizer` added or removed, or undefined when it is already so (pure). */
export function changedFinalizers(current: readonly string[] | undefined, finalizer: string, present: boolean): string[] | undefined {
  const list = current ?? [];
  if (list.includes(finalizer) === present) return undefined;
  return present ? [...list, finalizer] : list.filter((f) => f !== finalizer);
}

/**
 * Makes `finalizer` present or absent on the object: get, modify, update with the read
 * resourceVersion, retrying on 409 Conflict with a fresh read. Returns the object as the API
 * server answered the update (its new resourceVersion: the caller needs no read to write on), or
 * undefined when nothing was written; a missing object counts as done when removing.
 */
export async function ensureFinalizer(
  client: KubernetesObjectApi,
  target: FinalizerTarget,
  finalizer: string,
  present: boolean,
  maxAttempts = 5,
): Promise<KubernetesObject | undefined> {
  const header = { apiVersion: target.apiVersion, kind: target.kind, metadata: { name: target.name, namespace: target.namespace } };
  for (let attempt = 1; ; attempt++) {
    let object: KubernetesObject;
    try {
      object = await client.read(header);
    } catch (error) {
      if (!present && isNotFound(error)) return undefined;
      throw error;
    }
    const finalizers = changedFinalizers(object.metadata?.finalizers, finalizer, present);
    if (!finalizers) return undefined;
    try {
      return await client.replace({ ...object, metadata: { ...object.metadata, finalizers } });
    } catch (error) {
      if (!present && isNotFound(error)) return undefined;
      if (!isConflict(error) || attempt >= maxAttempts) throw error;
    }
  }
}
