/**
 * Where the Fargate scheduler stand-in reads EKS and EC2: the cluster's Fargate profiles as EKS
 * reports them, and the zone and CIDR of a subnet. The stand-in plays part of EKS, so it reads
 * moto directly (never through the operator's EKS proxy: the proxy's faults and call log are the
 * operator's), and asks the proxy only for the one thing moto does not know, a profile's
 * CREATING or DELETING state.
 */
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import { SdkFargateProfileStore } from '../../../src/aws/fargate-profiles.js';
import type { ProfileView } from './fargate-placement.js';

/** A profile's state as EKS shows it when it differs from moto's (the proxy's CREATING and DELETING). */
export type ProfileStatusOverlay = (profileName: string) => string | undefined;

/**
 * The EKS cluster's Fargate profiles, listed afresh on each call. A profile's selectors and subnets
 * never change (EKS profiles are immutable), so each is described once, and again only while the
 * overlay shows it CREATING (a profile deleted and made again under the same name is CREATING
 * first, unless the proxy has no creating delay).
 */
export function eksProfileSource(eks: EKSClient, clusterName: string, overlay: ProfileStatusOverlay = () => undefined): () => Promise<ProfileView[]> {
  const store = new SdkFargateProfileStore(eks);
  const described = new Map<string, ProfileView>();
  return async () => {
    const names = await store.listNames(clusterName);
    for (const name of described.keys()) if (!names.includes(name)) described.delete(name);
    const profiles: ProfileView[] = [];
    for (const name of names) {
      const shown = overlay(name);
      let profile = described.get(name);
      if (!profile || shown === 'CREATING') {
        // A profile can vanish between the list and the describe (its delete finished).
        const observed = await store.describe(clusterName, name);
        if (!observed) continue;
        profile = {
          name,
          status: observed.status,
          selectors: observed.selectors.map((selector) => ({ namespace: selector.namespace, labels: { ...selector.labels } })),
          subnets: [...observed.subnets],
          arn: observed.arn,
        };
        described.set(name, profile);
      }
      profiles.push({ ...profile, status: shown ?? profile.status });
    }
    return profiles;
  };
}

/** Where a subnet is: its availability zone and its IPv4 CIDR. */
export interface SubnetPlace {
  zone: string;
  cidr: string;
}

/** The zone and CIDR of a subnet, remembered (neither ever changes); an unknown subnet is an error naming it. */
export function subnetPlaceSource(ec2: EC2Client): (subnetId: string) => Promise<SubnetPlace> {
  const places = new Map<string, SubnetPlace>();
  return async (subnetId) => {
    const known = places.get(subnetId);
    if (known) return known;
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets?.[0];
    if (!subnet?.AvailabilityZone || !subnet.CidrBlock) throw new Error(`EC2 does not know subnet ${subnetId}`);
    const place = { zone: subnet.AvailabilityZone, cidr: subnet.CidrBlock };
    places.set(subnetId, place);
    return place;
  };
}
