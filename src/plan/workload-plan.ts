/** The whole desired state of one FargateWorkload: its AWS resources and Kubernetes children. */
import { withClusterDefaults, withWorkloadDefaults } from '../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import type { ClusterFacts } from './cluster-facts.js';
import { planDeployment } from './deployment.js';
import { planFargateProfile, type FargateProfilePlan } from './fargate-profile.js';
import { planHorizontalPodAutoscaler } from './horizontal-pod-autoscaler.js';
import { planIngress } from './ingress.js';
import { planIrsaRole, type IrsaRolePlan } from './irsa-role.js';
import type { KubeObject } from './kube-object.js';
import { planPodDisruptionBudget } from './pod-disruption-budget.js';
import { planPodExecutionRole, type PodExecutionRolePlan } from './pod-execution-role.js';
import { planSecurityGroupPolicy } from './security-group-policy.js';
import { planService } from './service.js';
import { planServiceAccount } from './service-account.js';

/** Desired state of a workload. */
export interface WorkloadPlan {
  aws: { podExecutionRole: PodExecutionRolePlan; fargateProfile: FargateProfilePlan; iamRole: IrsaRolePlan };
  /** Plain manifests in apply order. */
  kubernetes: KubeObject[];
}

/**
 * Plans a workload on its cluster. Pure: the same input gives the same output, byte for byte.
 * The input is assumed valid (see src/api/validate.ts); defaults are applied here.
 */
export function planWorkload(workloadIn: FargateWorkload, clusterIn: FargateCluster, facts: ClusterFacts): WorkloadPlan {
  const workload = withWorkloadDefaults(workloadIn);
  const cluster = withClusterDefaults(clusterIn);
  const podExecutionRole = planPodExecutionRole(cluster, facts);
  const fargateProfile = planFargateProfile(workload, cluster, podExecutionRole.arn);
  const iamRole = planIrsaRole(workload, cluster, facts);
  const { ingress, autoscaling } = workload.spec;
  const securityGroupIds = workload.spec.networking?.securityGroupIds ?? [];
  return {
    aws: { podExecutionRole, fargateProfile, iamRole },
    kubernetes: [
      planServiceAccount(workload, iamRole),
      // Before the Deployment: pods get their security groups when they are created, so pods
      // started before the policy exists would run with the wrong ones until replaced.
      ...(securityGroupIds.length > 0 ? [planSecurityGroupPolicy(workload, securityGroupIds)] : []),
      planDeployment(workload, fargateProfile, iamRole),
      ...optional(planPodDisruptionBudget(workload)),
      ...(ingress ? [planService(workload, ingress), planIngress(workload, ingress)] : []),
      ...(autoscaling ? [planHorizontalPodAutoscaler(workload, autoscaling)] : []),
    ],
  };
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}
