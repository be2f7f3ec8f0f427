/** Ownership tags on the AWS resources the operator creates (design, section 4). */
import { TAG_CLUSTER, TAG_COMPONENT, TAG_DELETION_POLICY, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../api/constants.js';
import { DEFAULT_DELETION_POLICY } from '../api/defaults.js';
import type { FargateWorkload } from '../api/types.js';
import { workloadName, workloadNamespace } from './workload-identity.js';

/** What kind of operator-owned resource a tag set describes. */
export type Component = 'execution-role' | 'fargate-profile' | 'irsa-role' | 'coredns-profile';

/** Tags of a resource shared by the whole cluster. */
export function clusterTags(clusterName: string, component: Component): Record<string, string> {
  return { [TAG_CLUSTER]: clusterName, [TAG_COMPONENT]: component };
}

/** Tags of a resource shared by one namespace. */
export function namespaceTags(clusterName: string, namespace: string, component: Component): Record<string, string> {
  return { [TAG_CLUSTER]: clusterName, [TAG_NAMESPACE]: namespace, [TAG_COMPONENT]: component };
}

/**
 * Tags of a resource that belongs to one workload, with its deletionPolicy; the uid tag is left
 * out when the uid is unknown (offline plans).
 */
export function workloadTags(clusterName: string, workload: FargateWorkload, component: Component): Record<string, string> {
  const uid = workload.metadata.uid;
  return {
    [TAG_CLUSTER]: clusterName,
    [TAG_NAMESPACE]: workloadNamespace(workload),
    [TAG_NAME]: workloadName(workload),
    ...(uid ? { [TAG_UID]: uid } : {}),
    [TAG_COMPONENT]: component,
    [TAG_DELETION_POLICY]: workload.spec?.deletionPolicy ?? DEFAULT_DELETION_POLICY,
  };
}
