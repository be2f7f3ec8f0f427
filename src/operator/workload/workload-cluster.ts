/**
 * The FargateCluster a workload runs on, and the cluster facts the planner needs from its status.
 * Pure: the reconciler passes the cached clusters in.
 */
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { ClusterFacts } from '../../plan/index.js';

/** The cluster of a workload, or why there is none to use yet. */
export type ClusterLookup = { found: true; cluster: FargateCluster } | { found: false; message: string };

/** The workload's `spec.clusterName`, else the only FargateCluster there is. */
export function findWorkloadCluster(workload: FargateWorkload, clusters: readonly FargateCluster[]): ClusterLookup {
  const wanted = workload.spec.clusterName;
  if (wanted) {
    const cluster = clusters.find((c) => c.metadata.name === wanted);
    return cluster ? { found: true, cluster } : { found: false, message: `FargateCluster ${wanted} does not exist` };
  }
  if (clusters.length === 1 && clusters[0]) return { found: true, cluster: clusters[0] };
  if (clusters.length === 0) return { found: false, message: 'no FargateCluster exists' };
  const names = clusters.map((c) => c.metadata.name ?? '').sort().join(', ');
  return { found: false, message: `${clusters.length} FargateClusters exist (${names}): set spec.clusterName` };
}

/** The account id in an ARN (`arn:aws:iam::123456789012:role/x` -> 123456789012). */
export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Cluster facts from the FargateCluster's status, or what is still missing from it. */
export type FactsLookup = { ready: true; facts: ClusterFacts; podExecutionRoleArn: string } | { ready: false; missing: string[] };

/**
 * The facts the FargateCluster reconciler has discovered: OIDC issuer, pod execution role and
 * account. The account comes from `status.accountId`, else from the execution role's ARN (the
 * same account owns both).
 */
export function clusterFacts(cluster: FargateCluster): FactsLookup {
  const status = (cluster.status ?? {}) as NonNullable<FargateCluster['status']> & { accountId?: string };
  const podExecutionRoleArn = status.podExecutionRoleArn;
  const accountId = status.accountId || accountOfArn(podExecutionRoleArn);
  const missing = [
    ...(status.oidcIssuer ? [] : ['oidcIssuer']),
    ...(podExecutionRoleArn ? [] : ['podExecutionRoleArn']),
    ...(accountId ? [] : ['accountId']),
  ];
  if (!status.oidcIssuer || !podExecutionRoleArn || !accountId) return { ready: false, missing };
  return {
    ready: true,
    facts: { accountId, region: cluster.spec.region, oidcIssuer: status.oidcIssuer },
    podExecutionRoleArn,
  };
}
