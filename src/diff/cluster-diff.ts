/**
 * Everything applying one FargateCluster would change (pure): the object, the pod execution role
 * the operator manages for it (statement by statement), and the OIDC provider it would create.
 * The decisions are the FargateCluster reconciler's (src/operator/cluster/execution-role-part.ts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, TAG_CLUSTER } from '../api/constants.js';
import type { FargateCluster } from '../api/types.js';
import { replacementReason, type ObservedRole } from '../aws/iam-roles.js';
import { trustsFargatePods } from '../operator/cluster/cluster-status.js';
import { isClusterExecutionRole } from '../operator/cluster/execution-role-part.js';
import type { PodExecutionRolePlan } from '../plan/pod-execution-role.js';
import { roleChange } from './iam-role-changes.js';
import { manifestChange } from './object-changes.js';
import type { DiffProblem, ObjectDiff, ResourceChange } from './resource-change.js';

/** What `diff` read for one FargateCluster. */
export interface ObservedFargateCluster {
  desired: FargateCluster;
  live?: FargateCluster;
  /** The execution role's plan and IAM's answer for it; absent when the EKS cluster could not be read. */
  executionRole?: { plan: PodExecutionRolePlan; observed?: ObservedRole };
  /** The cluster's OIDC provider: its issuer, whether IAM has one for it, and whether the operator would create it. */
  oidcProvider?: { issuer: string; exists: boolean; create: boolean };
  /** Why the cluster's AWS side could not be judged (the EKS cluster does not exist, ...). */
  problems: DiffProblem[];
}

function executionRoleChanges(cluster: ObservedFargateCluster, label: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const role = cluster.executionRole;
  if (!role) return { changes: [], problems: [] };
  const { plan, observed } = role;
  const stalled = (reason: string, message: string): { changes: ResourceChange[]; problems: DiffProblem[] } => ({ changes: [], problems: [{ object: label, stalled: true, reason, message }] });
  if (!plan.managed) {
    if (!observed || observed.arn !== plan.arn) return stalled('RoleNotFound', `the pod execution role ${plan.arn} does not exist`);
    if (!trustsFargatePods(observed.trustPolicy)) return stalled('RoleNotTrusted', `the pod execution role ${plan.arn} does not let eks-fargate-pods.amazonaws.com assume it`);
    return { changes: [], problems: [] };
  }
  const adopt = cluster.desired.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  if (observed && !isClusterExecutionRole(observed.tags, plan) && observed.tags[TAG_CLUSTER] !== plan.tags[TAG_CLUSTER] && !adopt) {
    return stalled('NotOwned', `IAM role ${observed.arn} exists but the operator did not create it`);
  }
  // IAM cannot move a role, and the cluster's pods run with it: the reconciler stops, it does not replace it.
  const pathProblem = observed && replacementReason(plan, observed);
  if (pathProblem) return stalled('RolePathConflict', `IAM role ${observed.arn}: ${pathProblem}`);
  const change = roleChange(plan, observed);
  return { changes: change ? [change] : [], problems: [] };
}

/** Everything applying the FargateCluster would change (pure). */
export function clusterDiff(cluster: ObservedFargateCluster): ObjectDiff {
  const label = `FargateCluster ${cluster.desired.metadata.name ?? ''}`;
  const object = manifestChange('FargateCluster', cluster.desired as unknown as KubernetesObject, cluster.live as unknown as KubernetesObject | undefined);
  const role = executionRoleChanges(cluster, label);
  const oidc = cluster.oidcProvider;
  const missing = oidc !== undefined && !oidc.exists;
  const provider: ResourceChange[] =
    missing && oidc.create ? [{ layer: 'aws', kind: 'OIDCProvider', name: oidc.issuer, action: 'create', fields: [{ path: 'url', to: oidc.issuer }], statements: [] }] : [];
  const providerProblems: DiffProblem[] =
    missing && !oidc.create
      ? [{ object: label, stalled: true, reason: 'OIDCProviderMissing', message: `the cluster's IAM OIDC provider for ${oidc.issuer} does not exist and spec.iam.createOIDCProvider is false` }]
      : [];
  return {
    object: label,
    changes: [...(object ? [object] : []), ...role.changes, ...provider],
    problems: [...cluster.problems, ...role.problems, ...providerProblems],
  };
}
