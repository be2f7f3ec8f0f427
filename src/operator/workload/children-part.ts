/**
 * The workload's Kubernetes children as a dependent part: observe the live ones (from the
 * informer caches, only those the workload controls), apply the planned ones that differ, delete
 * the ones the plan dropped, and delete them all on cleanup. Server-side apply under the
 * operator's field manager; a child that already holds the plan is not applied at all, so a
 * steady state sends no write.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../api/constants.js';
import type { FargateWorkload } from '../../api/types.js';
import { adoptCreatedFields, applyObject, createObject, deleteObject, mergePatchObject, ObjectReplacedError, readObject } from '../../kube/server-side-apply.js';
import type { KubeObject } from '../../plan/index.js';
import { childKind, driftedSpecFields, isKindNotServed, needsApply, notOwnedReason, ownedBy, sameManifest, staleChildren, withAppliedHash } from './child-state.js';
import { formatKubeApiError, isAlreadyExists, isNotFound, kubeApiErrorSummary } from '../../kube/api-error.js';
import { CONDITION_NETWORK, CREATED_REASON, createdMessage, partReady, partStalled, type PartEvent, type PartReport } from '../part-report.js';

/** A live child, with its kind and apiVersion filled in (list items lack them). */
export type LiveChild = KubernetesObject & { kind: string; apiVersion: string };

/** The workload's live children, and the kinds the API server does not serve. */
export interface ObservedChildren {
  children: LiveChild[];
  unservedKinds: Set<string>;
}

/** Reads of the workload's live children: the informer caches in the operator (src/operator/child-informers.ts), an in-memory store in unit tests. */
export interface ChildCache {
  /** The workload's children of every kind, controlled by its uid, and the kinds not served. */
  observe(workload: FargateWorkload): ObservedChildren;
  /** Every cached child of a kind, of any workload (a profile move looks for other users). */
  listKind(kind: KubeObject['kind']): KubernetesObject[];
}

/** The live child of a kind and name. */
export function liveChild(observed: ObservedChildren, kind: string, name: string): LiveChild | undefined {
  return observed.children.find((child) => child.kind === kind && child.metadata?.name === name);
}

/** The outcome of applying the children. */
export interface AppliedChildren {
  /** The network part: NotRequested, applied, or the SecurityGroupPolicy CRD missing. */
  network: PartReport;
  /** Each planned child as it now is (the apply answer, else the live object). */
  current: Map<string, KubernetesObject>;
  applied: number;
  deleted: number;
  /** Children the API server refused (400/422): a Stalled InvalidSpec report each, on the condition of the part. */
  refused: PartReport[];
}

/**
 * The report of a child the API server refused with 400 or 422 (a pod template it will not take:
 * two containers of one name, no image, restartPolicy Never): the server's message names the
 * field. Retrying cannot help until the spec changes. Undefined for any other error.
 */
export function refusedChild(kind: KubeObject['kind'], name: string, error: unknown): PartReport | undefined {
  const summary = kubeApiErrorSummary(error);
  if (!summary || (summary.code !== 400 && summary.code !== 422)) return undefined;
  const fields = summary.fields.length > 0 ? ` (fields: ${summary.fields.join(', ')})` : '';
  return partStalled(
    childKind(kind).condition,
    'InvalidSpec',
    `the API server refused ${kind} ${name}: ${formatKubeApiError(summary)}${fields}; correct spec.template (or the field named) in the FargateWorkload`,
  );
}

/** What creating a child the cache does not hold came to. */
type CreateOutcome =
  | { created: KubernetesObject }
  /** It existed and is the workload's (the cache had not seen it yet): the full live object. */
  | { ours: LiveChild }
  /** It existed and is not the workload's: the Stalled NotOwned report. */
  | { foreign: PartReport };

/**
 * Creates a child the workload's cache does not hold. A plain create, not an apply: when an object
 * of that kind and name exists (made by someone else, or by us and not cached yet), the API server
 * answers 409 and nothing is changed; only then is the object read and judged. A GET before an
 * apply would leave a window in which an object made by someone else is applied over (forced).
 */
async function createChild(objects: KubernetesObjectApi, desired: KubeObject): Promise<CreateOutcome> {
  try {
    return { created: await createObject(objects, desired as KubernetesObject) };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = await readObject(objects, desired);
  const where = desired.metadata.namespace ? `${desired.metadata.namespace}/` : '';
  // Deleted between the two calls: the next reconcile creates it (the error requeues with backoff).
  if (!existing) throw new Error(`${desired.kind} ${where}${desired.metadata.name} existed at create and was gone when read; creating it again`);
  const workloadUid = desired.metadata.ownerReferences.find((ref) => ref.controller)?.uid;
  const reason = notOwnedReason(existing, workloadUid);
  if (!reason) return { ours: { ...existing, kind: desired.kind, apiVersion: desired.apiVersion } };
  return { foreign: partStalled(childKind(desired.kind).condition, 'NotOwned', `${desired.kind} ${where}${desired.metadata.name} exists and ${reason}; it is left untouched`) };
}

/**
 * The object with the uid of the one the workload owns as a precondition: the API server applies
 * (or patches) only that object, and refuses when it is gone (409) or another object took its name
 * (422 on metadata.uid), so a child deleted and made again by someone else since the cache saw it
 * is never applied over. The uid is no field anyone manages.
 */
function withUid(object: KubeObject, uid: string | undefined): KubernetesObject {
  return (uid ? { ...object, metadata: { ...object.metadata, uid } } : object) as KubernetesObject;
}

/** The refusal of a request made with {@link withUid}'s precondition: the object is gone or another. */
function replacedSinceCached(error: unknown): boolean {
  if (error instanceof ObjectReplacedError) return true;
  const summary = kubeApiErrorSummary(error);
  return summary?.code === 409 || (summary?.code === 422 && summary.fields.includes('metadata.uid'));
}

/** Applies the planned children that differ from their live state, then deletes the stale ones. */
export async function applyChildren(
  objects: KubernetesObjectApi,
  planned: readonly KubeObject[],
  observed: ObservedChildren,
  event: PartEvent,
): Promise<AppliedChildren> {
  const current = new Map<string, KubernetesObject>();
  let network = partReady(CONDITION_NETWORK, 'NotRequested', 'the workload asks for no security groups');
  let applied = 0;
  const refused: PartReport[] = [];
  const created: string[] = [];
  try {
    for (const plannedObject of planned) {
      const { whenNotServed } = childKind(plannedObject.kind);
      if (whenNotServed && observed.unservedKinds.has(plannedObject.kind)) {
        network = whenNotServed();
        continue;
      }
      if (plannedObject.kind === 'SecurityGroupPolicy') {
        network = partReady(CONDITION_NETWORK, 'SecurityGroupPolicyApplied', `security groups ${plannedObject.spec.securityGroups.groupIds.join(', ')}`);
      }
      const desired = withAppliedHash(plannedObject);
      const key = `${desired.kind}/${desired.metadata.name}`;
      let live = liveChild(observed, desired.kind, desired.metadata.name);
      if (!live) {
        let outcome: CreateOutcome;
        try {
          outcome = await createChild(objects, desired);
        } catch (error) {
          // A CRD removed since its informer last listed: the kind is not served any more.
          if (whenNotServed && isKindNotServed(error)) {
            network = whenNotServed();
            continue;
          }
          const report = refusedChild(desired.kind, desired.metadata.name, error);
          if (!report) throw error;
          refused.push(report);
          continue;
        }
        if ('created' in outcome) {
          current.set(key, outcome.created);
          applied++;
          created.push(`${desired.kind} ${desired.metadata.name}`);
          continue;
        }
        if ('foreign' in outcome) {
          refused.push(outcome.foreign);
          // Without its own ServiceAccount the Deployment would run with another identity: nothing else is applied.
          if (desired.kind === 'ServiceAccount') break;
          continue;
        }
        live = outcome.ours;
      }
      if (!needsApply(desired, live)) {
        current.set(key, live);
        continue;
      }
      const uid = live.metadata?.uid;
      // Adopted (annotated, not yet controlled by the workload): an apply alone would merge the plan
      // with what its maker set; taking it over means the plan's spec fields replace theirs.
      const adopting = !ownedBy(live, desired.metadata.ownerReferences.find((ref) => ref.controller)?.uid);
      try {
        // Created by a plain create: its fields become applied ones first, or this apply could not
        // remove those it no longer sets.
        await adoptCreatedFields(objects, desired, uid);
        if (adopting) await replaceDriftedFields(objects, desired, live, 'set before the workload adopted it', event);
        current.set(key, await applyObject(objects, withUid(desired, uid)));
      } catch (error) {
        // A CRD removed since its informer last listed: the kind is not served any more.
        if (whenNotServed && isKindNotServed(error)) {
          network = whenNotServed();
          continue;
        }
        // Any other 404: the object was deleted between the cache and the write.
        if (replacedSinceCached(error) || isNotFound(error)) throw new ObjectReplacedError(key);
        const report = refusedChild(desired.kind, desired.metadata.name, error);
        if (!report) throw error;
        if (adopting || !sameManifest(desired, live)) {
          refused.push(report);
          current.set(key, live);
          continue;
        }
        // The same manifest was accepted before: the refusal comes from what another manager
        // changed, which server-side apply merges with instead of replacing (a list entry under a
        // new key, such as a Service port edited by hand). Put the planned fields back whole.
        try {
          if (!(await replaceDriftedFields(objects, desired, live, 'changed by another manager', event))) throw error;
          current.set(key, await applyObject(objects, withUid(desired, uid)));
        } catch (repairError) {
          if (replacedSinceCached(repairError)) throw new ObjectReplacedError(key);
          const again = refusedChild(desired.kind, desired.metadata.name, repairError);
          if (!again) throw repairError;
          refused.push(again);
          current.set(key, live);
          continue;
        }
      }
      applied++;
    }
  } finally {
    // One event for the children a reconcile created (an event is a write too: one, not one per
    // child), also when a later child failed: the next reconcile finds these cached and says nothing.
    if (created.length > 0) event('Normal', CREATED_REASON, createdMessage(created));
  }
  let deleted = 0;
  for (const stale of staleChildren(planned, observed.children)) {
    if (await deleteChild(objects, stale)) {
      deleted++;
      event('Normal', 'Deleted', `deleted ${stale.kind} ${stale.metadata?.name ?? ''}: no longer in the workload's spec`);
    }
  }
  return { network, current, applied, deleted, refused };
}

/**
 * Puts planned spec fields back whole with a merge patch. The patch makes the operator's manager an
 * Update owner of them beside its Apply entry; that entry is dropped again (a request that sets
 * managedFields replaces them as given), or a later apply could never remove those fields.
 */
async function replaceFields(objects: KubernetesObjectApi, desired: KubeObject, uid: string | undefined, fields: Record<string, unknown>): Promise<void> {
  const reference = { apiVersion: desired.apiVersion, kind: desired.kind };
  const identity = { name: desired.metadata.name, namespace: desired.metadata.namespace };
  // With the uid of the child (withUid): only the object the workload owns is patched.
  const patched = await mergePatchObject(objects, { ...reference, metadata: { ...identity, ...(uid ? { uid } : {}) }, spec: fields } as KubernetesObject);
  const entries = patched.metadata?.managedFields ?? [];
  const kept = entries.filter((entry) => !(entry.manager === FIELD_MANAGER && entry.operation === 'Update' && !entry.subresource));
  // On the object just patched, and only if nothing changed it since.
  const precondition = { uid: patched.metadata?.uid, resourceVersion: patched.metadata?.resourceVersion };
  if (kept.length !== entries.length) await mergePatchObject(objects, { ...reference, metadata: { ...identity, ...precondition, managedFields: kept } } as KubernetesObject);
}

/** {@link replaceFields} for the planned spec fields the live child does not hold, with an event; false when there are none. */
async function replaceDriftedFields(objects: KubernetesObjectApi, desired: KubeObject, live: LiveChild, why: string, event: PartEvent): Promise<boolean> {
  const fields = driftedSpecFields(desired, live);
  if (Object.keys(fields).length === 0) return false;
  await replaceFields(objects, desired, live.metadata?.uid, fields);
  event('Normal', 'DriftReplaced', `${desired.kind} ${desired.metadata.name}: replaced ${Object.keys(fields).map((field) => `spec.${field}`).join(', ')} ${why}`);
  return true;
}

/** Deletes every observed child (the workload is going; explicitly, not left to the garbage collector's pace). Returns how many existed. */
export async function deleteChildren(objects: KubernetesObjectApi, observed: ObservedChildren): Promise<number> {
  // Independent deletes, side by side: a workload's cleanup waits for one round trip, not one per child.
  const deleted = await Promise.all(observed.children.map((child) => deleteChild(objects, child)));
  return deleted.filter(Boolean).length;
}

function deleteChild(objects: KubernetesObjectApi, child: LiveChild): Promise<boolean> {
  return deleteObject(objects, {
    apiVersion: child.apiVersion,
    kind: child.kind,
    name: child.metadata?.name ?? '',
    ...(child.metadata?.namespace ? { namespace: child.metadata.namespace } : {}),
    // The cached child, not whatever holds its name now.
    ...(child.metadata?.uid ? { uid: child.metadata.uid } : {}),
  });
}
