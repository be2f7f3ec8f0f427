/**
 * Which FargateCluster a FargateWorkload runs on (pure): the one rule every caller uses (the
 * workload reconciler, profile users, cluster deletion, event routing), so that a workload keeps
 * counting for its cluster whatever other FargateClusters come and go.
 */
import type { FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';

/**
 * The cluster a workload names in `spec.clusterName`; else the one recorded in its status when it
 * was chosen; else the only cluster there is. Undefined when it names none, none is recorded, and
 * there is not exactly one.
 */
export function clusterNameOfWorkload(workload: FargateWorkload, clusterNames: readonly string[]): string | undefined {
  const named = workload.spec?.clusterName;
  if (named) return named;
  const recorded = workload.status?.clusterName;
  if (recorded) return recorded;
  return clusterNames.length === 1 ? clusterNames[0] : undefined;
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
