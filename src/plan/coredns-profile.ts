/**
 * CoreDNS on Fargate (FargateCluster `coreDNSOnFargate: true`; EKS user guide, "Get started with
 * AWS Fargate"): a profile that selects the CoreDNS pods, and the removal of the
 * `eks.amazonaws.com/compute-type: ec2` annotation that EKS puts on CoreDNS's pod template so that
 * its pods stay off Fargate. The patch is applied only once the profile is ACTIVE, else the
 * rolled pods would find no capacity at all.
 */
import { DEFAULT_PROFILE_PREFIX, withClusterDefaults } from '../api/defaults.js';
import type { FargateCluster } from '../api/types.js';
import type { FargateProfilePlan } from './fargate-profile.js';
import { shortHash } from './hash.js';
import { fittedName, PROFILE_NAME_RULES } from './names.js';
import { clusterTags } from './ownership-tags.js';
import { clusterName } from './workload-identity.js';

export const COREDNS_NAMESPACE = 'kube-system';
export const COREDNS_DEPLOYMENT = 'coredns';
/** The label every CoreDNS pod carries (the EKS add-on and the default install alike). */
export const COREDNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };
/** Pod template annotation that keeps pods on EC2 nodes. */
export const COMPUTE_TYPE_ANNOTATION = 'eks.amazonaws.com/compute-type';

/** The Fargate profile for CoreDNS: `<prefix>-coredns`, kube-system pods labelled k8s-app=kube-dns, the cluster's subnets. */
export function planCoreDnsProfile(clusterIn: FargateCluster, podExecutionRoleArn: string): FargateProfilePlan {
  const cluster = withClusterDefaults(clusterIn);
  const eksCluster = clusterName(cluster);
  const prefix = cluster.spec.profiles?.namePrefix ?? DEFAULT_PROFILE_PREFIX;
  return {
    name: fittedName(`${prefix}-coredns`, shortHash([eksCluster, 'coredns']), PROFILE_NAME_RULES),
    clusterName: eksCluster,
    subnets: [...new Set(cluster.spec.subnetIds)].sort(),
    selectors: [{ namespace: COREDNS_NAMESPACE, labels: { ...COREDNS_POD_LABELS } }],
    podExecutionRoleArn,
    tags: clusterTags(eksCluster, 'coredns-profile'),
    // Owned by the cluster as a whole, like a Shared profile.
    placement: 'Shared',
    podLabels: { ...COREDNS_POD_LABELS },
  };
}

/** One RFC 6902 JSON patch operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** The part of a Deployment the patch looks at. */
export interface DeploymentTemplateAnnotations {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> | null } | null } | null } | null;
}

/**
 * The JSON patch that removes the compute-type annotation from the CoreDNS pod template, or
 * undefined when it is absent (nothing to do; a `remove` of a missing path would fail).
 */
export function coreDnsComputeTypePatch(deployment: DeploymentTemplateAnnotations): JsonPatchOperation[] | undefined {
  const annotations = deployment.spec?.template?.metadata?.annotations;
  if (!annotations || !(COMPUTE_TYPE_ANNOTATION in annotations)) return undefined;
  return [{ op: 'remove', path: `/spec/template/metadata/annotations/${jsonPointerToken(COMPUTE_TYPE_ANNOTATION)}` }];
}

/** A JSON pointer reference token (RFC 6901): "~" becomes "~0", "/" becomes "~1". */
function jsonPointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
