/**
 * Changes of Kubernetes objects as `diff` shows them (pure): a manifest's own object (a
 * FargateWorkload or FargateCluster as `kubectl apply` would write it) and the workload's
 * children as the operator would apply them, with the operator's own decisions (needsApply,
 * notOwnedReason, staleChildren in src/operator/workload/child-state.ts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER, LAST_APPLIED_ANNOTATION } from '../api/constants.js';
import { keyOfObject } from '../kube/object-key.js';
import type { KubeObject } from '../plan/index.js';
import { childKind, needsApply, notOwnedReason, staleChildren, withAppliedHash } from '../operator/workload/child-state.js';
import type { LiveChild } from '../operator/workload/children-part.js';
import { changedFields, ownedFieldShape, removedFields } from './field-changes.js';
import type { DiffProblem, ResourceChange } from './resource-change.js';

/** What `kubectl apply` of a manifest object sets: labels, annotations and spec. */
function appliedPart(object: KubernetesObject & { spec?: unknown }): Record<string, unknown> {
  const { labels, annotations } = object.metadata ?? {};
  const ownAnnotations = annotations ? Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED_ANNOTATION)) : undefined;
  const metadata = { ...(labels ? { labels } : {}), ...(ownAnnotations && Object.keys(ownAnnotations).length > 0 ? { annotations: ownAnnotations } : {}) };
  return { ...(Object.keys(metadata).length > 0 ? { metadata } : {}), ...(object.spec === undefined ? {} : { spec: object.spec }) };
}

/** The previous apply kubectl recorded on the live object, if it parses. */
function lastApplied(live: KubernetesObject): unknown {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  try {
    return appliedPart(JSON.parse(text) as KubernetesObject);
  } catch {
    return undefined;
  }
}

/**
 * The change `kubectl apply` of a manifest object would make, or undefined when the live object
 * already holds it. A field the previous apply set and this one drops is removed.
 */
export function manifestChange(kind: string, desired: KubernetesObject & { spec?: unknown }, live: KubernetesObject | undefined): ResourceChange | undefined {
  const name = keyOfObject(desired);
  if (!live) return { layer: 'kubernetes', kind, name, action: 'create', fields: [], statements: [] };
  const wanted = appliedPart(desired);
  const fields = [...changedFields(wanted, live), ...removedFields(lastApplied(live), wanted, live)];
  return fields.length === 0 ? undefined : { layer: 'kubernetes', kind, name, action: 'change', fields, statements: [] };
}

/** The fields the operator's last server-side apply of a child set (its managedFields entry). */
function operatorOwnedFields(live: KubernetesObject): unknown {
  const entry = (live.metadata?.managedFields ?? []).find((field) => field.manager === FIELD_MANAGER && field.operation === 'Apply');
  return entry ? ownedFieldShape(entry.fieldsV1) : undefined;
}

/** A planned child as compared: without its identity, and without owner references when the owner's uid is not known yet. */
function comparedPart(planned: KubeObject, ownerKnown: boolean): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = planned;
  const { name: _name, namespace: _namespace, ownerReferences, ...meta } = metadata;
  return { metadata: { ...meta, ...(ownerKnown ? { ownerReferences } : {}) }, ...rest };
}

/** What the live state of the workload's children is, as `diff` read it. */
export interface ObservedChildObjects {
  /** The live object of each planned child's `Kind/name`; undefined when it does not exist. */
  byKey: ReadonlyMap<string, KubernetesObject | undefined>;
  /** The live children the workload controls (by its uid), of every kind. */
  owned: readonly LiveChild[];
  /** Kinds the API server does not serve (a CRD not installed). */
  unservedKinds: ReadonlySet<string>;
}

/**
 * The changes the operator would make to the workload's children: creates, changes field by field
 * (fields the last apply set and the plan drops are removed), and deletes of the children the plan
 * no longer names. A child of the same name that is not the workload's is a problem, not a change.
 */
export function childChanges(
  planned: readonly KubeObject[],
  observed: ObservedChildObjects,
  workloadUid: string | undefined,
  workloadLabel: string,
): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const changes: ResourceChange[] = [];
  const problems: DiffProblem[] = [];
  for (const child of planned) {
    const name = keyOfObject(child);
    const kind = childKind(child.kind);
    if (kind.whenNotServed && observed.unservedKinds.has(child.kind)) {
      const report = kind.whenNotServed();
      problems.push({ object: workloadLabel, stalled: false, reason: report.condition.reason, message: report.condition.message });
      continue;
    }
    const live = observed.byKey.get(`${child.kind}/${child.metadata.name}`);
    if (!live) {
      changes.push({ layer: 'kubernetes', kind: child.kind, name, action: 'create', fields: [], statements: [] });
      continue;
    }
    const notOurs = notOwnedReason(live, workloadUid);
    if (notOurs) {
      problems.push({ object: workloadLabel, stalled: true, reason: 'NotOwned', message: `${child.kind} ${name} exists and ${notOurs}; it is left untouched` });
      // As applyChildren does: without its own ServiceAccount the Deployment would run with another identity.
      if (child.kind === 'ServiceAccount') break;
      continue;
    }
    const desired = withAppliedHash(child);
    if (!needsApply(desired, live)) continue;
    const fields = [
      ...changedFields(comparedPart(child, workloadUid !== undefined), live),
      ...removedFields(operatorOwnedFields(live), comparedPart(desired, true), live).filter((field) => !field.path.startsWith('metadata.ownerReferences')),
    ];
    changes.push({
      layer: 'kubernetes',
      kind: child.kind,
      name,
      action: 'change',
      fields,
      statements: [],
      ...(fields.length === 0 ? { note: 'applied again: it was applied from another manifest (an earlier operator version); no field changes' } : {}),
    });
  }
  for (const stale of staleChildren(planned, observed.owned)) {
    changes.push({ layer: 'kubernetes', kind: stale.kind, name: keyOfObject(stale), action: 'delete', fields: [], statements: [], note: 'the workload no longer needs it' });
  }
  return { changes, problems };
}
