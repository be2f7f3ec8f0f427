/**
 * What `diff` reports: the changes applying manifests would make, per object or AWS resource, and
 * the problems that would keep something from converging. One shape for the text and JSON output.
 */

/** What would happen to one object or AWS resource. */
export type ChangeAction = 'create' | 'change' | 'replace' | 'delete';

/** One field: `from` absent means added, `to` absent means removed. */
export interface FieldChange {
  /** Dotted path; map keys holding `.` or `/` in brackets (`metadata.labels[app.kubernetes.io/name]`). */
  path: string;
  from?: unknown;
  to?: unknown;
}

/** An IAM policy document's change, statement by statement (statements in canonical form). */
export interface StatementChange {
  /** `trust policy` or `inline policy NAME`. */
  policy: string;
  removed: unknown[];
  added: unknown[];
}

/** One Kubernetes object or AWS resource that would change. */
export interface ResourceChange {
  layer: 'kubernetes' | 'aws';
  /** FargateWorkload, Deployment, ..., or FargateProfile, IAMRole, OIDCProvider. */
  kind: string;
  /** `namespace/name` for namespaced objects, else the name. */
  name: string;
  action: ChangeAction;
  fields: FieldChange[];
  statements: StatementChange[];
  /** When or why, in words (a profile deleted only once its pods moved, a replacement's cause). */
  note?: string;
}

/** Something that would keep an object from converging: `stalled` until the spec changes, else it waits. */
export interface DiffProblem {
  /** `FargateWorkload team-a/web`, `FargateCluster demo`. */
  object: string;
  stalled: boolean;
  reason: string;
  message: string;
}

/** The changes of one manifest object (a FargateWorkload or FargateCluster) and of what it becomes. */
export interface ObjectDiff {
  /** `FargateWorkload team-a/web`. */
  object: string;
  changes: ResourceChange[];
  problems: DiffProblem[];
}

/** Counts of changes by action, over a whole report. */
export interface ChangeSummary {
  create: number;
  change: number;
  replace: number;
  delete: number;
}

/** The counts of a report (pure). */
export function summarizeChanges(diffs: readonly ObjectDiff[]): ChangeSummary {
  const summary: ChangeSummary = { create: 0, change: 0, replace: 0, delete: 0 };
  for (const diff of diffs) for (const change of diff.changes) summary[change.action] += 1;
  return summary;
}

/** True when applying would change anything. */
export function hasChanges(diffs: readonly ObjectDiff[]): boolean {
  return diffs.some((diff) => diff.changes.length > 0);
}
