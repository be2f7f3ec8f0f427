/** Validation of a FargateCluster: the CRD's rules plus the AWS formats and limits of its fields. */
import {
  CLOUDWATCH_LOG_GROUP_MAX,
  CLOUDWATCH_LOG_GROUP_PATTERN,
  CLOUDWATCH_RETENTION_DAYS,
  EKS_CLUSTER_NAME_MAX,
  EKS_CLUSTER_NAME_PATTERN,
  IAM_PATH_PATTERN,
  POLICY_ARN_GLOB_PATTERN,
  POLICY_ARN_PATTERN,
  REGION_PATTERN,
  ROLE_ARN_PATTERN,
  SUBNET_LIST,
  checkIdList,
} from './aws-names.js';
import { IAM_ROLE_PATH_MAX } from './constants.js';
import { withClusterDefaults } from './defaults.js';
import type { ClusterIamSpec, ClusterLoggingSpec, ClusterProfilesSpec, FargateCluster, PodExecutionRoleSpec } from './types.js';
import { checkIntegerRange, type ValidationProblem } from './validation-problem.js';

/** Fargate profile names start with this prefix: EKS profile name characters, at most 20. */
export const PROFILE_NAME_PREFIX_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
export const PROFILE_NAME_PREFIX_MAX = 20;
/** A Kubernetes namespace name in which `*` and `?` may stand for characters (Fargate selectors). */
export const NAMESPACE_GLOB_PATTERN = /^[-a-z0-9*?]+$/;
export const NAMESPACE_GLOB_MAX = 63;
/** The CRD's bound on maxProfiles, the account's adjustable quota (10 by default). */
export const MAX_PROFILES_LIMIT = 1000;
export const LOG_STREAM_PREFIX_MAX = 256;

function checkExecutionRole(role: PodExecutionRoleSpec, path: string): ValidationProblem[] {
  const create = role.create === true;
  const arn = role.arn ?? '';
  if (create && arn !== '') {
    return [{ path, message: 'set either create: true (the operator creates the pod execution role) or arn (bring your own), not both' }];
  }
  if (!create && arn === '') {
    return [{ path, message: 'no pod execution role: set create: true, or arn to an existing role trusted by eks-fargate-pods.amazonaws.com' }];
  }
  if (arn !== '' && !ROLE_ARN_PATTERN.test(arn)) {
    return [{ path: `${path}.arn`, message: `${JSON.stringify(arn)} is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME` }];
  }
  return [];
}

function checkProfiles(profiles: ClusterProfilesSpec, path: string): ValidationProblem[] {
  const problems = checkIntegerRange(profiles.maxProfiles, `${path}.maxProfiles`, 1, MAX_PROFILES_LIMIT, 'maxProfiles (the account quota of Fargate profiles per cluster)');
  const prefix = profiles.namePrefix;
  if (typeof prefix !== 'string' || prefix.length > PROFILE_NAME_PREFIX_MAX || !PROFILE_NAME_PREFIX_PATTERN.test(prefix)) {
    problems.push({
      path: `${path}.namePrefix`,
      message: `${JSON.stringify(prefix)} is not a profile name prefix; use 1-${PROFILE_NAME_PREFIX_MAX} letters, digits, '-' and '_', starting with a letter or digit`,
    });
  }
  const ns = profiles.namespacePattern;
  if (typeof ns !== 'string' || ns.length > NAMESPACE_GLOB_MAX || !NAMESPACE_GLOB_PATTERN.test(ns)) {
    problems.push({
      path: `${path}.namespacePattern`,
      message: `${JSON.stringify(ns)} is not a namespace pattern; use a namespace name in which * and ? may stand for characters, e.g. "*"`,
    });
  }
  return problems;
}

function checkIam(iam: ClusterIamSpec, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const rolePath = iam.rolePath ?? '';
  if (!IAM_PATH_PATTERN.test(rolePath) || rolePath.length > IAM_ROLE_PATH_MAX) {
    problems.push({
      path: `${path}.rolePath`,
      message: `${JSON.stringify(rolePath)} is not an IAM path; it starts and ends with "/" (e.g. "/eksops/"), has no spaces and at most ${IAM_ROLE_PATH_MAX} characters`,
    });
  }
  const boundary = iam.permissionsBoundaryArn;
  if (boundary !== undefined && boundary !== '' && !POLICY_ARN_PATTERN.test(boundary)) {
    problems.push({
      path: `${path}.permissionsBoundaryArn`,
      message: `${JSON.stringify(boundary)} is not an IAM policy ARN; expected arn:aws:iam::123456789012:policy/NAME`,
    });
  }
  (iam.allowedManagedPolicyArns ?? []).forEach((pattern, i) => {
    if (typeof pattern !== 'string' || !POLICY_ARN_GLOB_PATTERN.test(pattern)) {
      problems.push({
        path: `${path}.allowedManagedPolicyArns[${i}]`,
        message: `${JSON.stringify(pattern)} is not a policy ARN pattern; write a policy ARN whose name may hold * and ?, e.g. arn:aws:iam::123456789012:policy/app-*`,
      });
    }
  });
  return problems;
}

function checkLogging(logging: ClusterLoggingSpec, path: string): ValidationProblem[] {
  const cw = logging.cloudWatch;
  if (!cw) return [];
  const problems: ValidationProblem[] = [];
  const group = cw.logGroupName;
  if (typeof group !== 'string' || group.length > CLOUDWATCH_LOG_GROUP_MAX || !CLOUDWATCH_LOG_GROUP_PATTERN.test(group)) {
    problems.push({
      path: `${path}.cloudWatch.logGroupName`,
      message: `${JSON.stringify(group)} is not a CloudWatch log group name; use 1-${CLOUDWATCH_LOG_GROUP_MAX} letters, digits and . - _ / #, e.g. /eks/prod/fargate`,
    });
  }
  if (typeof cw.retentionDays !== 'number' || !CLOUDWATCH_RETENTION_DAYS.includes(cw.retentionDays)) {
    problems.push({
      path: `${path}.cloudWatch.retentionDays`,
      message: `${JSON.stringify(cw.retentionDays)} days is not a CloudWatch retention; use one of ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`,
    });
  }
  const prefix = cw.logStreamPrefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || /[:*]/.test(prefix) || prefix.length > LOG_STREAM_PREFIX_MAX)) {
    problems.push({
      path: `${path}.cloudWatch.logStreamPrefix`,
      message: `${JSON.stringify(prefix)} is not a log stream prefix; CloudWatch stream names cannot contain ':' or '*'; at most ${LOG_STREAM_PREFIX_MAX} characters`,
    });
  }
  return problems;
}

/** Every problem of a FargateCluster, after its defaults are applied; [] when it is valid. */
export function validateCluster(cluster: FargateCluster): ValidationProblem[] {
  if (!cluster?.spec) return [{ path: 'spec', message: 'spec is required' }];
  const c = withClusterDefaults(cluster);
  const spec = c.spec;
  const problems: ValidationProblem[] = [];
  const name = c.metadata?.name;
  if (typeof name !== 'string' || name.length > EKS_CLUSTER_NAME_MAX || !EKS_CLUSTER_NAME_PATTERN.test(name)) {
    problems.push({
      path: 'metadata.name',
      message: `${JSON.stringify(name)} cannot be the FargateCluster's name: it is the EKS cluster's name, at most ${EKS_CLUSTER_NAME_MAX} lowercase letters, digits and '-', starting with a letter or digit`,
    });
  }
  if (typeof spec.region !== 'string' || !REGION_PATTERN.test(spec.region)) {
    problems.push({ path: 'spec.region', message: `${JSON.stringify(spec.region)} is not an AWS region; expected e.g. us-east-1` });
  }
  problems.push(...checkIdList(spec.subnetIds, 'spec.subnetIds', SUBNET_LIST));
  problems.push(...checkExecutionRole(spec.podExecutionRole ?? {}, 'spec.podExecutionRole'));
  problems.push(...checkProfiles(spec.profiles ?? {}, 'spec.profiles'));
  problems.push(...checkIam(spec.iam ?? {}, 'spec.iam'));
  problems.push(...checkLogging(spec.logging ?? {}, 'spec.logging'));
  return problems;
}
