/**
 * The FargateCluster a workload runs on, and the cluster facts the planner needs from its status.
 * Pure: the reconciler passes the cached clusters in.
 */
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { ClusterFacts } from '../../plan/index.js';
import { clusterNameChanged, clusterNameOfWorkload, noClusterChosen } from '../cluster/workload-cluster.js';

/**
 * The cluster of a workload, or why there is none to use: `stalled` when only a person can fix it
 * (no cluster named and none or several exist), else it may still appear (a named one).
 */
export type ClusterLookup = { found: true; cluster: FargateCluster } | { found: false; stalled: boolean; reason: string; message: string };

/** The workload's cluster (clusterNameOfWorkload), looked up among the cached ones. */
export function findWorkloadCluster(workload: FargateWorkload, clusters: readonly FargateCluster[]): ClusterLookup {
  const names = clusters.map((c) => c.metadata.name ?? '');
  // A delete cleans up where the resources are (the recorded cluster); anything else waits for a person.
  const changed = workload.metadata.deletionTimestamp ? undefined : clusterNameChanged(workload);
  if (changed) return { found: false, stalled: true, ...changed };
  const name = clusterNameOfWorkload(workload, names);
  if (name === undefined) return { found: false, stalled: true, ...noClusterChosen(names) };
  const cluster = clusters.find((c) => c.metadata.name === name);
  if (cluster) return { found: true, cluster };
  return { found: false, stalled: false, reason: 'WaitingForCluster', message: `FargateCluster ${name} does not exist` };
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

/**
 * The facts a delete plans from: the cluster's when its status has them all, else what it has
 * (the account also from the workload's recorded role). A cleanup needs only the names of what
 * it deletes, which none of these facts go into, so a FargateCluster that lost its facts (its EKS
 * cluster deleted first, its execution role stalled) does not hold a workload's delete.
 */
export function cleanupFacts(cluster: FargateCluster, workload: FargateWorkload): Extract<FactsLookup, { ready: true }> {
  const lookup = clusterFacts(cluster);
  if (lookup.ready) return lookup;
  const status = (cluster.status ?? {}) as NonNullable<FargateCluster['status']> & { accountId?: string };
  const accountId = status.accountId || accountOfArn(status.podExecutionRoleArn) || accountOfArn(workload.status?.iamRoleArn) || '';
  return { ready: true, facts: { accountId, region: cluster.spec.region, oidcIssuer: status.oidcIssuer ?? '' }, podExecutionRoleArn: status.podExecutionRoleArn ?? '' };
}
