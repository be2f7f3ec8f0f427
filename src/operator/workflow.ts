/**
 * A workflow of dependent parts, after the Java Operator SDK's dependent resources and
 * workflows: each part declares what it depends on, the runner converges the parts in order, and
 * a part whose dependency is not ready reports `WaitingFor<Dependency>` on its own conditions
 * instead of running. The order and the waiting are declared here, not written into a reconciler.
 */
import { partWaiting, type PartReport } from './part-report.js';

/** One part of a workflow over a state `S` that the parts read and add their results to. */
export interface Dependent<S> {
  /** What other parts name in `dependsOn`, and what `WaitingFor<name>` says. */
  name: string;
  /** Parts that must be ready before this one runs. */
  dependsOn?: readonly string[];
  /** Converges the part; its reports join the status. */
  converge(state: S): Promise<PartReport[]>;
  /** Whether the parts that depend on this one may run; default: every report of it is True. */
  ready?(state: S, reports: readonly PartReport[]): boolean;
  /** The part's reports while `dependency` is not ready: its conditions, False with WaitingFor<dependency>. */
  waiting(dependency: string, state: S): PartReport[];
  /** Deletes what the part made (the owner is going); True reports once it is gone or kept. */
  delete?(state: S): Promise<PartReport[]>;
}

/** The reason of a part blocked by `dependency`. */
export function waitingFor(dependency: string): string {
  return `WaitingFor${dependency}`;
}

/** Every report True: the default readiness of a part. */
function allTrue(reports: readonly PartReport[]): boolean {
  return reports.every((report) => report.condition.status === 'True');
}

/**
 * Deletes the parts in reverse order: a part is deleted only once every part that depends on it is
 * (children before the profile their pods run on); a part without `delete` has nothing to delete.
 * Returns the reports of what is not gone yet (empty: everything is).
 */
export async function deleteWorkflow<S>(parts: readonly Dependent<S>[], state: S): Promise<PartReport[]> {
  const gone = new Set<string>();
  const pending: PartReport[] = [];
  for (const part of [...parts].reverse()) {
    const waitingOn = parts.filter((other) => other.dependsOn?.includes(part.name) && !gone.has(other.name)).map((other) => other.name);
    if (waitingOn.length > 0) {
      pending.push(partWaiting(part.name, 'WaitingForDeletion', `${part.name} is deleted once ${waitingOn.join(' and ')} ${waitingOn.length === 1 ? 'is' : 'are'} gone`));
      continue;
    }
    const reports = part.delete ? await part.delete(state) : [];
    const open = reports.filter((report) => report.condition.status !== 'True');
    pending.push(...open);
    if (open.length === 0) gone.add(part.name);
  }
  return pending;
}

/**
 * Converges the parts in the order given (a part's dependencies come before it; a dependency
 * named but not declared is a programming error). Returns every part's reports, in order.
 */
export async function convergeWorkflow<S>(parts: readonly Dependent<S>[], state: S): Promise<PartReport[]> {
  const declared = new Set<string>();
  const ready = new Set<string>();
  const reports: PartReport[] = [];
  for (const part of parts) {
    const unknown = (part.dependsOn ?? []).filter((name) => !declared.has(name));
    if (unknown.length > 0) throw new Error(`part ${part.name} depends on ${unknown.join(', ')}, which no earlier part is`);
    declared.add(part.name);
    const blocking = (part.dependsOn ?? []).find((name) => !ready.has(name));
    if (blocking !== undefined) {
      reports.push(...part.waiting(blocking, state));
      continue;
    }
    const own = await part.converge(state);
    reports.push(...own);
    if (part.ready ? part.ready(state, own) : allTrue(own)) ready.add(part.name);
  }
  return reports;
}
