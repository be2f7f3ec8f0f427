/** The EKS cluster a FargateCluster names, as DescribeCluster reports it. */
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { isNotFound } from './error-classifier.js';

/** The facts of an EKS cluster the operator needs. */
export interface ObservedCluster {
  name: string;
  arn: string;
  /** CREATING, ACTIVE, UPDATING, DELETING, FAILED, PENDING. */
  status: string;
  /** `identity.oidc.issuer`, with `https://`; undefined when the cluster has none. */
  oidcIssuer?: string;
  vpcId?: string;
  subnetIds: string[];
  /** The additional security groups and the cluster security group. */
  securityGroupIds: string[];
  clusterSecurityGroupId?: string;
  version?: string;
}

/** EKS cluster operations the reconcilers are handed. */
export interface EksClusterReader {
  /** The cluster, or undefined when no cluster of that name exists in the region. */
  describeCluster(name: string): Promise<ObservedCluster | undefined>;
}

/** {@link EksClusterReader} on the AWS SDK. */
export class SdkEksClusterReader implements EksClusterReader {
  constructor(private readonly eks: EKSClient) {}

  async describeCluster(name: string): Promise<ObservedCluster | undefined> {
    let cluster;
    try {
      cluster = (await this.eks.send(new DescribeClusterCommand({ name }))).cluster;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!cluster) return undefined;
    const vpc = cluster.resourcesVpcConfig;
    const issuer = cluster.identity?.oidc?.issuer;
    return {
      name: cluster.name ?? name,
      arn: cluster.arn ?? '',
      status: cluster.status ?? 'UNKNOWN',
      ...(issuer ? { oidcIssuer: issuer } : {}),
      ...(vpc?.vpcId ? { vpcId: vpc.vpcId } : {}),
      subnetIds: vpc?.subnetIds ?? [],
      securityGroupIds: vpc?.securityGroupIds ?? [],
      ...(vpc?.clusterSecurityGroupId ? { clusterSecurityGroupId: vpc.clusterSecurityGroupId } : {}),
      ...(cluster.version ? { version: cluster.version } : {}),
    };
  }
}
