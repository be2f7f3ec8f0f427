/**
 * The workload's network as a part (design, section 6): before any Fargate profile is created,
 * EC2 is asked about the profile's subnets and the workload's security groups, and the preflight
 * verdict becomes the NetworkReady condition. The EC2 answers are shared by every workload that
 * asks about the same subnets (aws/cached-network-reader.ts) for at most NETWORK_RECHECK_MS (and
 * less than a resync period): a NAT gateway or endpoint added outside the operator is seen on the
 * first look after that.
 */
import type { Ec2NetworkReader, NetworkQuery } from '../../aws/ec2-network.js';
import { evaluateNetwork, type NetworkVerdict } from '../../aws/network-preflight.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { CONDITION_NETWORK, partReady, partStalled, partWaiting, type PartReport } from '../part-report.js';

/** How often a network that can be fixed outside the operator (egress, DNS, a security group) is looked at again. */
export const NETWORK_RECHECK_MS = 60_000;

/** What the preflight asks EC2 about: the profile's subnets, the workload's security groups, the cluster's VPC. */
export function workloadNetworkQuery(workload: FargateWorkload, cluster: FargateCluster, profileSubnets: readonly string[]): NetworkQuery {
  const securityGroupIds = workload.spec.networking?.securityGroupIds ?? [];
  const vpcId = cluster.status?.vpcId;
  return { subnetIds: profileSubnets, ...(securityGroupIds.length > 0 ? { securityGroupIds } : {}), ...(vpcId ? { vpcId } : {}) };
}

/**
 * The NetworkReady report of a verdict: True when nothing is wrong; Stalled when a problem only a
 * spec change fixes (public subnet, foreign VPC, missing subnet); else False with a slow requeue.
 */
export function networkReport(verdict: NetworkVerdict): PartReport {
  if (verdict.ready) return partReady(CONDITION_NETWORK, 'NetworkReady', verdict.message);
  if (verdict.terminal) return partStalled(CONDITION_NETWORK, verdict.reason, verdict.message);
  return partWaiting(CONDITION_NETWORK, verdict.reason, verdict.message, NETWORK_RECHECK_MS);
}

/**
 * The one NetworkReady report of the preflight and the SecurityGroupPolicy child: a network
 * problem comes first (it is what keeps the pods from starting); on a good network the
 * SecurityGroupPolicy's own report (applied, not requested, CRD missing) says the rest.
 */
export function combineNetworkReports(preflight: PartReport, securityGroupPolicy: PartReport): PartReport {
  if (preflight.condition.status !== 'True') return preflight;
  return securityGroupPolicy;
}

/** Reads the network from EC2 and judges it for the workload. */
export async function checkWorkloadNetwork(
  reader: Ec2NetworkReader,
  workload: FargateWorkload,
  cluster: FargateCluster,
  profileSubnets: readonly string[],
): Promise<PartReport> {
  const facts = await reader.describeNetwork(workloadNetworkQuery(workload, cluster, profileSubnets));
  const verdict = evaluateNetwork(facts, {
    ...(cluster.status?.vpcId ? { clusterVpcId: cluster.status.vpcId } : {}),
    region: cluster.spec.region,
    loggingEnabled: Boolean(cluster.spec.logging?.cloudWatch),
  });
  return networkReport(verdict);
}
