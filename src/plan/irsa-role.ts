/**
 * The IAM role for the workload's service account (IRSA): assumable only by that service account
 * of that cluster, through the cluster's OIDC provider.
 */
import { DEFAULT_ROLE_PATH, withClusterDefaults, withWorkloadDefaults } from '../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { iamRoleArn, issuerHostPath, parseRoleArn, partitionOf, type ClusterFacts } from './cluster-facts.js';
import { shortHash } from './hash.js';
import { hashedName, IAM_ROLE_NAME_RULES, keptRoleName } from './names.js';
import { workloadTags } from './ownership-tags.js';
import type { IamRolePlan } from './iam-role.js';
import { clusterName, workloadName, workloadNamespace } from './workload-identity.js';

/** Name of the inline policy that carries the workload's `iam.inlinePolicy`. */
export const IRSA_INLINE_POLICY_NAME = 'eksops-inline';

/** Desired state of the workload's IRSA role; not managed when the workload gives `iam.roleArn`. */
export interface IrsaRolePlan extends IamRolePlan {
  /** Sorted and deduplicated. */
  managedPolicyArns: string[];
  permissionsBoundary?: string;
  serviceAccountName: string;
  /** The name of the role the operator manages for this workload, also when it brings its own (a role to release). */
  managedRoleName: string;
}

/**
 * The name of the role the operator makes for a workload: `<cluster>-<namespace>-<name>` cut to
 * fit, then a hash of the cluster, its region, the namespace and the name, so that clusters of one
 * name in two regions of an account never share a role. A role made before the region entered the
 * hash (the workload's status records it) keeps its name.
 */
export function irsaRoleName(eksCluster: string, region: string, namespace: string, name: string, recordedArn?: string): string {
  const readable = `${eksCluster}-${namespace}-${name}`;
  const earlier = hashedName(readable, shortHash([eksCluster, namespace, name]), IAM_ROLE_NAME_RULES);
  return keptRoleName(recordedArn, earlier, hashedName(readable, shortHash([eksCluster, region, namespace, name]), IAM_ROLE_NAME_RULES));
}

/** The IRSA role of a workload: its own role ARN, or the role the operator manages for it. */
export function planIrsaRole(workloadIn: FargateWorkload, clusterIn: FargateCluster, facts: ClusterFacts): IrsaRolePlan {
  const workload = withWorkloadDefaults(workloadIn);
  const cluster = withClusterDefaults(clusterIn);
  const partition = partitionOf(facts);
  const eksCluster = clusterName(cluster);
  const namespace = workloadNamespace(workload);
  const name = workloadName(workload);
  const iam = workload.spec.iam ?? {};
  const serviceAccountName = iam.serviceAccountName || name;
  const issuer = issuerHostPath(facts.oidcIssuer);
  const ownArn = iam.roleArn;
  const path = ownArn ? parseRoleArn(ownArn).path : (cluster.spec.iam?.rolePath ?? DEFAULT_ROLE_PATH);
  const managedRoleName = irsaRoleName(eksCluster, facts.region, namespace, name, workload.status?.iamRoleArn);
  const roleName = ownArn ? parseRoleArn(ownArn).name : managedRoleName;
  const boundary = cluster.spec.iam?.permissionsBoundaryArn;
  return {
    managed: !ownArn,
    name: roleName,
    path,
    arn: ownArn || iamRoleArn(facts, path, roleName),
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:${partition}:iam::${facts.accountId}:oidc-provider/${issuer}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccountName}`,
              [`${issuer}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    },
    managedPolicyArns: [...new Set(iam.managedPolicyArns ?? [])].sort(),
    ...(iam.inlinePolicy ? { inlinePolicy: iam.inlinePolicy } : {}),
    inlinePolicyName: IRSA_INLINE_POLICY_NAME,
    ...(boundary ? { permissionsBoundary: boundary } : {}),
    tags: workloadTags(eksCluster, workload, 'irsa-role'),
    serviceAccountName,
    managedRoleName,
  };
}
