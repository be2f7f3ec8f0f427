/** The EKS cluster a FargateCluster names, with the account and VPC facts its status shows. */
import type { ObservedCluster } from '../../aws/eks-cluster.js';
import type { AwsServices } from '../operator-context.js';

/** Account id per region, read from STS once per process (it never changes for a set of credentials). */
export type ClusterAccounts = Map<string, string>;

/** What DescribeCluster, STS and (when needed) EC2 say about the cluster. */
export interface ObservedClusterFacts {
  cluster: ObservedCluster;
  accountId: string;
  vpcId?: string;
}

/** The cluster's facts, or undefined when no EKS cluster of that name exists in the region. */
export async function observeClusterFacts(
  services: AwsServices,
  name: string,
  region: string,
  accounts: ClusterAccounts,
): Promise<ObservedClusterFacts | undefined> {
  const cluster = await services.eksClusters.describeCluster(name);
  if (!cluster) return undefined;
  let accountId = accounts.get(region);
  if (!accountId) {
    accountId = await services.accountNetwork.callerAccountId();
    accounts.set(region, accountId);
  }
  // DescribeCluster normally names the VPC; when it does not (moto), the subnets' VPC is the cluster's.
  const vpcId = cluster.vpcId ?? (await services.accountNetwork.vpcOfSubnets(cluster.subnetIds));
  return { cluster, accountId, ...(vpcId ? { vpcId } : {}) };
}
