/** Which profiles the cached workloads plan or still run on, for the delete-when-unused decision. */
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';
import { planFargateProfile } from '../../plan/index.js';
import type { ProfileUser } from './profile-usage.js';
import { findWorkloadCluster } from './workload-cluster.js';

/**
 * A workload's use as last worked out, per cached object. Informers replace an object on every
 * change, so the same workload object on the same cluster object plans the same profile: each
 * reconcile that asks about every workload (a delete, a profile move) plans only those that changed,
 * not the whole fleet again (at 1,000 workloads that was a third of the operator's CPU).
 */
const usesByObject = new WeakMap<FargateWorkload, { clusters: readonly FargateCluster[]; use: ProfileUser | undefined }>();

/** One workload as a {@link ProfileUser}, or undefined when it has no cluster. Pure. */
function profileUserOf(workload: FargateWorkload, clusters: readonly FargateCluster[]): ProfileUser | undefined {
  const lookup = findWorkloadCluster(workload, clusters);
  if (!lookup.found) return undefined;
  const names = new Set<string>();
  try {
    // The name does not depend on the execution role.
    names.add(planFargateProfile(workload, lookup.cluster, '').name);
  } catch {
    // A spec the planner cannot read plans no profile; its status may still name one.
  }
  const reported = workload.status?.fargateProfile?.name;
  if (reported) names.add(reported);
  return {
    key: keyOfObject(workload),
    clusterName: lookup.cluster.metadata.name ?? '',
    profileNames: [...names],
    deleting: Boolean(workload.metadata.deletionTimestamp),
  };
}

/** Whether two cluster lists hold the same objects in the same order (each list is a fresh array). */
function sameObjects(a: readonly FargateCluster[], b: readonly FargateCluster[]): boolean {
  return a.length === b.length && a.every((cluster, index) => cluster === b[index]);
}

/**
 * Every workload as a {@link ProfileUser}: the profile its spec plans on its cluster, and the one
 * its status reports (still in use while a move is under way). Workloads without a cluster use none.
 * Cached objects are never changed in place, so an answer is remembered per object (see usesByObject).
 */
export function profileUsers(workloads: readonly FargateWorkload[], clusters: readonly FargateCluster[]): ProfileUser[] {
  // One copy of the list per call, shared by the answers it remembers (the caller's may change).
  let remembered: readonly FargateCluster[] | undefined;
  return workloads.flatMap((workload) => {
    const known = usesByObject.get(workload);
    if (known && sameObjects(known.clusters, clusters)) return known.use ? [known.use] : [];
    const use = profileUserOf(workload, clusters);
    remembered ??= [...clusters];
    usesByObject.set(workload, { clusters: remembered, use });
    return use ? [use] : [];
  });
}
