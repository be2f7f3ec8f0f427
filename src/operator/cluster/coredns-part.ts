/**
 * CoreDNS on Fargate (spec.coreDNSOnFargate): the `<prefix>-coredns` profile, the same laned
 * profile part as a workload's (laned-profile.ts), and once it is ACTIVE the compute-type annotation removed from the CoreDNS pod
 * template so that its pods schedule onto Fargate. Turned off, the profile is deleted through the
 * lane; the annotation is not put back (see {@link NOT_RESTORED_NOTE}).
 */
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER, TAG_CLUSTER, TAG_COMPONENT } from '../../api/constants.js';
import { withClusterDefaults } from '../../api/defaults.js';
import type { FargateCluster } from '../../api/types.js';
import { isOwnedBy, ownershipSubset } from '../../aws/ownership.js';
import { isNotFound } from '../../kube/api-error.js';
import {
  COMPUTE_TYPE_ANNOTATION,
  COREDNS_DEPLOYMENT,
  COREDNS_NAMESPACE,
  coreDnsComputeTypePatch,
  planCoreDnsProfile,
  type DeploymentTemplateAnnotations,
} from '../../plan/coredns-profile.js';
import type { FargateProfilePlan } from '../../plan/index.js';
import { convergeLanedProfile, deleteLanedProfile } from '../laned-profile.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_COREDNS_READY } from './cluster-status.js';
import { partReady, type PartEvent, type PartReport } from '../part-report.js';

/**
 * Why turning CoreDNS on Fargate off leaves the pod template as it is: putting the EC2
 * compute-type annotation back would leave CoreDNS Pending on a Fargate-only cluster. Whether
 * CoreDNS goes back to EC2 nodes is a platform decision, made by whoever runs those nodes.
 */
export const NOT_RESTORED_NOTE = `the ${COMPUTE_TYPE_ANNOTATION} annotation is not restored on ${COREDNS_NAMESPACE}/${COREDNS_DEPLOYMENT}: restore it yourself if CoreDNS should run on EC2 nodes (on a Fargate-only cluster its pods would stay Pending)`;

const PURPOSE = ' for CoreDNS';

/** The profile the operator made for CoreDNS: its cluster and component tags prove it is ours. */
function ownershipTags(plan: FargateProfilePlan): Record<string, string> {
  return ownershipSubset(plan.tags, [TAG_CLUSTER, TAG_COMPONENT]);
}

/**
 * Converges CoreDNS on Fargate to the spec: on (the laned coredns profile ACTIVE, then the
 * annotation gone) or off (the profile gone). Needs the pod execution role's ARN when on.
 */
export async function convergeCoreDns(
  services: AwsServices,
  objects: KubernetesObjectApi,
  cluster: FargateCluster,
  podExecutionRoleArn: string,
  owner: string,
  event: PartEvent,
): Promise<PartReport> {
  if (!cluster.spec.coreDNSOnFargate) {
    const deleted = await deleteCoreDnsProfile(services, cluster, owner, event);
    if (deleted.condition.status !== 'True') return deleted;
    return partReady(CONDITION_COREDNS_READY, 'NotRequested', `spec.coreDNSOnFargate is off: no coredns profile of the operator; ${NOT_RESTORED_NOTE}`);
  }
  const plan = planCoreDnsProfile(cluster, podExecutionRoleArn);
  const profile = await convergeLanedProfile({
    aws: services,
    plan,
    conditionType: CONDITION_COREDNS_READY,
    owner,
    ownershipTags: ownershipTags(plan),
    maxProfiles: withClusterDefaults(cluster).spec.profiles?.maxProfiles ?? Number.POSITIVE_INFINITY,
    purpose: PURPOSE,
    event,
  });
  if (!profile.active) return profile.report;
  const patched = await removeComputeTypeAnnotation(objects, plan.name, event);
  // An ACTIVE profile that differs from its plan is reported; CoreDNS runs on it meanwhile.
  return profile.report.condition.status === 'True' ? patched : profile.report;
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

/**
 * Deletes the operator's coredns profile through the lane; True once it is gone. When the
 * FargateCluster is being deleted, every coredns profile the operator made for it goes, also one
 * made under an earlier spec.profiles.namePrefix (the planned name follows the prefix), which
 * would otherwise outlive the cluster and the execution role it runs with.
 */
export async function deleteCoreDnsProfile(services: AwsServices, cluster: FargateCluster, owner: string, event: PartEvent): Promise<PartReport> {
  // The name and tags do not depend on the role.
  const plan = planCoreDnsProfile(cluster, '');
  const tags = ownershipTags(plan);
  // Profiles go with their EKS cluster: with none, there is nothing to list.
  const listed = cluster.metadata.deletionTimestamp && (await services.eksClusters.describeCluster(plan.clusterName)) ? await services.profiles.list(plan.clusterName) : [];
  const earlier = listed.filter((profile) => profile.name !== plan.name && isOwnedBy(profile, tags)).map((profile) => profile.name);
  let report: PartReport | undefined;
  for (const profileName of [plan.name, ...earlier]) {
    report = await deleteLanedProfile({
      aws: services,
      clusterName: plan.clusterName,
      profileName,
      conditionType: CONDITION_COREDNS_READY,
      ownershipTags: tags,
      owner,
      purpose: `${PURPOSE}; ${NOT_RESTORED_NOTE}`,
      event,
    });
    if (report.condition.status !== 'True') return report;
  }
  return report!;
}
