/** Where a workload lives, read the same way by every part of the plan. */
import type { FargateCluster, FargateWorkload } from '../api/types.js';

/** The workload's namespace; "default" for a file without one, as kubectl would apply it. */
export function workloadNamespace(workload: FargateWorkload): string {
  return workload.metadata.namespace || 'default';
}

/** The workload's name. */
export function workloadName(workload: FargateWorkload): string {
  return workload.metadata.name ?? '';
}

/** The EKS cluster name, which is the FargateCluster's name. */
export function clusterName(cluster: FargateCluster): string {
  return cluster.metadata.name ?? '';
}
