/**
 * Where the Fargate scheduler stand-in reads EKS and EC2 in the local environment: the cluster's
 * Fargate profiles as EKS reports them (through the operator's own profile adapter), and the
 * availability zone of a subnet (EC2 DescribeSubnets, remembered: a subnet never changes zone).
 */
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import { SdkFargateProfileStore } from '../../../src/aws/fargate-profiles.js';
import type { ProfileView } from './fargate-placement.js';

/** The EKS cluster's Fargate profiles, read afresh on each call. */
export function eksProfileSource(eks: EKSClient, clusterName: string): () => Promise<ProfileView[]> {
  const store = new SdkFargateProfileStore(eks);
  return async () =>
    (await store.list(clusterName)).map((profile) => ({
      name: profile.name,
      status: profile.status,
      selectors: profile.selectors.map((selector) => ({ namespace: selector.namespace, labels: { ...selector.labels } })),
      subnets: [...profile.subnets],
    }));
}

/** The zone of a subnet; an unknown subnet is an error naming it. */
export function subnetZoneSource(ec2: EC2Client): (subnetId: string) => Promise<string> {
  const zones = new Map<string, string>();
  return async (subnetId) => {
    const known = zones.get(subnetId);
    if (known) return known;
    const described = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    const zone = described.Subnets?.[0]?.AvailabilityZone;
    if (!zone) throw new Error(`EC2 does not know subnet ${subnetId}`);
    zones.set(subnetId, zone);
    return zone;
  };
}
