/** What the planner must know about the EKS cluster beyond the FargateCluster resource. */

/** Facts read from AWS (DescribeCluster, STS) or given on the command line. */
export interface ClusterFacts {
  /** The 12-digit AWS account id that owns the cluster. */
  accountId: string;
  /** The cluster's region, e.g. "us-east-1". */
  region: string;
  /** The cluster's OIDC issuer URL, as DescribeCluster reports `identity.oidc.issuer`. */
  oidcIssuer: string;
  /** The AWS partition; by default the one the region belongs to ("aws" for commercial regions). */
  partition?: string;
}

/** The partition of every ARN the plan writes: the given one, else the region's. */
export function partitionOf(facts: ClusterFacts): string {
  if (facts.partition) return facts.partition;
  if (facts.region.startsWith('cn-')) return 'aws-cn';
  if (facts.region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The issuer as IAM names it in provider ARNs and condition keys: no scheme, no trailing "/". */
export function issuerHostPath(oidcIssuer: string): string {
  return oidcIssuer.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

/** `arn:<partition>:iam::<account>:role<path><name>`; the path starts and ends with "/". */
export function iamRoleArn(facts: ClusterFacts, path: string, name: string): string {
  return `arn:${partitionOf(facts)}:iam::${facts.accountId}:role${path}${name}`;
}

/** The path and name of an IAM role ARN, e.g. `.../role/team/app` -> { path: "/team/", name: "app" }. */
export function parseRoleArn(arn: string): { path: string; name: string } {
  const resource = arn.slice(arn.indexOf(':role/') + ':role'.length);
  const lastSlash = resource.lastIndexOf('/');
  return { path: resource.slice(0, lastSlash + 1) || '/', name: resource.slice(lastSlash + 1) };
}
