/**
 * The FargateCluster's guard rails, applied to a workload: what an application team may get is
 * what the platform team allowed, nothing else. IAM (managed policies from the allow-list, a role
 * of its own only when allowed, inline policies only as narrow as allowed), networking (security
 * groups and subnets) and the ALB Ingress (scheme, shared groups, annotations). Each problem names
 * the FargateCluster field that would allow it, so the app team knows whom to ask. Pure; called by
 * `validate` with the workload's cluster, before anything is created.
 */
import { withClusterDefaults } from './defaults.js';
import { allowingPattern, arnMatchesPattern } from './policy-arn-match.js';
import { asList } from './policy-document.js';
import type { FargateCluster, FargateWorkload } from './types.js';
import { keyPath, type ValidationProblem } from './validation-problem.js';

/** The allowedSecurityGroupIds entry that lets workloads use any security group of the VPC. */
const ANY = '*';

function clusterRef(cluster: FargateCluster): string {
  return `FargateCluster ${cluster.metadata.name ?? ''}`;
}

function checkManagedPolicies(w: FargateWorkload, c: FargateCluster): ValidationProblem[] {
  const allowed = c.spec.iam?.allowedManagedPolicyArns ?? [];
  return (w.spec.iam?.managedPolicyArns ?? []).flatMap((arn, i) => {
    if (allowingPattern(arn, allowed) !== undefined) return [];
    return [
      {
        path: `spec.iam.managedPolicyArns[${i}]`,
        message:
          allowed.length === 0
            ? `${arn} is not allowed: ${clusterRef(c)} allows no managed policies (spec.iam.allowedManagedPolicyArns is empty); ask the platform team to allow it`
            : `${arn} is not allowed by ${clusterRef(c)}; allowed patterns: ${allowed.join(', ')}`,
      },
    ];
  });
}

function checkRoleArn(w: FargateWorkload, c: FargateCluster): ValidationProblem[] {
  const roleArn = w.spec.iam?.roleArn;
  if (roleArn === undefined || roleArn === '') return [];
  const allowed = c.spec.iam?.allowedRoleArns ?? [];
  if (allowingPattern(roleArn, allowed) !== undefined) return [];
  return [
    {
      path: 'spec.iam.roleArn',
      message:
        allowed.length === 0
          ? `${clusterRef(c)} lets no workload bring its own role (spec.iam.allowedRoleArns is empty): remove roleArn to get a role the operator creates under the cluster's guard rails, or ask the platform team`
          : `${roleArn} is not among the roles ${clusterRef(c)} lets workloads bring (${allowed.join(', ')})`,
    },
  ];
}

/** Whether an IAM action (or pattern) is a wildcard over a whole service or everything. */
function isBroadAction(action: string): boolean {
  return action === '*' || /^[^:]+:\*$/.test(action);
}

function checkStatement(statement: unknown, path: string, c: FargateCluster): ValidationProblem[] {
  if (typeof statement !== 'object' || statement === null) return [];
  const st = statement as Record<string, unknown>;
  if (st['Effect'] === 'Deny') return [];
  const problems: ValidationProblem[] = [];
  const broadAllowed = c.spec.iam?.allowBroadInlinePolicies === true;
  if (!broadAllowed) {
    for (const field of ['NotAction', 'NotResource'] as const) {
      if (field in st) {
        problems.push({ path: `${path}.${field}`, message: `an Allow with ${field} grants everything it does not name; list the ${field === 'NotAction' ? 'actions' : 'resources'} instead (or ask the platform team to set spec.iam.allowBroadInlinePolicies on ${clusterRef(c)})` });
      }
    }
  }
  const patterns = (c.spec.iam?.inlinePolicyActions ?? []).map((p) => p.toLowerCase());
  asList(st['Action']).forEach((action, j) => {
    if (typeof action !== 'string') return;
    const at = `${path}.Action${Array.isArray(st['Action']) ? `[${j}]` : ''}`;
    if (!broadAllowed && isBroadAction(action)) {
      problems.push({ path: at, message: `${JSON.stringify(action)} allows every action${action === '*' ? '' : ' of the service'}; name the actions the workload needs (or ask the platform team to set spec.iam.allowBroadInlinePolicies on ${clusterRef(c)})` });
    } else if (patterns.length > 0 && !patterns.some((p) => arnMatchesPattern(action.toLowerCase(), p))) {
      problems.push({ path: at, message: `${action} is not among the actions ${clusterRef(c)} allows in inline policies (${patterns.join(', ')})` });
    }
  });
  return problems;
}

function checkInlinePolicy(w: FargateWorkload, c: FargateCluster): ValidationProblem[] {
  const doc = w.spec.iam?.inlinePolicy;
  if (doc === undefined) return [];
  if (c.spec.iam?.allowInlinePolicies !== true) {
    return [{ path: 'spec.iam.inlinePolicy', message: `${clusterRef(c)} does not allow inline policies (spec.iam.allowInlinePolicies is false); use an allowed managed policy or ask the platform team` }];
  }
  const statements = doc.Statement;
  if (Array.isArray(statements)) return statements.flatMap((st, i) => checkStatement(st, `spec.iam.inlinePolicy.Statement[${i}]`, c));
  return checkStatement(statements, 'spec.iam.inlinePolicy.Statement', c);
}

function checkNetworking(w: FargateWorkload, c: FargateCluster): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const groups = c.spec.networking?.allowedSecurityGroupIds ?? [];
  if (!groups.includes(ANY)) {
    (w.spec.networking?.securityGroupIds ?? []).forEach((id, i) => {
      if (groups.includes(id)) return;
      problems.push({
        path: `spec.networking.securityGroupIds[${i}]`,
        message: `${id} is not among the security groups ${clusterRef(c)} lets workloads use (spec.networking.allowedSecurityGroupIds: ${groups.length > 0 ? groups.join(', ') : 'none'}); leave securityGroupIds out to use the cluster security group`,
      });
    });
  }
  const subnets = new Set([...c.spec.subnetIds, ...(c.spec.networking?.allowedSubnetIds ?? [])]);
  (w.spec.fargateProfile?.subnetIds ?? []).forEach((id, i) => {
    if (subnets.has(id)) return;
    problems.push({
      path: `spec.fargateProfile.subnetIds[${i}]`,
      message: `${id} is neither a subnet of ${clusterRef(c)} (spec.subnetIds) nor one it allows for workloads (spec.networking.allowedSubnetIds); leave subnetIds out to use the cluster's subnets`,
    });
  });
  return problems;
}

/** Whether a group name belongs to the namespace: the namespace itself, or it followed by '-' or '.'. */
function namespaceGroup(group: string, namespace: string): boolean {
  return group === namespace || group.startsWith(`${namespace}-`) || group.startsWith(`${namespace}.`);
}

function checkIngress(w: FargateWorkload, c: FargateCluster): ValidationProblem[] {
  const ingress = w.spec.ingress;
  if (!ingress) return [];
  const problems: ValidationProblem[] = [];
  const rails = c.spec.ingress ?? {};
  if (ingress.scheme === 'internet-facing' && rails.allowInternetFacing !== true) {
    problems.push({ path: 'spec.ingress.scheme', message: `${clusterRef(c)} does not allow internet-facing load balancers (spec.ingress.allowInternetFacing is false); use internal, or ask the platform team` });
  }
  const namespace = w.metadata.namespace ?? 'default';
  const group = ingress.groupName;
  if (group !== undefined && !namespaceGroup(group, namespace) && !(rails.sharedGroupNames ?? []).includes(group)) {
    problems.push({
      path: 'spec.ingress.groupName',
      message: `IngressGroup ${group} is not this namespace's: use ${namespace} or a name starting with ${namespace}- (a group is one ALB, shared by every Ingress that names it), or one of the groups ${clusterRef(c)} shares (spec.ingress.sharedGroupNames: ${(rails.sharedGroupNames ?? []).join(', ') || 'none'})`,
    });
  }
  const allowed = rails.allowedAnnotations ?? [];
  for (const key of Object.keys(ingress.annotations ?? {})) {
    if (allowingPattern(key, allowed) !== undefined) continue;
    problems.push({
      path: keyPath('spec.ingress.annotations', key),
      message: `${clusterRef(c)} does not let workloads set the Ingress annotation ${key} (spec.ingress.allowedAnnotations: ${allowed.join(', ') || 'none'}); the operator derives the load balancer's settings from spec.ingress`,
    });
  }
  return problems;
}

/** Every way the workload reaches outside its FargateCluster's guard rails; [] when it stays inside. */
export function checkGuardRails(workload: FargateWorkload, cluster: FargateCluster): ValidationProblem[] {
  const c = withClusterDefaults(cluster);
  return [...checkManagedPolicies(workload, c), ...checkRoleArn(workload, c), ...checkInlinePolicy(workload, c), ...checkNetworking(workload, c), ...checkIngress(workload, c)];
}
