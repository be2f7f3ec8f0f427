/**
 * The Fargate profile that schedules a workload's pods (design, section 3). Every placement
 * selects on the pod label `fargate.eksops.dev/profile: <profile name>`, so a workload moves to
 * another profile by a rolling update of that label.
 */
import { EKS_FARGATE_PROFILE_LABEL, PROFILE_LABEL } from '../api/constants.js';
import {
  DEFAULT_NAMESPACE_PATTERN,
  DEFAULT_PLACEMENT,
  DEFAULT_PROFILE_PREFIX,
  withClusterDefaults,
  withWorkloadDefaults,
} from '../api/defaults.js';
import type { FargateCluster, FargateWorkload, ProfilePlacement } from '../api/types.js';
import { shortHash } from './hash.js';
import { hashedName, PROFILE_NAME_RULES } from './names.js';
import { clusterTags, namespaceTags, workloadTags } from './ownership-tags.js';
import { clusterName, workloadName, workloadNamespace } from './workload-identity.js';

/** One selector of a Fargate profile; `*` and `?` work in the namespace, label keys and values. */
export interface ProfileSelector {
  namespace: string;
  labels: Record<string, string>;
}

/** Desired state of the Fargate profile a workload runs on. */
export interface FargateProfilePlan {
  name: string;
  /** The EKS cluster name (the FargateCluster's name). */
  clusterName: string;
  /** Sorted and deduplicated: the same set always gives the same profile. */
  subnets: string[];
  selectors: ProfileSelector[];
  podExecutionRoleArn: string;
  tags: Record<string, string>;
  placement: ProfilePlacement;
  /** Labels a pod must carry to be scheduled with this profile. */
  podLabels: Record<string, string>;
}

/** The profile a workload needs, by its placement. */
export function planFargateProfile(
  workloadIn: FargateWorkload,
  clusterIn: FargateCluster,
  podExecutionRoleArn: string,
): FargateProfilePlan {
  const workload = withWorkloadDefaults(workloadIn);
  const cluster = withClusterDefaults(clusterIn);
  const placement = workload.spec.fargateProfile?.placement ?? DEFAULT_PLACEMENT;
  const subnets = profileSubnets(workload, cluster);
  const shape = placementShape(placement, workload, cluster, subnets);
  return {
    name: shape.name,
    clusterName: clusterName(cluster),
    subnets,
    selectors: [{ namespace: shape.namespace, labels: { [PROFILE_LABEL]: shape.name } }],
    podExecutionRoleArn,
    tags: shape.tags,
    placement,
    podLabels: { [PROFILE_LABEL]: shape.name, [EKS_FARGATE_PROFILE_LABEL]: shape.name },
  };
}

/** The workload's own subnets, else the cluster's; sorted and deduplicated. */
export function profileSubnets(workload: FargateWorkload, cluster: FargateCluster): string[] {
  const own = workload.spec.fargateProfile?.subnetIds;
  const chosen = own && own.length > 0 ? own : cluster.spec.subnetIds;
  return [...new Set(chosen)].sort();
}

/** What differs between placements: the name, the selector namespace and how widely the profile is owned. */
function placementShape(
  placement: ProfilePlacement,
  workload: FargateWorkload,
  cluster: FargateCluster,
  subnets: string[],
): { name: string; namespace: string; tags: Record<string, string> } {
  const prefix = cluster.spec.profiles?.namePrefix ?? DEFAULT_PROFILE_PREFIX;
  const eksCluster = clusterName(cluster);
  const namespace = workloadNamespace(workload);
  const name = workloadName(workload);
  switch (placement) {
    case 'Namespace':
      return {
        name: hashedName(`${prefix}-ns-${namespace}`, shortHash([eksCluster, namespace, ...subnets]), PROFILE_NAME_RULES),
        namespace,
        tags: namespaceTags(eksCluster, namespace, 'fargate-profile'),
      };
    case 'Dedicated':
      return {
        name: hashedName(
          `${prefix}-${namespace}-${name}`,
          shortHash([eksCluster, namespace, name, ...subnets]),
          PROFILE_NAME_RULES,
        ),
        namespace,
        tags: workloadTags(eksCluster, workload, 'fargate-profile'),
      };
    case 'Shared':
      // Shared by every namespace: owned by the cluster only, never by one workload.
      return {
        name: hashedName(`${prefix}-shared`, shortHash(subnets), PROFILE_NAME_RULES),
        namespace: cluster.spec.profiles?.namespacePattern ?? DEFAULT_NAMESPACE_PATTERN,
        tags: clusterTags(eksCluster, 'fargate-profile'),
      };
  }
}
