/**
 * The FargateCluster's guard rails, applied to a workload: what an application team may get is
 * what the platform team allowed, nothing else. IAM (managed policies from the allow-list, a role
 * of its own only when allowed, inline policies only as narrow as allowed), networking (security
 * groups and subnets) and the ALB Ingress (scheme, shared groups, annotations). Each problem names
 * the FargateCluster field that would allow it, so the app team knows whom to ask. Pure; called by
 * `validate` with the workload's cluster, before anything is created.
 */
import { withClusterDefaults } from './defaults.js';
import { operatorIngressAnnotations, RESERVED_INGRESS_ANNOTATIONS } from './ingress-annotations.js';
import { allowingPattern, patternCovers } from './policy-arn-match.js';
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

/** A service or action part of an IAM action made only of wildcards, such as `*`, `**` or `?*`. */
const ONLY_WILDCARDS = /^[*?]+$/;

/**
 * What an IAM action (or pattern) reaches beyond the actions it names, or undefined when it names
 * actions of one service. A wildcard in the service part (or in an action with no `:`) can match
 * any service (`i*` matches `iam:PassRole`); an action part of wildcards only is the whole service.
 */
function broadReach(action: string): string | undefined {
  const colon = action.indexOf(':');
  const service = colon < 0 ? action : action.slice(0, colon);
  if (ONLY_WILDCARDS.test(service)) return 'allows every action';
  if (/[*?]/.test(service)) return 'matches actions of more than one service';
  if (colon >= 0 && ONLY_WILDCARDS.test(action.slice(colon + 1))) return 'allows every action of the service';
  return undefined;
}

/**
 * Problems of NotAction and NotResource in an Allow. An allow-list of actions cannot confine
 * NotAction (it grants every action it does not name), so that is refused whenever there is one.
 * NotResource is left to allowBroadInlinePolicies: the cluster has no resource guard rail, and the
 * statement's actions are still checked, so it grants no more than the same actions on "*".
 */
function checkNegations(st: Record<string, unknown>, path: string, c: FargateCluster, patterns: string[]): ValidationProblem[] {
  const broadAllowed = c.spec.iam?.allowBroadInlinePolicies === true;
  const problems: ValidationProblem[] = [];
  if ('NotAction' in st && patterns.length > 0) {
    problems.push({
      path: `${path}.NotAction`,
      message: `an Allow with NotAction grants every action it does not name, and the allow-list of ${clusterRef(c)} (spec.iam.inlinePolicyActions: ${patterns.join(', ')}) cannot confine it; list the actions the workload needs with Action`,
    });
  } else if ('NotAction' in st && !broadAllowed) {
    problems.push({ path: `${path}.NotAction`, message: `an Allow with NotAction grants everything it does not name; list the actions instead (or ask the platform team to set spec.iam.allowBroadInlinePolicies on ${clusterRef(c)})` });
  }
  if ('NotResource' in st && !broadAllowed) {
    problems.push({ path: `${path}.NotResource`, message: `an Allow with NotResource grants everything it does not name; list the resources instead (or ask the platform team to set spec.iam.allowBroadInlinePolicies on ${clusterRef(c)})` });
  }
  return problems;
}

function checkStatement(statement: unknown, path: string, c: FargateCluster): ValidationProblem[] {
  if (typeof statement !== 'object' || statement === null) return [];
  const st = statement as Record<string, unknown>;
  if (st['Effect'] === 'Deny') return [];
  const broadAllowed = c.spec.iam?.allowBroadInlinePolicies === true;
  const patterns = (c.spec.iam?.inlinePolicyActions ?? []).map((p) => p.toLowerCase());
  const problems = checkNegations(st, path, c, patterns);
  asList(st['Action']).forEach((action, j) => {
    if (typeof action !== 'string') return;
    const at = `${path}.Action${Array.isArray(st['Action']) ? `[${j}]` : ''}`;
    const reach = broadAllowed ? undefined : broadReach(action);
    if (reach !== undefined) {
      problems.push({ path: at, message: `${JSON.stringify(action)} ${reach}; name the actions the workload needs (or ask the platform team to set spec.iam.allowBroadInlinePolicies on ${clusterRef(c)})` });
    } else if (patterns.length > 0 && !patterns.some((p) => patternCovers(p, action.toLowerCase()))) {
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
    const instead = RESERVED_INGRESS_ANNOTATIONS.get(key);
    // The value the operator sets anyway (target-type: ip, say) changes nothing: kept valid, so that
    // a workload written before these keys were reserved does not stall.
    const redundant = instead !== undefined && operatorIngressAnnotations(ingress)[key] === ingress.annotations?.[key] && allowingPattern(key, allowed) !== undefined;
    if (instead !== undefined && !redundant) {
      problems.push({ path: keyPath('spec.ingress.annotations', key), message: `the Ingress annotation ${key} is the operator's, whatever spec.ingress.allowedAnnotations of ${clusterRef(c)} says: ${instead}` });
      continue;
    }
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
