/** The planner: FargateWorkload + FargateCluster + cluster facts -> desired AWS and Kubernetes state. */
export { type ClusterFacts, issuerHostPath, parseRoleArn } from './cluster-facts.js';
export { planWorkload, type WorkloadPlan } from './workload-plan.js';
export {
  planPodExecutionRole,
  type PodExecutionRolePlan,
  EXECUTION_ROLE_LOGGING_POLICY_NAME,
  FARGATE_LOGGING_ACTIONS,
} from './pod-execution-role.js';
export { planFargateProfile, profileSubnets, type FargateProfilePlan, type ProfileSelector } from './fargate-profile.js';
export { planIrsaRole, type IrsaRolePlan, IRSA_INLINE_POLICY_NAME } from './irsa-role.js';
export type { IamPolicyDocument, IamRolePlan, PolicyStatement } from './iam-role.js';
export { matchesWildcard, selectorMatches } from './profile-selector.js';
export { roleArnHash } from './deployment.js';
export {
  childOfKind,
  commonLabels,
  podSelectorLabels,
  ownerReference,
  type KubeObject,
  type ChildMeta,
  type OwnerReference,
  type ServiceAccountObject,
  type DeploymentObject,
  type ServiceObject,
  type IngressObject,
  type SecurityGroupPolicyObject,
  type HorizontalPodAutoscalerObject,
} from './kube-object.js';
