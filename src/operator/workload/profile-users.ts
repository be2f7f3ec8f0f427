/** Which profiles the cached workloads plan or still run on, for the delete-when-unused decision. Pure. */
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';
import { planFargateProfile } from '../../plan/index.js';
import type { ProfileUser } from './profile-usage.js';
import { findWorkloadCluster } from './workload-cluster.js';

/**
 * Every workload as a {@link ProfileUser}: the profile its spec plans on its cluster, and the one
 * its status reports (still in use while a move is under way). Workloads without a cluster use none.
 */
export function profileUsers(workloads: readonly FargateWorkload[], clusters: readonly FargateCluster[]): ProfileUser[] {
  return workloads.flatMap((workload) => {
    const lookup = findWorkloadCluster(workload, clusters);
    if (!lookup.found) return [];
    const names = new Set<string>();
    try {
      // The name does not depend on the execution role.
      names.add(planFargateProfile(workload, lookup.cluster, '').name);
    } catch {
      // A spec the planner cannot read plans no profile; its status may still name one.
    }
    const reported = workload.status?.fargateProfile?.name;
    if (reported) names.add(reported);
    return [
      {
        key: keyOfObject(workload),
        clusterName: lookup.cluster.metadata.name ?? '',
        profileNames: [...names],
        deleting: Boolean(workload.metadata.deletionTimestamp),
      },
    ];
  });
}
