import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/constants.js';
import { isConflict, isNotFound } from './api-error.js';

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
 * Creates an object that must not exist yet (a plain POST under the operator's field manager): the
 * API server answers 409 AlreadyExists when it does, so an object someone else made is never
 * applied over. Server-side apply cannot say "create only": it creates or merges. The object is
 * then owned by an `Update` entry of the operator's manager; {@link adoptCreatedFields} makes that
 * an `Apply` entry before the first apply, so that an apply can remove what it no longer sets.
 */
export function createObject<T extends KubernetesObject>(client: KubernetesObjectApi, object: T): Promise<T> {
  return client.create(object, undefined, undefined, FIELD_MANAGER);
}

/** A managedFields entry, as the API server keeps it. */
type ManagedFieldsEntry = NonNullable<NonNullable<KubernetesObject['metadata']>['managedFields']>[number];

/** The union of two fieldsV1 sets (nested maps of `f:`/`k:`/`v:`/`.` keys to sets). Pure. */
export function unionFieldSets(a: unknown, b: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = { ...(isFieldSet(a) ? a : {}) };
  for (const [key, value] of Object.entries(isFieldSet(b) ? b : {})) {
    if (!(key in result)) {
      result[key] = value;
      continue;
    }
    const merged = unionFieldSets(result[key], value);
    // A field owned whole on one side (`{}`) and by its members on the other: owned whole too (`.`).
    if ((isEmptySet(result[key]) || isEmptySet(value)) && Object.keys(merged).length > 0) merged['.'] = {};
    result[key] = merged;
  }
  return result;
}

function isEmptySet(value: unknown): boolean {
  return isFieldSet(value) && Object.keys(value).length === 0;
}

function isFieldSet(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * managedFields with the operator's `Update` entries (from {@link createObject}, or a merge patch)
 * folded into its `Apply` entry, or undefined when there is none to fold. Pure. This is what
 * client-go's csaupgrade does for client-side apply: the fields the operator set by create stay
 * its own, now as fields it applied, so that an apply without them removes them.
 */
export function managedFieldsAsApplied(entries: readonly ManagedFieldsEntry[], manager: string): ManagedFieldsEntry[] | undefined {
  // Entries of a subresource (status) are another field set, and stay as they are.
  const mine = (entry: ManagedFieldsEntry): boolean => entry.manager === manager && !entry.subresource;
  const updates = entries.filter((entry) => mine(entry) && entry.operation === 'Update');
  if (updates.length === 0) return undefined;
  const applied = entries.find((entry) => mine(entry) && entry.operation === 'Apply');
  const base = applied ?? { ...updates[0]!, operation: 'Apply' };
  const { time: _time, ...rest } = base;
  const fieldsV1 = [applied, ...updates].reduce<Record<string, unknown>>((fields, entry) => (entry ? unionFieldSets(fields, entry.fieldsV1) : fields), {});
  const merged: ManagedFieldsEntry = { ...rest, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1 };
  return [...entries.filter((entry) => !mine(entry)), merged];
}

/** The object of that name is gone, or another one (its uid differs from the one judged). */
export class ObjectReplacedError extends Error {
  constructor(what: string) {
    super(`${what} was deleted, replaced or changed since the cache saw it; it is judged again on the next reconcile`);
    this.name = 'ObjectReplacedError';
  }
}

/**
 * Before an apply of an object that exists: reads it (the informer caches keep no managedFields)
 * and, when the operator's manager still owns fields by `Update` (from {@link createObject}),
 * rewrites managedFields with them as applied (a request that sets managedFields replaces them as
 * given), under the uid judged and the resourceVersion read. Throws {@link ObjectReplacedError}
 * when the object is gone or another; a write that lost to another one (409) is tried once more.
 */
export async function adoptCreatedFields(client: KubernetesObjectApi, object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, uid: string | undefined): Promise<void> {
  const identity = { name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
  const what = `${object.kind} ${identity.namespace ? `${identity.namespace}/` : ''}${identity.name}`;
  for (let attempt = 1; ; attempt++) {
    const live = await readObject(client, object);
    if (!live || (uid && live.metadata?.uid !== uid)) throw new ObjectReplacedError(what);
    const entries = managedFieldsAsApplied(live.metadata?.managedFields ?? [], FIELD_MANAGER);
    if (!entries) return;
    const metadata = { ...identity, uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion, managedFields: entries };
    try {
      await mergePatchObject(client, { apiVersion: object.apiVersion, kind: object.kind, metadata } as KubernetesObject);
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 2) throw error;
    }
  }
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
  /** The uid of the object the operator judged its own: a precondition of the delete. */
  uid?: string;
}

/**
 * Deletes an object in the background (children follow by garbage collection); true when it
 * existed. With a uid, only that object: one made again under the name by someone else since it
 * was judged is refused by the API server (409), and counts as gone.
 */
export async function deleteObject(client: KubernetesObjectApi, ref: ObjectReference): Promise<boolean> {
  try {
    await client.delete(
      { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } },
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
      // With a body the API server reads the options from it, not the query: both go in it.
      ref.uid ? { propagationPolicy: 'Background', preconditions: { uid: ref.uid } } : undefined,
    );
    return true;
  } catch (error) {
    if (isNotFound(error) || (ref.uid && isConflict(error))) return false;
    throw error;
  }
}
