/**
 * Field-by-field differences between what a manifest sets and what is live (pure). The comparison
 * follows the operator's own (src/operator/workload/child-state.ts, holdsFields): a field the
 * manifest does not set is not a difference (the API server adds defaults, others add labels),
 * lists compare whole, scalars compare as text. Fields the last apply set and this one drops are
 * found from what was applied before: managedFields for the operator's children, kubectl's
 * last-applied annotation for a FargateWorkload.
 */
import { holdsFields } from '../operator/workload/child-state.js';
import type { FieldChange } from './resource-change.js';

type Path = readonly string[];

/** `spec.template.metadata.labels[fargate.eksops.dev/profile]`. */
export function formatPath(path: Path): string {
  return path.map((key, i) => (/[./[\]\s]/.test(key) ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The fields `desired` sets that `live` does not hold, leaf by leaf (a list is one leaf). */
export function changedFields(desired: unknown, live: unknown, path: Path = []): FieldChange[] {
  if (desired === undefined) return [];
  if (isMap(desired)) {
    const liveMap = isMap(live) ? live : {};
    return Object.entries(desired).flatMap(([key, value]) => changedFields(value, liveMap[key], [...path, key]));
  }
  if (holdsFields(live, desired)) return [];
  return [{ path: formatPath(path), ...(live === undefined || live === null ? {} : { from: live }), to: desired }];
}

/** The value at `path`, or undefined. */
function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (!isMap(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * The fields `previous` set that `desired` no longer sets and `live` still holds: an apply of
 * `desired` removes them. Maps are walked; a list or scalar `previous` set is one field.
 */
export function removedFields(previous: unknown, desired: unknown, live: unknown, path: Path = []): FieldChange[] {
  if (!isMap(previous)) return [];
  return Object.entries(previous).flatMap(([key, value]) => {
    const at = [...path, key];
    const wanted = valueAt(desired, at);
    if (wanted === undefined) {
      const current = valueAt(live, at);
      return current === undefined ? [] : [{ path: formatPath(at), from: current }];
    }
    return isMap(value) && isMap(wanted) ? removedFields(value, desired, live, at) : [];
  });
}

/**
 * The shape of the fields a manager owns, from its managedFields `fieldsV1` (`{"f:spec":
 * {"f:replicas": {}}}`): map keys become keys; an entry holding list items (`k:`, `v:`, `i:`)
 * is owned as a whole list, marked `true`.
 */
export function ownedFieldShape(fieldsV1: unknown): Record<string, unknown> {
  const shape: Record<string, unknown> = {};
  if (!isMap(fieldsV1)) return shape;
  for (const [key, value] of Object.entries(fieldsV1)) {
    if (!key.startsWith('f:')) continue;
    const children = isMap(value) ? Object.keys(value) : [];
    const listItems = children.some((child) => /^[kvi]:/.test(child));
    const mapChildren = children.some((child) => child.startsWith('f:'));
    shape[key.slice(2)] = !listItems && mapChildren ? ownedFieldShape(value) : true;
  }
  return shape;
}
