/** Which FargateCluster a FargateWorkload runs on (pure). */
import type { FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';

/**
 * The cluster a workload names in `spec.clusterName`, or, when it names none, the only cluster
 * there is; undefined when it names none and there is not exactly one.
 */
export function clusterNameOfWorkload(workload: FargateWorkload, clusterNames: readonly string[]): string | undefined {
  const named = workload.spec?.clusterName;
  if (named) return named;
  return clusterNames.length === 1 ? clusterNames[0] : undefined;
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
