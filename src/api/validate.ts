/**
 * Validation of a FargateWorkload beyond what the CRD's CEL rules can do alone. It repeats every
 * CEL rule (so files that never reach an API server get the same answers) and adds what needs
 * arithmetic or a second object: the Fargate pod size, the FargateCluster's IAM guard rails,
 * inline policy shape and size, EBS volumes, and names that must fit AWS limits.
 * The CLI's `validate` and the reconciler both call `validate`.
 */
import {
  ACM_CERTIFICATE_ARN_PATTERN,
  DNS1123_SUBDOMAIN_MAX,
  DNS1123_SUBDOMAIN_PATTERN,
  POLICY_ARN_PATTERN,
  ROLE_ARN_PATTERN,
  SECURITY_GROUP_LIST,
  SUBNET_LIST,
  checkIdList,
} from './aws-names.js';
import { PROFILE_LABEL } from './constants.js';
import { withClusterDefaults, withWorkloadDefaults } from './defaults.js';
import { allowingPattern } from './policy-arn-match.js';
import { checkPolicyDocument } from './policy-document.js';
import type { FargateCluster, FargateWorkload, WorkloadIamSpec, WorkloadIngressSpec } from './types.js';
import { checkPodSpec } from './validate-pod.js';
import { checkIntegerRange, checkOneOf, keyPath, type ValidationProblem } from './validation-problem.js';

export type { ValidationProblem } from './validation-problem.js';
export { validateCluster } from './validate-cluster.js';

export const MAX_REPLICAS = 1000;
/** The name is a DNS label: it names the Service and ServiceAccount and is a label value on every child. */
export const WORKLOAD_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const WORKLOAD_NAME_MAX = 63;
/**
 * The IRSA role name (at most 64 characters) holds the namespace, the name and a hash suffix;
 * 48 leaves room for the suffix and separators so both stay readable in the IAM console.
 */
export const NAMESPACE_AND_NAME_MAX = 48;
/** IAM's hard limit of managed policies per role (the default quota is 10). */
export const MANAGED_POLICIES_PER_ROLE_MAX = 20;
/** ALB IngressGroup names (AWS Load Balancer Controller `group.name`). */
export const INGRESS_GROUP_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
export const INGRESS_GROUP_MAX = 63;
export const INGRESS_HOST_PATTERN = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkNames(w: FargateWorkload): ValidationProblem[] {
  const name = w.metadata?.name;
  if (typeof name !== 'string' || name === '') return [{ path: 'metadata.name', message: 'metadata.name is required' }];
  const problems: ValidationProblem[] = [];
  const namespace = w.metadata.namespace ?? 'default';
  if (name.length > WORKLOAD_NAME_MAX || !WORKLOAD_NAME_PATTERN.test(name)) {
    problems.push({
      path: 'metadata.name',
      message: `${JSON.stringify(name)} cannot name the Service, ServiceAccount and labels: use at most ${WORKLOAD_NAME_MAX} lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
    });
  } else if (namespace.length + name.length > NAMESPACE_AND_NAME_MAX) {
    problems.push({
      path: 'metadata.name',
      message: `namespace and name together have ${namespace.length + name.length} characters; keep them within ${NAMESPACE_AND_NAME_MAX} so the IAM role name (at most 64 characters, with a hash suffix) can hold both`,
    });
  }
  return problems;
}

function checkServiceAccount(w: FargateWorkload): ValidationProblem[] {
  const sa = w.spec.iam?.serviceAccountName;
  const problems: ValidationProblem[] = [];
  if (typeof sa !== 'string' || sa.length > DNS1123_SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN_PATTERN.test(sa)) {
    problems.push({
      path: 'spec.iam.serviceAccountName',
      message: `${JSON.stringify(sa)} is not a valid ServiceAccount name; use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    });
  }
  const podSa = w.spec.template.spec.serviceAccountName;
  if (podSa !== undefined && podSa !== '' && podSa !== sa) {
    problems.push({
      path: 'spec.template.spec.serviceAccountName',
      message: `the pod template names ServiceAccount ${podSa} but the workload's IAM role is bound to ${String(sa)}; remove it from the template or set spec.iam.serviceAccountName to it`,
    });
  }
  return problems;
}

function checkScaling(w: FargateWorkload): ValidationProblem[] {
  const problems = checkIntegerRange(w.spec.replicas, 'spec.replicas', 0, MAX_REPLICAS, 'replicas');
  const a = w.spec.autoscaling;
  if (!a) return problems;
  const maxProblems = checkIntegerRange(a.maxReplicas, 'spec.autoscaling.maxReplicas', 1, MAX_REPLICAS, 'maxReplicas');
  problems.push(...maxProblems);
  const minCeiling = maxProblems.length === 0 ? a.maxReplicas : MAX_REPLICAS;
  const minProblems = checkIntegerRange(a.minReplicas, 'spec.autoscaling.minReplicas', 1, MAX_REPLICAS, 'minReplicas');
  if (minProblems.length === 0 && (a.minReplicas ?? 1) > minCeiling) {
    minProblems.push({ path: 'spec.autoscaling.minReplicas', message: `minReplicas ${a.minReplicas} is more than maxReplicas ${a.maxReplicas}; it must be at most maxReplicas` });
  }
  problems.push(...minProblems);
  problems.push(...checkIntegerRange(a.targetCPUUtilizationPercentage, 'spec.autoscaling.targetCPUUtilizationPercentage', 1, 100, 'targetCPUUtilizationPercentage'));
  return problems;
}

function checkIam(iam: WorkloadIamSpec, cluster: FargateCluster | undefined): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const managed = iam.managedPolicyArns ?? [];
  const roleArn = iam.roleArn ?? '';
  if (roleArn !== '') {
    if (!ROLE_ARN_PATTERN.test(roleArn)) {
      problems.push({ path: 'spec.iam.roleArn', message: `${JSON.stringify(roleArn)} is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME` });
    }
    if (managed.length > 0 || iam.inlinePolicy !== undefined) {
      problems.push({
        path: 'spec.iam.roleArn',
        message: 'roleArn brings your own role, which the operator does not change; remove managedPolicyArns and inlinePolicy, or remove roleArn to let the operator manage the role',
      });
    }
  }
  if (managed.length > MANAGED_POLICIES_PER_ROLE_MAX) {
    problems.push({ path: 'spec.iam.managedPolicyArns', message: `${managed.length} managed policies; IAM attaches at most ${MANAGED_POLICIES_PER_ROLE_MAX} to a role (10 by default quota)` });
  }
  const c = cluster?.spec ? withClusterDefaults(cluster) : undefined;
  const allowed = c?.spec.iam?.allowedManagedPolicyArns ?? [];
  managed.forEach((arn, i) => {
    const path = `spec.iam.managedPolicyArns[${i}]`;
    if (typeof arn !== 'string' || !POLICY_ARN_PATTERN.test(arn)) {
      problems.push({ path, message: `${JSON.stringify(arn)} is not an IAM policy ARN; expected arn:aws:iam::aws:policy/NAME or arn:aws:iam::123456789012:policy/NAME` });
    } else if (managed.indexOf(arn) !== i) {
      problems.push({ path, message: `${arn} is listed twice; list each policy once` });
    } else if (c && allowingPattern(arn, allowed) === undefined) {
      problems.push({
        path,
        message:
          allowed.length === 0
            ? `${arn} is not allowed: FargateCluster ${c.metadata.name ?? ''} allows no managed policies (spec.iam.allowedManagedPolicyArns is empty); ask the platform team to allow it`
            : `${arn} is not allowed by FargateCluster ${c.metadata.name ?? ''}; allowed patterns: ${allowed.join(', ')}`,
      });
    }
  });
  if (iam.inlinePolicy !== undefined) {
    if (c && c.spec.iam?.allowInlinePolicies !== true) {
      problems.push({
        path: 'spec.iam.inlinePolicy',
        message: `FargateCluster ${c.metadata.name ?? ''} does not allow inline policies (spec.iam.allowInlinePolicies is false); use an allowed managed policy or ask the platform team`,
      });
    }
    problems.push(...checkPolicyDocument(iam.inlinePolicy, 'spec.iam.inlinePolicy'));
  }
  return problems;
}

function checkIngress(ing: WorkloadIngressSpec): ValidationProblem[] {
  const problems = checkIntegerRange(ing.port, 'spec.ingress.port', 1, 65535, 'the ingress port');
  problems.push(...checkOneOf(ing.scheme, 'spec.ingress.scheme', ['internal', 'internet-facing']));
  for (const field of ['path', 'healthCheckPath'] as const) {
    const p = ing[field];
    if (p !== undefined && (typeof p !== 'string' || !p.startsWith('/'))) {
      problems.push({ path: `spec.ingress.${field}`, message: `${JSON.stringify(p)} must be an absolute HTTP path starting with "/"` });
    }
  }
  if (ing.host !== undefined && (ing.host.length > DNS1123_SUBDOMAIN_MAX || !INGRESS_HOST_PATTERN.test(ing.host))) {
    problems.push({ path: 'spec.ingress.host', message: `${JSON.stringify(ing.host)} is not a host name; use a lowercase DNS name such as web.example.com (a leading "*." is allowed)` });
  }
  if (ing.certificateArn !== undefined && ing.certificateArn !== '' && !ACM_CERTIFICATE_ARN_PATTERN.test(ing.certificateArn)) {
    problems.push({
      path: 'spec.ingress.certificateArn',
      message: `${JSON.stringify(ing.certificateArn)} is not an ACM certificate ARN; expected arn:aws:acm:REGION:123456789012:certificate/ID`,
    });
  }
  if (ing.groupName !== undefined && (ing.groupName.length > INGRESS_GROUP_MAX || !INGRESS_GROUP_PATTERN.test(ing.groupName))) {
    problems.push({
      path: 'spec.ingress.groupName',
      message: `${JSON.stringify(ing.groupName)} is not an ALB group name; use at most 63 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    });
  }
  return problems;
}

/**
 * Every problem of a FargateWorkload, after its defaults are applied; [] when it is valid.
 * With its FargateCluster, also the cluster's IAM guard rails (allowed managed policies, inline
 * policies) and the cluster name. The cluster itself is checked by `validateCluster`.
 */
export function validate(workload: FargateWorkload, cluster?: FargateCluster): ValidationProblem[] {
  if (!workload?.spec) return [{ path: 'spec', message: 'spec is required' }];
  if (!workload.spec.template?.spec) {
    return [{ path: 'spec.template.spec', message: 'the pod template (spec.template.spec with at least one container) is required' }];
  }
  const w = withWorkloadDefaults(workload);
  const spec = w.spec;
  const problems: ValidationProblem[] = [...checkNames(w)];
  if (cluster && spec.clusterName !== undefined && spec.clusterName !== cluster.metadata?.name) {
    problems.push({ path: 'spec.clusterName', message: `names cluster ${spec.clusterName} but was checked against FargateCluster ${String(cluster.metadata?.name)}` });
  }
  problems.push(...checkScaling(w));
  if (Object.hasOwn(spec.template.metadata?.labels ?? {}, PROFILE_LABEL)) {
    problems.push({
      path: keyPath('spec.template.metadata.labels', PROFILE_LABEL),
      message: `the label ${PROFILE_LABEL} is set by the operator to route pods to their Fargate profile; remove it from the template labels`,
    });
  }
  problems.push(...checkPodSpec(spec.template.spec, 'spec.template.spec'));
  problems.push(...checkOneOf(spec.fargateProfile?.placement, 'spec.fargateProfile.placement', ['Shared', 'Namespace', 'Dedicated']));
  if (spec.fargateProfile?.subnetIds !== undefined) {
    problems.push(...checkIdList(spec.fargateProfile.subnetIds, 'spec.fargateProfile.subnetIds', SUBNET_LIST));
  }
  problems.push(...checkServiceAccount(w));
  problems.push(...checkIam(spec.iam ?? {}, cluster));
  if (spec.networking?.securityGroupIds !== undefined) {
    problems.push(...checkIdList(spec.networking.securityGroupIds, 'spec.networking.securityGroupIds', SECURITY_GROUP_LIST));
  }
  if (spec.ingress) problems.push(...checkIngress(spec.ingress));
  problems.push(...checkOneOf(spec.deletionPolicy, 'spec.deletionPolicy', ['Delete', 'Retain']));
  return problems;
}

/** The problems as text, one line each: "<path>: <message>". */
export function formatProblems(problems: ValidationProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
