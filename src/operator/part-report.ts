/**
 * What each dependent part reports after converging, for workloads (profile, IAM role, network,
 * Kubernetes children) and FargateClusters (EKS cluster, OIDC provider, execution role, logging,
 * CoreDNS) alike, and how the reports become status: one condition per part plus the kstatus
 * summary (Ready / Reconciling / Stalled). One vocabulary for both kinds. Pure.
 */
import type { Condition, FargateWorkload, FargateWorkloadStatus } from '../api/types.js';
import { setCondition, setKstatus, type DesiredCondition, type KstatusState } from '../kube/conditions.js';

/** The per-part condition types, in the order the parts converge. */
export const CONDITION_PROFILE = 'FargateProfileReady';
export const CONDITION_IAM_ROLE = 'IAMRoleReady';
export const CONDITION_NETWORK = 'NetworkReady';
export const CONDITION_AVAILABLE = 'WorkloadAvailable';
export const CONDITION_INGRESS = 'IngressReady';

/** A part's condition without the generation and time, which the status adds. */
export type PartCondition = Omit<DesiredCondition, 'observedGeneration'>;

/** The outcome of converging one part. */
export interface PartReport {
  condition: PartCondition;
  /** Retrying cannot help until the spec (or something outside) changes: the workload is Stalled. */
  stalled?: boolean;
  /** The part is still moving (an AWS state, a lane): look again after this many ms. */
  requeueAfterMs?: number;
}

/** Records a Kubernetes Event about the workload for something a part did (AWS create/delete, failures). */
export type PartEvent = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** The reason of the event that lists what a reconcile created. */
export const CREATED_REASON = 'Created';

/** The message of a {@link CREATED_REASON} event: `created IAM role r, ServiceAccount s`. */
export function createdMessage(items: readonly string[]): string {
  return `created ${items.join(', ')}`;
}

/** A report whose condition is True. */
export function partReady(type: string, reason: string, message = ''): PartReport {
  return { condition: { type, status: 'True', reason, message } };
}

/** A report whose condition is False, still converging. */
export function partWaiting(type: string, reason: string, message: string, requeueAfterMs?: number): PartReport {
  return { condition: { type, status: 'False', reason, message }, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

/** A report whose condition is Unknown: the part cannot be judged until an earlier one is ready. */
export function partUnknown(type: string, reason: string, message: string): PartReport {
  return { condition: { type, status: 'Unknown', reason, message } };
}

/** A report whose condition is False for a reason only a change of spec or account fixes. */
export function partStalled(type: string, reason: string, message: string): PartReport {
  return { condition: { type, status: 'False', reason, message }, stalled: true };
}

/**
 * The kstatus summary of the parts: Stalled when any part is, else Reconciling with the first
 * part that is not True (in convergence order), else Ready (with `readyMessage`, if any).
 */
export function summarize(parts: readonly PartReport[], readyMessage?: string): KstatusState {
  const stalled = parts.find((part) => part.stalled);
  if (stalled) return { state: 'Stalled', reason: stalled.condition.reason, message: stalled.condition.message };
  const pending = parts.find((part) => part.condition.status !== 'True');
  if (pending) return { state: 'Reconciling', reason: pending.condition.reason, message: pending.condition.message };
  return { state: 'Ready', ...(readyMessage !== undefined ? { message: readyMessage } : {}) };
}

/** The shortest requeue any part asks for, if any asks. */
export function requeueOf(parts: readonly PartReport[]): number | undefined {
  const delays = parts.flatMap((part) => (part.requeueAfterMs !== undefined ? [part.requeueAfterMs] : []));
  return delays.length > 0 ? Math.min(...delays) : undefined;
}

/** The status fields other than conditions; a field left out keeps its previous value. */
export type StatusFields = Omit<FargateWorkloadStatus, 'conditions' | 'observedGeneration'>;

/**
 * The workload's next status: the previous one with the part conditions, the kstatus summary
 * and the given fields set. Conditions keep their lastTransitionTime while their status holds, so
 * an unchanged state yields an equal status (and the status writer makes no write).
 */
export function nextWorkloadStatus(
  workload: FargateWorkload,
  summary: KstatusState,
  parts: readonly PartReport[],
  fields: StatusFields,
  now: Date,
): FargateWorkloadStatus {
  const previous = workload.status ?? {};
  const generation = workload.metadata.generation;
  const withGeneration = generation === undefined ? {} : { observedGeneration: generation };
  let conditions: Condition[] = [...(previous.conditions ?? [])];
  for (const part of parts) conditions = setCondition(conditions, { ...part.condition, ...withGeneration }, now);
  conditions = setKstatus(conditions, { ...summary, ...withGeneration }, now);
  const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { ...previous, ...defined, ...withGeneration, conditions };
}
