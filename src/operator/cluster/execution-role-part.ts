/**
 * The pod execution role of a cluster: the one the FargateCluster names (checked: it exists and
 * trusts Fargate pods), or the one the operator manages (created, drift corrected, deleted with
 * the cluster). An existing role of the managed name that does not carry the cluster's tag is
 * not touched unless the FargateCluster carries the adoption annotation.
 */
import { isOwnedBy } from '../../aws/ownership.js';
import { ADOPT_ANNOTATION, TAG_CLUSTER, TAG_COMPONENT } from '../../api/constants.js';
import type { FargateCluster } from '../../api/types.js';
import { replacementReason } from '../../aws/iam-roles.js';
import type { ClusterFacts } from '../../plan/cluster-facts.js';
import { planPodExecutionRole, type PodExecutionRolePlan } from '../../plan/pod-execution-role.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_EXECUTION_ROLE_READY, trustsFargatePods } from './cluster-status.js';
import { partReady, partStalled, type PartEvent, type PartReport } from '../part-report.js';
import type { ObservedClusterFacts } from './eks-cluster-part.js';

/** The execution role part of the status and the role's ARN when it is usable. */
export interface ExecutionRoleResult {
  part: PartReport;
  arn?: string;
}

/** True when the role carries this cluster's execution-role ownership tags. */
export function isClusterExecutionRole(tags: Record<string, string>, plan: PodExecutionRolePlan): boolean {
  return isOwnedBy({ tags }, plan.tags);
}

/** Makes the cluster's execution role match the plan, or checks the role the cluster names. */
export async function convergeExecutionRole(
  services: AwsServices,
  cluster: FargateCluster,
  observed: ObservedClusterFacts,
  event: PartEvent,
): Promise<ExecutionRoleResult> {
  const facts: ClusterFacts = { accountId: observed.accountId, region: cluster.spec.region, oidcIssuer: observed.cluster.oidcIssuer ?? '' };
  const plan = planPodExecutionRole(cluster, facts);
  const role = await services.iamRoles.getRole(plan.name);
  if (!plan.managed) {
    if (!role || role.arn !== plan.arn) return { part: partStalled(CONDITION_EXECUTION_ROLE_READY, 'RoleNotFound', `the pod execution role ${plan.arn} does not exist`) };
    if (!trustsFargatePods(role.trustPolicy)) {
      return { part: partStalled(CONDITION_EXECUTION_ROLE_READY, 'RoleNotTrusted', `the pod execution role ${plan.arn} does not let eks-fargate-pods.amazonaws.com assume it (sts:AssumeRole in its trust policy)`) };
    }
    return { part: partReady(CONDITION_EXECUTION_ROLE_READY, 'Ready', `pod execution role ${plan.arn} (given)`), arn: plan.arn };
  }
  if (!role) {
    const created = await services.iamRoles.createRole(plan);
    event('Normal', 'ExecutionRoleCreated', `created pod execution role ${created.arn}`);
    return { part: partReady(CONDITION_EXECUTION_ROLE_READY, 'Ready', `pod execution role ${created.arn}`), arn: created.arn };
  }
  const adopting = !isClusterExecutionRole(role.tags, plan);
  if (adopting && role.tags[TAG_CLUSTER] !== plan.tags[TAG_CLUSTER] && cluster.metadata.annotations?.[ADOPT_ANNOTATION] !== 'true') {
    return {
      part: partStalled(
        CONDITION_EXECUTION_ROLE_READY,
        'NotOwned',
        `IAM role ${role.arn} exists but the operator did not create it (no ${TAG_CLUSTER}=${plan.tags[TAG_CLUSTER]} tag); ` +
          `annotate the FargateCluster with ${ADOPT_ANNOTATION}: "true" to adopt it, or set spec.podExecutionRole.arn to use it as it is`,
      ),
    };
  }
  const pathProblem = replacementReason(plan, role);
  if (pathProblem) return { part: partStalled(CONDITION_EXECUTION_ROLE_READY, 'RolePathConflict', `IAM role ${role.arn}: ${pathProblem}`) };
  const actions = await services.iamRoles.converge(plan, role);
  if (adopting) event('Normal', 'ExecutionRoleAdopted', `adopted IAM role ${role.arn} as the pod execution role`);
  if (actions.length > 0) {
    event('Normal', 'ExecutionRoleUpdated', `corrected pod execution role ${role.arn}: ${actions.map((action) => action.kind).join(', ')}`);
  }
  return { part: partReady(CONDITION_EXECUTION_ROLE_READY, 'Ready', `pod execution role ${role.arn}`), arn: role.arn };
}

/** Deletes the execution role the operator manages for the cluster, when it carries the cluster's tags. */
export async function deleteExecutionRole(services: AwsServices, cluster: FargateCluster, event: PartEvent): Promise<void> {
  // The managed role's name depends on the cluster's name, region and status only; the other facts are placeholders.
  const plan = planPodExecutionRole(cluster, { accountId: '000000000000', region: cluster.spec.region, oidcIssuer: '' });
  if (!plan.managed) return;
  const role = await services.iamRoles.getRole(plan.name);
  if (!role || role.tags[TAG_CLUSTER] !== plan.tags[TAG_CLUSTER] || role.tags[TAG_COMPONENT] !== plan.tags[TAG_COMPONENT]) return;
  if (await services.iamRoles.deleteRole(plan.name, role)) event('Normal', 'ExecutionRoleDeleted', `deleted pod execution role ${role.arn}`);
}
