/**
 * Account and network facts the FargateCluster reconciler reads besides DescribeCluster: the
 * account id (STS) and the VPC of the cluster's subnets (EC2), for when DescribeCluster leaves
 * `resourcesVpcConfig.vpcId` out (moto does).
 */
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

/** The account and VPC reads the reconcilers are handed. */
export interface AccountNetworkReader {
  /** The 12-digit account id of the caller's credentials. */
  callerAccountId(): Promise<string>;
  /** The VPC the subnets belong to (the first one EC2 reports), or undefined when there are none. */
  vpcOfSubnets(subnetIds: readonly string[]): Promise<string | undefined>;
}

/** {@link AccountNetworkReader} on the AWS SDK. */
export class SdkAccountNetworkReader implements AccountNetworkReader {
  constructor(
    private readonly sts: STSClient,
    private readonly ec2: EC2Client,
  ) {}

  async callerAccountId(): Promise<string> {
    const identity = await this.sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('STS GetCallerIdentity returned no account id');
    return identity.Account;
  }

  async vpcOfSubnets(subnetIds: readonly string[]): Promise<string | undefined> {
    if (subnetIds.length === 0) return undefined;
    const found = await this.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }));
    return found.Subnets?.find((subnet) => subnet.VpcId)?.VpcId;
  }
}
