import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/constants.js';
import { isNotFound } from './api-error.js';

/**
 * Server-side apply of any object under the operator's field manager, with `force` (the operator
 * owns what it applies). The content type is set explicitly to application/apply-patch+yaml: the
 * generated patch calls would otherwise send a JSON patch. Applying an unchanged object is not a
 * write: the API server keeps the resourceVersion.
 */
export function applyObject<T extends KubernetesObject>(client: KubernetesObjectApi, object: T): Promise<T> {
  return client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/**
 * A JSON merge patch under the operator's field manager: lists in `patch` replace the live ones
 * whole (server-side apply merges list entries other managers own; this does not).
 */
export function mergePatchObject<T extends KubernetesObject>(client: KubernetesObjectApi, patch: T): Promise<T> {
  return client.patch(patch, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
}

/** The live object, or undefined when it does not exist. */
export async function readObject<T extends KubernetesObject = KubernetesObject>(
  client: KubernetesObjectApi,
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): Promise<T | undefined> {
  try {
    return (await client.read(object)) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Identifies an object to delete. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Deletes an object in the background (children follow by garbage collection); true when it existed. */
export async function deleteObject(client: KubernetesObjectApi, ref: ObjectReference): Promise<boolean> {
  try {
    await client.delete(
      { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } },
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
