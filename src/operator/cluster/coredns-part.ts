/**
 * CoreDNS on Fargate (spec.coreDNSOnFargate): the `<prefix>-coredns` profile created through the
 * cluster's lane, and once it is ACTIVE the compute-type annotation removed from the CoreDNS pod
 * template so that its pods schedule onto Fargate. Turned off, the profile is deleted through the
 * lane; the annotation is not put back (see {@link NOT_RESTORED_NOTE}).
 */
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER, TAG_CLUSTER, TAG_COMPONENT } from '../../api/constants.js';
import type { FargateCluster } from '../../api/types.js';
import { classifyAwsError } from '../../aws/error-classifier.js';
import { isOwnedBy, ownershipSubset } from '../../aws/ownership.js';
import type { ObservedProfile } from '../../aws/fargate-profiles.js';
import { isNotFound } from '../../kube/api-error.js';
import {
  COMPUTE_TYPE_ANNOTATION,
  COREDNS_DEPLOYMENT,
  COREDNS_NAMESPACE,
  coreDnsComputeTypePatch,
  planCoreDnsProfile,
  type DeploymentTemplateAnnotations,
} from '../../plan/coredns-profile.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_COREDNS_READY } from './cluster-status.js';
import { partReady, partStalled, partUnknown, partWaiting, type PartEvent, type PartReport } from '../part-report.js';

/** How often a CREATING / DELETING coredns profile, or a wait in the lane, is looked at again. */
export const COREDNS_POLL_MS = 5_000;

/**
 * Why turning CoreDNS on Fargate off leaves the pod template as it is: putting the EC2
 * compute-type annotation back would leave CoreDNS Pending on a Fargate-only cluster. Whether
 * CoreDNS goes back to EC2 nodes is a platform decision, made by whoever runs those nodes.
 */
export const NOT_RESTORED_NOTE = `the ${COMPUTE_TYPE_ANNOTATION} annotation is not restored on ${COREDNS_NAMESPACE}/${COREDNS_DEPLOYMENT}: restore it yourself if CoreDNS should run on EC2 nodes (on a Fargate-only cluster its pods would stay Pending)`;

/** The CoreDNS part and when to look again. */
export interface CoreDnsResult {
  part: PartReport;
  requeueAfterMs?: number;
}

/** The profile the operator made for CoreDNS: its cluster and component tags prove it is ours. */
function isOurs(profile: ObservedProfile, tags: Record<string, string>): boolean {
  return isOwnedBy(profile, ownershipSubset(tags, [TAG_CLUSTER, TAG_COMPONENT]));
}

function waiting(reason: string, message: string): CoreDnsResult {
  return { part: partWaiting(CONDITION_COREDNS_READY, reason, message, COREDNS_POLL_MS), requeueAfterMs: COREDNS_POLL_MS };
}

/** Converges CoreDNS on Fargate to the spec: on (profile ACTIVE, annotation gone) or off (profile gone). */
export async function convergeCoreDns(
  services: AwsServices,
  objects: KubernetesObjectApi,
  cluster: FargateCluster,
  podExecutionRoleArn: string | undefined,
  owner: string,
  event: PartEvent,
): Promise<CoreDnsResult> {
  if (!cluster.spec.coreDNSOnFargate) {
    const deleted = await deleteCoreDnsProfile(services, cluster, owner, event);
    if (deleted.part.condition.status !== 'True') return deleted;
    return { part: partReady(CONDITION_COREDNS_READY, 'NotRequested', `spec.coreDNSOnFargate is off: no coredns profile of the operator; ${NOT_RESTORED_NOTE}`) };
  }
  if (!podExecutionRoleArn) return { part: partUnknown(CONDITION_COREDNS_READY, 'WaitingForExecutionRole', 'the coredns profile waits for the pod execution role') };
  const plan = planCoreDnsProfile(cluster, podExecutionRoleArn);
  const observed = await services.lanedProfiles.poll(plan.clusterName, plan.name);
  if (!observed) {
    try {
      const outcome = await services.lanedProfiles.create(plan, owner);
      if (!outcome.started) return waiting('WaitingInLane', `the coredns profile ${plan.name} waits for the cluster's profile lane (${outcome.decision.reason})`);
    } catch (error) {
      const classified = classifyAwsError(error);
      if (classified.kind !== 'terminal') throw error;
      return { part: partStalled(CONDITION_COREDNS_READY, classified.reason ?? 'ProfileCreateRejected', `creating Fargate profile ${plan.name}: ${classified.code}: ${classified.message}`) };
    }
    event('Normal', 'CoreDNSProfileCreating', `creating Fargate profile ${plan.name} for CoreDNS`);
    return waiting('ProfileCreating', `Fargate profile ${plan.name} is CREATING`);
  }
  if (!isOurs(observed, plan.tags)) {
    services.lanedProfiles.withdraw(plan.clusterName, owner);
    return { part: partStalled(CONDITION_COREDNS_READY, 'NotOwned', `Fargate profile ${plan.name} exists without the operator's ownership tags; it is left untouched`) };
  }
  switch (observed.status) {
    case 'CREATING':
      return waiting('ProfileCreating', `Fargate profile ${plan.name} is CREATING`);
    case 'DELETING':
      return waiting('ProfileDeleting', `Fargate profile ${plan.name} is DELETING; it is created again once it is gone`);
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      services.lanedProfiles.withdraw(plan.clusterName, owner);
      return { part: partStalled(CONDITION_COREDNS_READY, 'ProfileFailed', `Fargate profile ${plan.name} is ${observed.status}`) };
    case 'ACTIVE':
      services.lanedProfiles.withdraw(plan.clusterName, owner);
      return { part: await removeComputeTypeAnnotation(objects, plan.name, event) };
  }
}

/** Removes the compute-type annotation from the CoreDNS pod template when it is there (the profile is ACTIVE). */
async function removeComputeTypeAnnotation(objects: KubernetesObjectApi, profileName: string, event: PartEvent): Promise<PartReport> {
  const reference = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: COREDNS_DEPLOYMENT, namespace: COREDNS_NAMESPACE } };
  let live: KubernetesObject & DeploymentTemplateAnnotations;
  try {
    live = await objects.read(reference);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return partReady(CONDITION_COREDNS_READY, 'NoCoreDNSDeployment', `Fargate profile ${profileName} is ACTIVE; there is no ${COREDNS_NAMESPACE}/${COREDNS_DEPLOYMENT} Deployment to patch`);
  }
  if (coreDnsComputeTypePatch(live)) {
    // A JSON merge patch with null deletes the key; the same change as the planner's JSON patch
    // `remove`, which the generic object client cannot send (it serializes an object, not a list).
    const patch = { ...reference, spec: { template: { metadata: { annotations: { [COMPUTE_TYPE_ANNOTATION]: null } } } } };
    await objects.patch(patch as unknown as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    event('Normal', 'CoreDNSMovedToFargate', `removed ${COMPUTE_TYPE_ANNOTATION} from ${COREDNS_NAMESPACE}/${COREDNS_DEPLOYMENT}: its pods roll onto Fargate profile ${profileName}`);
  }
  return partReady(CONDITION_COREDNS_READY, 'Active', `Fargate profile ${profileName} is ACTIVE; ${COREDNS_NAMESPACE}/${COREDNS_DEPLOYMENT} has no ${COMPUTE_TYPE_ANNOTATION} annotation`);
}

/** Deletes the operator's coredns profile through the lane; the part is True once it is gone. */
export async function deleteCoreDnsProfile(services: AwsServices, cluster: FargateCluster, owner: string, event: PartEvent): Promise<CoreDnsResult> {
  // The name and tags do not depend on the role.
  const plan = planCoreDnsProfile(cluster, '');
  const observed = await services.lanedProfiles.poll(plan.clusterName, plan.name);
  if (!observed || !isOurs(observed, plan.tags)) {
    services.lanedProfiles.withdraw(plan.clusterName, owner);
    return { part: partReady(CONDITION_COREDNS_READY, 'Deleted', 'no coredns profile of the operator') };
  }
  if (observed.status === 'DELETING') return waiting('ProfileDeleting', `Fargate profile ${plan.name} is DELETING`);
  // EKS cannot delete a profile while it is CREATING.
  if (observed.status === 'CREATING') return waiting('ProfileCreating', `Fargate profile ${plan.name} is CREATING; it is deleted once ACTIVE`);
  const outcome = await services.lanedProfiles.delete(plan.clusterName, plan.name, owner);
  if (!outcome.started) return waiting('WaitingInLane', `deleting the coredns profile ${plan.name} waits for the cluster's profile lane (${outcome.decision.reason})`);
  if (outcome.existed === false) return { part: partReady(CONDITION_COREDNS_READY, 'Deleted', 'no coredns profile of the operator') };
  event('Normal', 'CoreDNSProfileDeleting', `deleting Fargate profile ${plan.name}; ${NOT_RESTORED_NOTE}`);
  return waiting('ProfileDeleting', `Fargate profile ${plan.name} is DELETING`);
}
