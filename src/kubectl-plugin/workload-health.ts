/**
 * The one-word health of a FargateWorkload or FargateCluster from its kstatus conditions (pure),
 * by the rule the README gives for Argo CD: Stalled when `Stalled` is True; Progressing while the
 * operator has not observed the current generation or `Ready` is not True; Ready otherwise.
 */
import type { Condition, ObjectMeta } from '../api/types.js';
import { CONDITION_READY, CONDITION_STALLED, findCondition } from '../kube/conditions.js';

export type HealthState = 'Ready' | 'Progressing' | 'Stalled';

/** The health with the reason and message that explain it. */
export interface Health {
  state: HealthState;
  reason: string;
  message: string;
}

/** What health is read from: a FargateWorkload or a FargateCluster. */
export interface ReconciledObject {
  metadata: ObjectMeta;
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

/** Reason when the operator has written no status yet. */
export const REASON_NOT_RECONCILED = 'NotReconciled';
/** Reason when the status is of an older generation than the spec. */
export const REASON_GENERATION_NOT_OBSERVED = 'GenerationNotObserved';

export function healthOf(object: ReconciledObject): Health {
  const conditions = object.status?.conditions;
  const ready = findCondition(conditions, CONDITION_READY);
  const stalled = findCondition(conditions, CONDITION_STALLED);
  if (stalled?.status === 'True') return { state: 'Stalled', reason: stalled.reason, message: stalled.message };
  if (!ready) {
    return { state: 'Progressing', reason: REASON_NOT_RECONCILED, message: 'the operator has not written a status for it yet' };
  }
  const generation = object.metadata.generation;
  const observed = object.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return {
      state: 'Progressing',
      reason: REASON_GENERATION_NOT_OBSERVED,
      message: `the operator has not reconciled generation ${generation} yet (the status is of generation ${observed})`,
    };
  }
  if (ready.status === 'True') return { state: 'Ready', reason: ready.reason, message: ready.message };
  return { state: 'Progressing', reason: ready.reason, message: ready.message };
}

/**
 * True when a part condition was written for an older generation than the kstatus summary: the
 * operator stopped before that part in its latest reconcile (a spec or cluster problem), so the
 * condition tells what it found earlier, not now.
 */
export function isStaleCondition(condition: Condition, object: ReconciledObject): boolean {
  const summary = findCondition(object.status?.conditions, CONDITION_READY)?.observedGeneration;
  return condition.observedGeneration !== undefined && summary !== undefined && condition.observedGeneration < summary;
}
