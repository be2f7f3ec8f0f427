/**
 * The text form of a diff report (pure), read by a person reviewing a change: one block per
 * manifest object, `+` create, `~` change, `-/+` replace, `-` delete; fields as `path: from ->
 * to`; IAM policies statement by statement; `!` for what would keep it from converging.
 */
import { summarizeChanges, type ChangeAction, type FieldChange, type ObjectDiff, type ResourceChange } from './resource-change.js';

const SYMBOL: Record<ChangeAction, string> = { create: '+', change: '~', replace: '-/+', delete: '-' };

function value(v: unknown): string {
  return JSON.stringify(v);
}

function fieldLine(field: FieldChange): string {
  if (!('from' in field)) return `+ ${field.path}: ${value(field.to)}`;
  if (!('to' in field)) return `- ${field.path}: ${value(field.from)}`;
  return `~ ${field.path}: ${value(field.from)} -> ${value(field.to)}`;
}

function changeLines(change: ResourceChange): string[] {
  const where = change.layer === 'aws' ? ` (AWS)` : '';
  const note = change.note ? `: ${change.note}` : '';
  const lines = [`  ${SYMBOL[change.action]} ${change.kind} ${change.name}${where}${note}`];
  for (const field of change.fields) lines.push(`      ${fieldLine(field)}`);
  for (const statements of change.statements) {
    if (statements.removed.length === 0 && statements.added.length === 0) continue;
    lines.push(`      ${statements.policy}:`);
    for (const statement of statements.removed) lines.push(`        - ${value(statement)}`);
    for (const statement of statements.added) lines.push(`        + ${value(statement)}`);
  }
  return lines;
}

/** The report as text, ending with a summary line. */
export function formatDiffText(diffs: readonly ObjectDiff[]): string {
  const lines: string[] = [];
  for (const diff of diffs) {
    lines.push(diff.object);
    if (diff.changes.length === 0) lines.push('  no change');
    for (const change of diff.changes) lines.push(...changeLines(change));
    for (const problem of diff.problems) {
      lines.push(`  ! ${problem.stalled ? 'would be Stalled' : 'would not be Ready'} (${problem.reason}): ${problem.message.replace(/\s*\n\s*/g, '; ')}`);
    }
  }
  const summary = summarizeChanges(diffs);
  const total = summary.create + summary.change + summary.replace + summary.delete;
  lines.push(
    total === 0
      ? 'No changes.'
      : `${summary.create} to create, ${summary.change} to change, ${summary.replace} to replace, ${summary.delete} to delete.`,
  );
  return `${lines.join('\n')}\n`;
}
