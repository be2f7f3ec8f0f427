/**
 * Which FargateCluster a FargateWorkload runs on (pure): the one rule every caller uses (the
 * workload reconciler, profile users, cluster deletion, event routing), so that a workload keeps
 * counting for its cluster whatever other FargateClusters come and go.
 */
import type { FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';

/**
 * The cluster recorded in the workload's status when it was chosen (its AWS resources live
 * there); else the one it names in `spec.clusterName`; else the only cluster there is. Undefined
 * when none is recorded, it names none, and there is not exactly one.
 */
export function clusterNameOfWorkload(workload: FargateWorkload, clusterNames: readonly string[]): string | undefined {
  const recorded = workload.status?.clusterName;
  if (recorded) return recorded;
  const named = workload.spec?.clusterName;
  if (named) return named;
  return clusterNames.length === 1 ? clusterNames[0] : undefined;
}

/**
 * Why a workload cannot follow its `spec.clusterName`: it names another cluster than the one its
 * status records (the API server refuses a change of a set name; this is a name set afterwards).
 * The workload stays on the recorded cluster, where its resources are, until a person decides.
 */
export function clusterNameChanged(workload: FargateWorkload): { reason: string; message: string } | undefined {
  const recorded = workload.status?.clusterName;
  const named = workload.spec?.clusterName;
  if (!recorded || !named || recorded === named) return undefined;
  return {
    reason: 'ClusterNameChanged',
    message:
      `spec.clusterName names ${named} but the workload runs on FargateCluster ${recorded} (status.clusterName), where its Fargate profile and IAM role are; ` +
      `a workload cannot move: set spec.clusterName back to ${recorded}, or delete the workload (its resources in ${recorded} are cleaned up) and create it again naming ${named}`,
  };
}

/** Why a workload that names no cluster cannot be given one: none exists, or several do. */
export function noClusterChosen(clusterNames: readonly string[]): { reason: string; message: string } {
  if (clusterNames.length === 0) {
    return { reason: 'NoFargateCluster', message: 'no FargateCluster exists: the platform team creates one per EKS cluster; the workload is reconciled again when one appears' };
  }
  const names = [...clusterNames].sort().join(', ');
  return { reason: 'ClusterAmbiguous', message: `${clusterNames.length} FargateClusters exist (${names}) and the workload names none: set spec.clusterName to one of them` };
}

/** The workloads that run on `clusterName`, sorted by key. */
export function workloadsOfCluster(
  clusterName: string,
  workloads: readonly FargateWorkload[],
  clusterNames: readonly string[],
): FargateWorkload[] {
  return workloads
    .filter((workload) => clusterNameOfWorkload(workload, clusterNames) === clusterName)
    .sort((a, b) => keyOfObject(a).localeCompare(keyOfObject(b)));
}
