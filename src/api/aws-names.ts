/**
 * Formats of AWS identifiers and names, and the checks of id lists shared by FargateWorkload and
 * FargateCluster validation. The patterns are the CRD schemas' own (test/unit/validate.test.ts
 * checks that they stay equal), so a file checked here gets the answer the API server would give.
 */
import type { ValidationProblem } from './validation-problem.js';

export const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8,17}$/;
export const POLICY_ARN_PATTERN = new RegExp(String.raw`^arn:aws[a-zA-Z-]*:iam::(aws|[0-9]{12}):policy/[\w+=,.@/-]+$`);
export const ROLE_ARN_PATTERN = new RegExp(String.raw`^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`);
export const ACM_CERTIFICATE_ARN_PATTERN = new RegExp(String.raw`^arn:aws[a-zA-Z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-zA-Z-]+$`);
/** An allowed-policy pattern: a policy ARN whose name may hold the wildcards `*` and `?`. */
export const POLICY_ARN_GLOB_PATTERN = new RegExp(String.raw`^arn:aws[a-zA-Z-]*:iam::(aws|[0-9]{12}):policy/[\w+=,.@/*?-]+$`);
/** us-east-1, eu-central-1, us-gov-west-1, cn-north-1 ... */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$/;
/** The FargateCluster is named after its EKS cluster; as a Kubernetes name it is lowercase. */
export const EKS_CLUSTER_NAME_PATTERN = /^[a-z0-9][-a-z0-9]*$/;
export const EKS_CLUSTER_NAME_MAX = 100;
/** IAM role path: "/" or "/a/b/", printable ASCII. */
export const IAM_PATH_PATTERN = new RegExp(String.raw`^/([!-~]+/)?$`);
export const CLOUDWATCH_LOG_GROUP_PATTERN = new RegExp(String.raw`^[.\-_/#A-Za-z0-9]+$`);
export const CLOUDWATCH_LOG_GROUP_MAX = 512;
/** The only values CloudWatch Logs PutRetentionPolicy accepts. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** Kubernetes DNS-1123 subdomain (ServiceAccount names), at most 253 characters. */
export const DNS1123_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** How a list of AWS ids is checked: its pattern, a readable example, and how many it may hold. */
export interface IdListRule {
  pattern: RegExp;
  what: string;
  example: string;
  min: number;
  max: number;
}

/** Fargate profile subnets; EKS takes at most 16 (the same bound as cluster subnets). */
export const SUBNET_LIST: IdListRule = {
  pattern: SUBNET_ID_PATTERN,
  what: 'subnet id',
  example: 'subnet-0a1b2c3d4e5f60718',
  min: 1,
  max: 16,
};

export const SECURITY_GROUP_LIST: IdListRule = {
  pattern: SECURITY_GROUP_ID_PATTERN,
  what: 'security group id',
  example: 'sg-0a1b2c3d4e5f60718',
  min: 1,
  max: 5,
};

/** Checks a list of AWS ids: length within bounds, every id well-formed, no duplicates. */
export function checkIdList(ids: unknown, path: string, rule: IdListRule): ValidationProblem[] {
  if (!Array.isArray(ids)) return [{ path, message: `must be a list of ${rule.what}s such as ${rule.example}` }];
  const problems: ValidationProblem[] = [];
  if (ids.length < rule.min || ids.length > rule.max) {
    problems.push({
      path,
      message: `has ${ids.length} ${rule.what}s; give ${rule.min === rule.max ? rule.min : `${rule.min} to ${rule.max}`}`,
    });
  }
  const seen = new Set<unknown>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !rule.pattern.test(id)) {
      problems.push({ path: `${path}[${i}]`, message: `${JSON.stringify(id)} is not a ${rule.what}; expected the form ${rule.example}` });
    } else if (seen.has(id)) {
      problems.push({ path: `${path}[${i}]`, message: `${id} is listed twice; list each ${rule.what} once` });
    }
    seen.add(id);
  });
  return problems;
}
