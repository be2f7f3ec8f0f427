/**
 * The operator's own IAM policy, rendered from the FargateClusters it serves. Whoever holds the
 * operator's credentials can do exactly what this policy allows, so it grants no more than the
 * platform's guard rails let an application team get (README, "Security model"):
 *
 * - IAM writes only on the roles the operator makes for these clusters: IRSA roles under each
 *   cluster's `spec.iam.rolePath` and the cluster's pod execution role by its exact ARN (its
 *   current name and the one before the region entered it). Every
 *   change needs the cluster's ownership tag on the role; creates must carry it, with no tag keys
 *   but the operator's.
 * - With a permissions boundary: an IRSA role is created only with that boundary, a boundary is
 *   only ever set to it and never removed, and trust, managed and inline policies change only on
 *   a role that has it (`iam:PermissionsBoundary`).
 * - `AttachRolePolicy` only for the cluster's allowed policy ARNs (`iam:PolicyARN`), and
 *   `PutRolePolicy` on IRSA roles only when inline policies are allowed.
 * - Fargate profiles only in the cluster, only with the cluster's name prefix; OIDC providers
 *   created or deleted only when the cluster asks for it.
 * - Nothing on the operator's own role (checked when its ARN is given, and denied explicitly).
 *
 * What IAM cannot check (the content of a trust or inline policy) is said in `warnings`.
 */
import { API_GROUP, TAG_CLUSTER, type IamRoleReads } from '../api/constants.js';
import { withClusterDefaults } from '../api/defaults.js';
import { arnMatchesPattern } from '../api/policy-arn-match.js';
import type { FargateCluster } from '../api/types.js';
import { iamRoleArn, partitionOf, type ClusterFacts } from './cluster-facts.js';
import type { IamPolicyDocument, PolicyStatement } from './iam-role.js';
import { executionRoleNames, planPodExecutionRole } from './pod-execution-role.js';
import { clusterName } from './workload-identity.js';

/** The tag keys a create or tag call may carry: the operator's group only (one pattern keeps the policy small). */
export const OWNERSHIP_TAG_PATTERN = `${API_GROUP}/*`;

/** IAM's limit for a customer managed policy, whitespace excluded; an inline role policy may hold 10,240. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

/** The services CreateFargateProfile passes the pod execution role to. */
const PASSED_TO_SERVICES = ['eks.amazonaws.com', 'eks-fargate-pods.amazonaws.com'];

/** IAM writes the policy denies on the operator's own role, whatever else allows them. */
const ROLE_WRITE_ACTIONS = [
  'iam:AttachRolePolicy',
  'iam:DeleteRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PassRole',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
];

export interface OperatorPolicyOptions {
  /** The 12-digit account of the clusters; `*` (any) when not given. */
  accountId?: string;
  /** The operator's own role: the policy must grant nothing on it, and denies changes to it. */
  operatorRoleArn?: string;
  /** How the operator's resyncs read IRSA roles (`run --iam-role-reads`); `account` needs one more read. */
  iamRoleReads?: IamRoleReads;
}

/** The rendered policy, or the problems that stop it from confining the operator. */
export interface RenderedOperatorPolicy {
  policy: IamPolicyDocument;
  /** Reasons the policy cannot be rendered safely; the policy is not to be used when any. */
  problems: string[];
  /** What IAM cannot confine with these FargateClusters, and how to close it. */
  warnings: string[];
}

type Condition = NonNullable<PolicyStatement['Condition']>;

/** A create or tag call may set only keys of the operator's group (OPERATOR_TAG_KEYS in src/aws/ownership.ts). */
function onlyOwnershipTagKeys(): Condition {
  return { 'ForAllValues:StringLike': { 'aws:TagKeys': OWNERSHIP_TAG_PATTERN } };
}

/** Sid-safe suffix naming one cluster, so that the statements of several clusters stay apart. */
function sidSuffix(name: string, several: boolean): string {
  if (!several) return '';
  return name.replace(/(^|[^0-9A-Za-z])([0-9A-Za-z])/g, (_m, _sep: string, c: string) => c.toUpperCase()).replace(/[^0-9A-Za-z]/g, '');
}

/** The statements one FargateCluster needs, with what they cannot confine. */
function clusterStatements(
  clusterIn: FargateCluster,
  accountId: string,
  several: boolean,
): { statements: PolicyStatement[]; problems: string[]; warnings: string[]; writableRoles: string[] } {
  const cluster = withClusterDefaults(clusterIn);
  const name = clusterName(cluster);
  const facts: ClusterFacts = { accountId, region: cluster.spec.region, oidcIssuer: '' };
  const partition = partitionOf(facts);
  const iam = cluster.spec.iam ?? {};
  const rolePath = iam.rolePath ?? '/';
  const boundary = iam.permissionsBoundaryArn;
  const allowedPolicies = iam.allowedManagedPolicyArns ?? [];
  const suffix = sidSuffix(name, several);
  const problems: string[] = [];
  const warnings: string[] = [];
  const owned: Condition = { StringEquals: { [`aws:ResourceTag/${TAG_CLUSTER}`]: name } };
  /** A create (or tag-on-create) for this cluster: its tag in the request, only the operator's keys, and `also`. */
  const creating = (also: Record<string, string> = {}): Condition => ({ StringEquals: { [`aws:RequestTag/${TAG_CLUSTER}`]: name, ...also }, ...onlyOwnershipTagKeys() });
  const boundaryHeld: Condition = boundary ? { StringEquals: { [`aws:ResourceTag/${TAG_CLUSTER}`]: name, 'iam:PermissionsBoundary': boundary } } : owned;

  if (rolePath === '/') {
    problems.push(
      `FargateCluster ${name}: spec.iam.rolePath is "/", so the operator's IAM writes cannot be confined to its own roles; ` +
        'set a path used only by this operator, such as /eksops/' + `${name}/`,
    );
  }
  const irsaRoles = `arn:${partition}:iam::${accountId}:role${rolePath}*`;
  const execution = planPodExecutionRole(cluster, facts);
  // The role the operator makes, by its exact name: the current one, and the one it had before
  // the region entered it (kept for clusters that already have it; the file holds no status).
  const executionRoles = execution.managed
    ? [...new Set([execution.arn, iamRoleArn(facts, '/', executionRoleNames(name, cluster.spec.region).earlier)])]
    : [execution.arn];
  const executionRole = executionRoles.length === 1 ? executionRoles[0]! : executionRoles;
  const statements: PolicyStatement[] = [
    {
      Sid: `ReadEksCluster${suffix}`,
      Effect: 'Allow',
      Action: ['eks:DescribeCluster', 'eks:ListFargateProfiles', 'eks:DescribeFargateProfile'],
      Resource: [`arn:${partition}:eks:${cluster.spec.region}:${accountId}:cluster/${name}`, `arn:${partition}:eks:${cluster.spec.region}:${accountId}:fargateprofile/${name}/*`],
    },
  ];
  const profiles = `arn:${partition}:eks:${cluster.spec.region}:${accountId}:fargateprofile/${name}/${cluster.spec.profiles?.namePrefix}-*`;
  statements.push(
    {
      Sid: `CreateTaggedFargateProfiles${suffix}`,
      Effect: 'Allow',
      Action: ['eks:CreateFargateProfile', 'eks:TagResource'],
      Resource: [`arn:${partition}:eks:${cluster.spec.region}:${accountId}:cluster/${name}`, profiles],
      Condition: creating(),
    },
    { Sid: `DeleteOwnedFargateProfiles${suffix}`, Effect: 'Allow', Action: ['eks:DeleteFargateProfile'], Resource: profiles, Condition: owned },
  );

  // Roles: IRSA roles on the path, and the execution role when the operator makes it.
  const writableRoles = [irsaRoles, ...(execution.managed ? executionRoles : [])];
  statements.push(
    {
      Sid: `CreateIrsaRoles${suffix}`,
      Effect: 'Allow',
      Action: ['iam:CreateRole'],
      Resource: irsaRoles,
      Condition: creating(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
    },
    {
      Sid: `TagOwnedRoles${suffix}`,
      Effect: 'Allow',
      Action: ['iam:TagRole'],
      Resource: writableRoles,
      // A role of this cluster keeps its cluster tag; only the operator's keys are written.
      Condition: { ...owned, StringEqualsIfExists: { [`aws:RequestTag/${TAG_CLUSTER}`]: name }, ...onlyOwnershipTagKeys() },
    },
    {
      Sid: `AdoptUntaggedRoles${suffix}`,
      Effect: 'Allow',
      Action: ['iam:TagRole'],
      Resource: writableRoles,
      // Adoption (the adopt annotation) tags a role that carries no cluster tag, never another cluster's.
      Condition: { Null: { [`aws:ResourceTag/${TAG_CLUSTER}`]: 'true' }, StringEquals: { [`aws:RequestTag/${TAG_CLUSTER}`]: name }, ...onlyOwnershipTagKeys() },
    },
    {
      Sid: `ChangeOwnedIrsaRoles${suffix}`,
      Effect: 'Allow',
      Action: ['iam:UpdateAssumeRolePolicy', ...(iam.allowInlinePolicies ? ['iam:PutRolePolicy'] : [])],
      Resource: irsaRoles,
      Condition: boundaryHeld,
    },
    {
      Sid: `ReduceOwnedRoles${suffix}`,
      Effect: 'Allow',
      // Taking permissions away and deleting: on any role of this cluster, whatever its boundary.
      Action: ['iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:DeleteRole'],
      Resource: writableRoles,
      Condition: owned,
    },
  );
  if (allowedPolicies.length > 0) {
    statements.push({
      Sid: `AttachAllowedPolicies${suffix}`,
      Effect: 'Allow',
      Action: ['iam:AttachRolePolicy'],
      Resource: irsaRoles,
      Condition: { ...boundaryHeld, ArnLike: { 'iam:PolicyARN': [...allowedPolicies] } },
    });
  }
  if (boundary) {
    statements.push({
      Sid: `SetPlatformBoundary${suffix}`,
      Effect: 'Allow',
      Action: ['iam:PutRolePermissionsBoundary'],
      Resource: irsaRoles,
      Condition: { StringEquals: { [`aws:ResourceTag/${TAG_CLUSTER}`]: name, 'iam:PermissionsBoundary': boundary } },
    });
  } else {
    // Without a boundary in the spec the operator removes one a role still has; with one, never.
    statements.push({ Sid: `RemoveBoundaryNoLongerWanted${suffix}`, Effect: 'Allow', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: irsaRoles, Condition: owned });
    if (iam.allowInlinePolicies) {
      warnings.push(
        `FargateCluster ${name}: inline policies without a permissions boundary: IAM cannot check what an inline policy allows, ` +
          `so whoever holds the operator's credentials can give roles under ${rolePath} any permission; set spec.iam.permissionsBoundaryArn`,
      );
    }
  }

  if (execution.managed) {
    statements.push(
      {
        Sid: `CreateExecutionRole${suffix}`,
        Effect: 'Allow',
        Action: ['iam:CreateRole'],
        Resource: executionRole,
        Condition: creating(),
      },
      {
        Sid: `ChangeExecutionRole${suffix}`,
        Effect: 'Allow',
        Action: ['iam:UpdateAssumeRolePolicy', ...(execution.inlinePolicy ? ['iam:PutRolePolicy'] : [])],
        Resource: executionRole,
        Condition: owned,
      },
      {
        Sid: `AttachExecutionPolicy${suffix}`,
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy'],
        Resource: executionRole,
        Condition: { ...owned, ArnEquals: { 'iam:PolicyARN': execution.managedPolicyArns } },
      },
    );
    warnings.push(
      `FargateCluster ${name}: the operator manages the pod execution role ${execution.arn}: IAM cannot check the trust policy it writes` +
        (execution.inlinePolicy ? ' or its logging policy' : '') +
        ', so that role is as safe as the operator\'s credentials; to remove this, create the role yourself and name it in spec.podExecutionRole.arn',
    );
  }
  statements.push({
    Sid: `PassExecutionRole${suffix}`,
    Effect: 'Allow',
    Action: ['iam:PassRole'],
    Resource: executionRole,
    Condition: { StringEquals: { 'iam:PassedToService': PASSED_TO_SERVICES } },
  });

  const providers = `arn:${partition}:iam::${accountId}:oidc-provider/oidc.eks.${cluster.spec.region}.amazonaws.com/id/*`;
  statements.push({ Sid: `ReadOidcProvider${suffix}`, Effect: 'Allow', Action: ['iam:GetOpenIDConnectProvider'], Resource: providers });
  if (iam.createOIDCProvider) {
    statements.push({
      Sid: `CreateTaggedOidcProvider${suffix}`,
      Effect: 'Allow',
      Action: ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'],
      Resource: providers,
      Condition: creating(),
    });
  }
  if (iam.deleteOIDCProvider) {
    statements.push({ Sid: `DeleteOwnedOidcProvider${suffix}`, Effect: 'Allow', Action: ['iam:DeleteOpenIDConnectProvider'], Resource: providers, Condition: owned });
  }
  return { statements, problems, warnings, writableRoles };
}

/** Statements every deployment needs, whatever its clusters: reads that IAM does not scope. */
function sharedStatements(partitions: string[], accountId: string): PolicyStatement[] {
  return [
    {
      Sid: 'NetworkPreflightReads',
      Effect: 'Allow',
      Action: ['ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeVpcAttribute', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeSecurityGroups'],
      Resource: '*',
    },
    { Sid: 'AccountId', Effect: 'Allow', Action: ['sts:GetCallerIdentity'], Resource: '*' },
    {
      Sid: 'ReadRoles',
      Effect: 'Allow',
      // Any role: a role the operator must refuse (untagged, another path) is reported, not an AccessDenied.
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'],
      Resource: partitions.map((partition) => `arn:${partition}:iam::${accountId}:role/*`),
    },
    {
      Sid: 'ListOidcProvidersAndRoles',
      Effect: 'Allow',
      // Read-only. ListRoles: the orphan sweep lists the role path; before deleting an OIDC
      // provider, the operator checks no role trusts it.
      Action: ['iam:ListOpenIDConnectProviders', 'iam:ListRoles'],
      Resource: '*',
    },
  ];
}

/** Renders the policy for an operator serving these FargateClusters. */
export function planOperatorPolicy(clusters: FargateCluster[], options: OperatorPolicyOptions = {}): RenderedOperatorPolicy {
  const accountId = options.accountId ?? '*';
  const problems: string[] = [];
  const warnings: string[] = [];
  if (clusters.length === 0) problems.push('no FargateCluster given: the policy is rendered from the FargateClusters the operator serves');
  if (!/^(\d{12}|\*)$/.test(accountId)) problems.push(`account id "${accountId}" is not 12 digits`);
  const several = clusters.length > 1;
  const statements: PolicyStatement[] = [];
  const writableRoles: string[] = [];
  for (const cluster of [...clusters].sort((a, b) => clusterName(a).localeCompare(clusterName(b)))) {
    const rendered = clusterStatements(cluster, accountId, several);
    statements.push(...rendered.statements);
    problems.push(...rendered.problems);
    warnings.push(...rendered.warnings);
    writableRoles.push(...rendered.writableRoles);
  }
  const partitions = [...new Set(clusters.map((cluster) => partitionOf({ accountId, region: cluster.spec.region, oidcIssuer: '' })))].sort();
  statements.unshift(...sharedStatements(partitions.length > 0 ? partitions : ['aws'], accountId));

  if (options.iamRoleReads === 'account') {
    // IAM has no resource or condition for it: the read covers the whole account, so it is said.
    statements.push({ Sid: 'ReadAccountRolesForResyncs', Effect: 'Allow', Action: ['iam:GetAccountAuthorizationDetails'], Resource: '*' });
    warnings.push(
      'iam-role-reads account: iam:GetAccountAuthorizationDetails cannot be confined to some roles: whoever holds the operator\'s credentials can read ' +
        'every IAM user, group, role and policy document of the account (read only, no change); leave it out with the operator\'s default --iam-role-reads staggered',
    );
  }

  const own = options.operatorRoleArn;
  if (own !== undefined) {
    if (!/^arn:[\w-]+:iam::\d{12}:role\/.+/.test(own)) problems.push(`operator role "${own}" is not an IAM role ARN`);
    const overlapping = writableRoles.filter((pattern) => arnMatchesPattern(own, pattern));
    if (overlapping.length > 0) {
      problems.push(`the operator's own role ${own} falls under ${overlapping.join(', ')}, which the operator may change; move it to a path of its own`);
    }
    statements.push({ Sid: 'NothingOnOwnRole', Effect: 'Deny', Action: [...ROLE_WRITE_ACTIONS], Resource: own });
  }
  const policy: IamPolicyDocument = { Version: '2012-10-17', Statement: statements };
  const size = JSON.stringify(policy).length;
  if (size > MANAGED_POLICY_MAX_CHARS) {
    warnings.push(`the policy has ${size} characters: more than a managed policy may hold (${MANAGED_POLICY_MAX_CHARS}); put it inline on the role (up to 10,240) or split the clusters`);
  }
  return { policy, problems, warnings };
}
