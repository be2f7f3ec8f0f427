/**
 * The PodDisruptionBudget of a workload's pods. Fargate patches its infrastructure by evicting
 * pods through the eviction API, which respects PodDisruptionBudgets (EKS user guide, "Fargate OS
 * patching"), so a workload of several pods keeps all but one of them through it by default.
 */
import type { FargateWorkload } from '../api/types.js';
import { childMeta, podSelectorLabels, type PodDisruptionBudgetObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/** The default budget: one pod at a time. */
export const DEFAULT_MAX_UNAVAILABLE = 1;

/**
 * The budget, or undefined when there is nothing to protect: a workload of one replica without
 * autoscaling gets one only when spec.disruption asks for it.
 */
export function planPodDisruptionBudget(workload: FargateWorkload): PodDisruptionBudgetObject | undefined {
  const { disruption, autoscaling, replicas } = workload.spec;
  if (!disruption && !autoscaling && (replicas ?? 1) < 2) return undefined;
  const budget =
    disruption?.minAvailable !== undefined
      ? { minAvailable: disruption.minAvailable }
      : { maxUnavailable: disruption?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(workload, workloadName(workload)),
    spec: { selector: { matchLabels: podSelectorLabels(workload) }, ...budget },
  };
}
