/**
 * The FargateCluster's status from what a reconcile observed (pure): the per-part conditions
 * (ClusterFound, OIDCProviderReady, PodExecutionRoleReady, LoggingReady, CoreDNSReady), the
 * kstatus summary (the parts' one `summarize`, as for workloads) and the facts.
 */
import { TAG_CLUSTER, TAG_COMPONENT, TAG_NAMESPACE } from '../../api/constants.js';
import { asList } from '../../api/policy-document.js';
import type { AwsResourceStatus, ClusterProfileStatus, FargateCluster, FargateClusterStatus, FargateWorkload } from '../../api/types.js';
import type { ObservedProfile } from '../../aws/fargate-profiles.js';
import { setCondition, setKstatus, type KstatusState } from '../../kube/conditions.js';
import { keyOfObject } from '../../kube/object-key.js';
import { summarize, type PartReport } from '../part-report.js';

export const CONDITION_CLUSTER_FOUND = 'ClusterFound';
export const CONDITION_OIDC_PROVIDER_READY = 'OIDCProviderReady';
export const CONDITION_EXECUTION_ROLE_READY = 'PodExecutionRoleReady';
export const CONDITION_LOGGING_READY = 'LoggingReady';
export const CONDITION_COREDNS_READY = 'CoreDNSReady';

/** Facts shown in status. */
export type ClusterFacts = Omit<FargateClusterStatus, 'observedGeneration' | 'conditions'>;

/** What one reconcile found: the parts' reports in workflow order (each carries its condition type), and the facts. */
export interface ClusterObservation {
  parts: readonly PartReport[];
  facts: ClusterFacts;
}

/** The full status of a reconciled cluster; conditions keep their transition times when unchanged. */
export function clusterStatus(cluster: FargateCluster, observation: ClusterObservation, now: Date): FargateClusterStatus {
  const generation = cluster.metadata.generation;
  const withGeneration = generation === undefined ? {} : { observedGeneration: generation };
  const { parts } = observation;
  let conditions = setKstatus(cluster.status?.conditions, { ...summarize(parts), ...withGeneration }, now);
  for (const part of parts) conditions = setCondition(conditions, { ...part.condition, ...withGeneration }, now);
  return { ...withGeneration, conditions, ...withoutUndefined(observation.facts) };
}

/**
 * The status with only the kstatus summary changed (invalid spec, deletion waiting, a terminal
 * AWS error): the facts and part conditions of the last full reconcile stay as they were.
 */
export function summaryStatus(cluster: FargateCluster, state: KstatusState, now: Date): FargateClusterStatus {
  const generation = cluster.metadata.generation;
  const previous = cluster.status ?? {};
  return { ...previous, ...(generation === undefined ? {} : { observedGeneration: generation }), conditions: setKstatus(previous.conditions, state, now) };
}

/** How to create a missing OIDC provider by hand: eksctl, or the aws CLI. */
export function oidcProviderHint(clusterName: string, region: string, issuer: string): string {
  return (
    `the cluster's IAM OIDC provider for ${issuer} does not exist and spec.iam.createOIDCProvider is false; ` +
    `create it with "eksctl utils associate-iam-oidc-provider --cluster ${clusterName} --region ${region} --approve" ` +
    `or "aws iam create-open-id-connect-provider --url ${issuer} --client-id-list sts.amazonaws.com", ` +
    'or set spec.iam.createOIDCProvider: true'
  );
}

const FARGATE_PODS_PRINCIPAL = 'eks-fargate-pods.amazonaws.com';

/** True when the trust policy lets Fargate pods assume the role (an Allow of sts:AssumeRole to eks-fargate-pods.amazonaws.com). */
export function trustsFargatePods(trustPolicy: unknown): boolean {
  const statements = asList((trustPolicy as { Statement?: unknown } | undefined)?.Statement);
  return statements.some((raw) => {
    const statement = (raw ?? {}) as { Effect?: unknown; Principal?: { Service?: unknown }; Action?: unknown };
    return (
      statement.Effect === 'Allow' &&
      asList(statement.Principal?.Service).includes(FARGATE_PODS_PRINCIPAL) &&
      asList(statement.Action).some((action) => action === 'sts:AssumeRole' || action === 'sts:*' || action === '*')
    );
  });
}

/** The message of a deletion that waits for workloads: how many, and the first ten keys. */
export function workloadsRemainMessage(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).join(', ');
  const more = keys.length > 10 ? ` and ${keys.length - 10} more` : '';
  const count = keys.length === 1 ? '1 FargateWorkload still runs' : `${keys.length} FargateWorkloads still run`;
  return `${count} on this cluster: ${shown}${more}; delete them first`;
}

/**
 * The cluster's operator-owned Fargate profiles (tagged with the cluster) as status shows them,
 * with the workloads whose status names each one; sorted by name.
 */
export function profileStatuses(clusterName: string, profiles: readonly ObservedProfile[], workloads: readonly FargateWorkload[]): ClusterProfileStatus[] {
  return profiles
    .filter((profile) => profile.tags[TAG_CLUSTER] === clusterName)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((profile) => {
      const users = workloads.filter((workload) => workload.status?.fargateProfile?.name === profile.name).map((workload) => keyOfObject(workload)).sort();
      return {
        name: profile.name,
        status: profile.status,
        selectors: profile.selectors.map((selector) => ({ namespace: selector.namespace, ...(Object.keys(selector.labels).length > 0 ? { labels: { ...selector.labels } } : {}) })),
        ...(users.length > 0 ? { workloads: users } : {}),
      };
    });
}

/** What the cluster's inventory is made from (the reconcile's own observations). */
export interface ClusterInventoryInput {
  clusterName: string;
  /** The execution role, when the operator manages it (not one the FargateCluster names). */
  managedExecutionRoleArn?: string;
  /** The OIDC provider, when the operator created it. */
  ownedOidcProviderArn?: string;
  profiles: readonly ObservedProfile[];
}

/**
 * The AWS resources the cluster owns (status.awsResources): the execution role and OIDC provider
 * the operator made, and the profiles tagged for the cluster alone (CoreDNS's, Shared ones);
 * sorted, so an unchanged inventory is an equal status.
 */
export function clusterInventory(input: ClusterInventoryInput): AwsResourceStatus[] {
  const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const resources: AwsResourceStatus[] = [
    ...(input.managedExecutionRoleArn ? [{ kind: 'IAMRole' as const, name: roleName(input.managedExecutionRoleArn), arn: input.managedExecutionRoleArn, state: 'Ready' }] : []),
    ...(input.ownedOidcProviderArn ? [{ kind: 'OIDCProvider' as const, name: input.ownedOidcProviderArn.slice(input.ownedOidcProviderArn.indexOf(':oidc-provider/') + ':oidc-provider/'.length), arn: input.ownedOidcProviderArn, state: 'Ready' }] : []),
    ...input.profiles
      .filter((profile) => profile.tags[TAG_CLUSTER] === input.clusterName && profile.tags[TAG_NAMESPACE] === undefined)
      .map((profile) => ({
        kind: 'FargateProfile' as const,
        name: profile.name,
        arn: profile.arn,
        state: profile.status,
        ...(profile.tags[TAG_COMPONENT] === 'coredns-profile' ? {} : { shared: true }),
      })),
  ];
  return resources.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
