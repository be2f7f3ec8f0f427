import type { Condition } from '../api/types.js';

/** kstatus condition types. */
export const CONDITION_READY = 'Ready';
export const CONDITION_RECONCILING = 'Reconciling';
export const CONDITION_STALLED = 'Stalled';

/** A condition as a reconciler states it; the time is filled in by {@link setCondition}. */
export type DesiredCondition = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns the conditions with `desired` set (pure). lastTransitionTime changes only when the
 * status changes, so repeating the same state leaves the list equal.
 */
export function setCondition(conditions: readonly Condition[] | undefined, desired: DesiredCondition, now: Date): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === desired.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing && existing.status === desired.status ? existing.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { ...desired, lastTransitionTime };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** Removes a condition type (pure). */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of a type, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** kstatus summary: Ready, Reconciling and Stalled set together so that tools read one consistent state. */
export type KstatusState =
  | { state: 'Ready'; message?: string; observedGeneration?: number }
  | { state: 'Reconciling'; reason: string; message: string; observedGeneration?: number }
  | { state: 'Stalled'; reason: string; message: string; observedGeneration?: number };

/** Sets the three kstatus conditions from one state (pure). */
export function setKstatus(conditions: readonly Condition[] | undefined, status: KstatusState, now: Date): Condition[] {
  const generation = status.observedGeneration === undefined ? {} : { observedGeneration: status.observedGeneration };
  const reason = status.state === 'Ready' ? 'Ready' : status.reason;
  const message = status.message ?? '';
  let list = setCondition(conditions, { type: CONDITION_READY, status: status.state === 'Ready' ? 'True' : 'False', reason, message, ...generation }, now);
  list = setCondition(
    list,
    { type: CONDITION_RECONCILING, status: status.state === 'Reconciling' ? 'True' : 'False', reason: status.state === 'Reconciling' ? reason : 'Done', message: status.state === 'Reconciling' ? message : '', ...generation },
    now,
  );
  return setCondition(
    list,
    { type: CONDITION_STALLED, status: status.state === 'Stalled' ? 'True' : 'False', reason: status.state === 'Stalled' ? reason : 'NotStalled', message: status.state === 'Stalled' ? message : '', ...generation },
    now,
  );
}
