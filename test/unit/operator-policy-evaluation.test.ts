/**
 * The operator's rendered IAM policy judged by an IAM policy evaluator (`@cloud-copilot/iam-simulate`,
 * AWS's evaluation logic with conditions and resource ARNs; a dev dependency only, never in the
 * image). Each row is one request as AWS would see it from the operator's role: action, resource
 * ARN and the request context (tags on the role, tags in the request, the boundary). The rows
 * cover what the operator needs (allowed) and every escalation a holder of its credentials could
 * try (denied): the policy must allow the first and nothing of the second.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FargateCluster } from '../../src/api/types.js';
import { planOperatorPolicy } from '../../src/plan/operator-policy.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { readExampleOperatorPolicy, type PolicyDocument } from '../support/least-privilege.js';
import { ACCOUNT, BOUNDARY, clusterWith, OPERATOR_ROLE } from '../support/operator-policy-shapes.js';

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
type Context = Record<string, string | string[]>;

interface Row {
  request: string;
  action: string;
  resource: string;
  context?: Context;
  expected: Decision;
}

const OPERATOR_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/eks-fargate-operator/operator-pod`;
const CLUSTER_TAG = 'fargate.eksops.dev/cluster';
const role = (path: string) => `arn:aws:iam::${ACCOUNT}:role/${path}`;
const IRSA_ROLE = role('eksops/demo-shop-web-1b2c3d4e');
const EXECUTION_ROLE = role('demo-us-east-1-fargate-pod-execution');
const EARLIER_EXECUTION_ROLE = role('demo-fargate-pod-execution');
const PLATFORM_ROLE = role('platform/admin');
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const CLUSTER_ARN = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo`;
const profile = (cluster: string, name: string) => `arn:aws:eks:us-east-1:${ACCOUNT}:fargateprofile/${cluster}/${name}/0ac1a2b3-c4d5-e6f7-a8b9-c0d1e2f3a4b5`;
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

/** The context of a create or tag call carrying the operator's tags for `cluster`. */
const creating = (cluster = 'demo', extra: Context = {}): Context => ({
  [`aws:RequestTag/${CLUSTER_TAG}`]: cluster,
  'aws:RequestTag/fargate.eksops.dev/component': 'irsa-role',
  'aws:TagKeys': [CLUSTER_TAG, 'fargate.eksops.dev/component'],
  ...extra,
});
/** The context of a change to a role that carries `cluster`'s tag and, when given, a boundary. */
const ownedBy = (cluster: string, boundary?: string, extra: Context = {}): Context => ({
  [`aws:ResourceTag/${CLUSTER_TAG}`]: cluster,
  ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
  ...extra,
});

/** The example FargateCluster: boundary, allowed policies, inline policies, OIDC provider created, logging. */
const EXAMPLE_ROWS: Row[] = [
  // What the operator needs.
  { request: 'create an IRSA role on the path, tagged, with the boundary', action: 'iam:CreateRole', resource: IRSA_ROLE, context: creating('demo', { 'iam:PermissionsBoundary': BOUNDARY }), expected: 'Allowed' },
  { request: 'repair an ownership tag on its own role', action: 'iam:TagRole', resource: IRSA_ROLE, context: { ...ownedBy('demo'), 'aws:RequestTag/fargate.eksops.dev/component': 'irsa-role', 'aws:TagKeys': ['fargate.eksops.dev/component'] }, expected: 'Allowed' },
  { request: 'adopt an untagged role on the path (adopt annotation)', action: 'iam:TagRole', resource: IRSA_ROLE, context: creating(), expected: 'Allowed' },
  { request: 'put the platform boundary on its role', action: 'iam:PutRolePermissionsBoundary', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'Allowed' },
  { request: 'attach an allowed managed policy to its bounded role', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY, { 'iam:PolicyARN': S3_READ }), expected: 'Allowed' },
  { request: 'attach a policy matching an allowed pattern (app-*)', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY, { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/app-orders` }), expected: 'Allowed' },
  { request: 'put the inline policy on its bounded role', action: 'iam:PutRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'Allowed' },
  { request: 'repair the trust policy of its bounded role', action: 'iam:UpdateAssumeRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'Allowed' },
  { request: 'detach a policy from its role, whatever the boundary', action: 'iam:DetachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': ADMIN_POLICY }), expected: 'Allowed' },
  { request: 'delete its role', action: 'iam:DeleteRole', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'Allowed' },
  { request: 'create the pod execution role, tagged', action: 'iam:CreateRole', resource: EXECUTION_ROLE, context: creating(), expected: 'Allowed' },
  { request: 'attach the Fargate pod execution policy to the execution role', action: 'iam:AttachRolePolicy', resource: EXECUTION_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy' }), expected: 'Allowed' },
  { request: 'pass the execution role made before the region entered its name', action: 'iam:PassRole', resource: EARLIER_EXECUTION_ROLE, context: { 'iam:PassedToService': 'eks.amazonaws.com' }, expected: 'Allowed' },
  { request: 'pass the execution role to EKS Fargate', action: 'iam:PassRole', resource: EXECUTION_ROLE, context: { 'iam:PassedToService': 'eks-fargate-pods.amazonaws.com' }, expected: 'Allowed' },
  { request: 'create a Fargate profile in its cluster, tagged', action: 'eks:CreateFargateProfile', resource: CLUSTER_ARN, context: creating(), expected: 'Allowed' },
  { request: 'delete its own Fargate profile', action: 'eks:DeleteFargateProfile', resource: profile('demo', 'fw-shared-1a2b3c4d'), context: ownedBy('demo'), expected: 'Allowed' },
  { request: 'create the OIDC provider, tagged', action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER, context: creating(), expected: 'Allowed' },
  { request: 'read any role, to refuse one it does not own by name', action: 'iam:GetRole', resource: PLATFORM_ROLE, expected: 'Allowed' },

  // Escalations: what a holder of the operator's credentials might try.
  { request: 'tag a platform role outside the path with the ownership tag (then manage it)', action: 'iam:TagRole', resource: PLATFORM_ROLE, context: creating(), expected: 'ImplicitlyDenied' },
  { request: "take over another cluster's role on the path by retagging it", action: 'iam:TagRole', resource: role('eksops/prod-shop-web-9f8e7d6c'), context: { ...ownedBy('prod'), ...creating() }, expected: 'ImplicitlyDenied' },
  { request: 'add a tag key of its own choosing (ABAC) to its role', action: 'iam:TagRole', resource: IRSA_ROLE, context: { ...ownedBy('demo'), 'aws:RequestTag/team': 'admins', 'aws:TagKeys': ['team'] }, expected: 'ImplicitlyDenied' },
  { request: 'create a role on the path without the boundary', action: 'iam:CreateRole', resource: IRSA_ROLE, context: creating(), expected: 'ImplicitlyDenied' },
  { request: 'create a role on the path with another boundary', action: 'iam:CreateRole', resource: IRSA_ROLE, context: creating('demo', { 'iam:PermissionsBoundary': ADMIN_POLICY }), expected: 'ImplicitlyDenied' },
  { request: 'create a role outside the path', action: 'iam:CreateRole', resource: role('backdoor'), context: creating('demo', { 'iam:PermissionsBoundary': BOUNDARY }), expected: 'ImplicitlyDenied' },
  { request: 'create a role on the path without the ownership tag', action: 'iam:CreateRole', resource: IRSA_ROLE, context: { 'iam:PermissionsBoundary': BOUNDARY }, expected: 'ImplicitlyDenied' },
  { request: 'remove the boundary from its role', action: 'iam:DeleteRolePermissionsBoundary', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'ImplicitlyDenied' },
  { request: 'replace the boundary with AdministratorAccess', action: 'iam:PutRolePermissionsBoundary', resource: IRSA_ROLE, context: ownedBy('demo', ADMIN_POLICY), expected: 'ImplicitlyDenied' },
  { request: 'attach AdministratorAccess to its role', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY, { 'iam:PolicyARN': ADMIN_POLICY }), expected: 'ImplicitlyDenied' },
  { request: 'attach an allowed policy to its role after the boundary was taken off', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': S3_READ }), expected: 'ImplicitlyDenied' },
  { request: 'put an inline policy on its role without the boundary', action: 'iam:PutRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: 'rewrite the trust of its role without the boundary', action: 'iam:UpdateAssumeRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: 'rewrite the trust of a platform role', action: 'iam:UpdateAssumeRolePolicy', resource: PLATFORM_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'ImplicitlyDenied' },
  { request: "rewrite the operator's own trust policy", action: 'iam:UpdateAssumeRolePolicy', resource: OPERATOR_ROLE, expected: 'ExplicitlyDenied' },
  { request: "put an inline policy on the operator's own role", action: 'iam:PutRolePolicy', resource: OPERATOR_ROLE, expected: 'ExplicitlyDenied' },
  { request: "attach AdministratorAccess to the operator's own role", action: 'iam:AttachRolePolicy', resource: OPERATOR_ROLE, context: { 'iam:PolicyARN': ADMIN_POLICY }, expected: 'ExplicitlyDenied' },
  { request: 'attach AdministratorAccess to the execution role', action: 'iam:AttachRolePolicy', resource: EXECUTION_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': ADMIN_POLICY }), expected: 'ImplicitlyDenied' },
  { request: 'pass the execution role to EC2', action: 'iam:PassRole', resource: EXECUTION_ROLE, context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, expected: 'ImplicitlyDenied' },
  { request: 'pass a platform role to EKS', action: 'iam:PassRole', resource: PLATFORM_ROLE, context: { 'iam:PassedToService': 'eks.amazonaws.com' }, expected: 'ImplicitlyDenied' },
  { request: 'pass an IRSA role to Lambda', action: 'iam:PassRole', resource: IRSA_ROLE, context: { 'iam:PassedToService': 'lambda.amazonaws.com' }, expected: 'ImplicitlyDenied' },
  { request: 'create a Fargate profile in another cluster', action: 'eks:CreateFargateProfile', resource: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`, context: creating('prod'), expected: 'ImplicitlyDenied' },
  { request: 'create a Fargate profile tagged for another cluster', action: 'eks:CreateFargateProfile', resource: CLUSTER_ARN, context: creating('prod'), expected: 'ImplicitlyDenied' },
  { request: 'delete a platform profile that carries no ownership tag', action: 'eks:DeleteFargateProfile', resource: profile('demo', 'fw-platform'), expected: 'ImplicitlyDenied' },
  { request: 'tag a platform profile outside the name prefix, to delete it next', action: 'eks:TagResource', resource: profile('demo', 'platform-system'), context: creating(), expected: 'ImplicitlyDenied' },
  { request: 'delete a profile outside the name prefix', action: 'eks:DeleteFargateProfile', resource: profile('demo', 'platform-system'), context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: "delete another cluster's role", action: 'iam:DeleteRole', resource: role('eksops/prod-shop-web-9f8e7d6c'), context: ownedBy('prod'), expected: 'ImplicitlyDenied' },
  { request: 'delete the OIDC provider (the cluster did not opt in)', action: 'iam:DeleteOpenIDConnectProvider', resource: PROVIDER, context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: 'create an IAM user', action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/backdoor`, expected: 'ImplicitlyDenied' },
  { request: 'create an access key', action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${ACCOUNT}:user/admin`, expected: 'ImplicitlyDenied' },
  { request: 'rewrite the allowed app policy', action: 'iam:CreatePolicyVersion', resource: `arn:aws:iam::${ACCOUNT}:policy/app-orders`, expected: 'ImplicitlyDenied' },
  { request: 'rewrite the boundary policy itself', action: 'iam:CreatePolicyVersion', resource: BOUNDARY, expected: 'ImplicitlyDenied' },
  { request: 'untag its role (to break ownership checks)', action: 'iam:UntagRole', resource: IRSA_ROLE, context: { ...ownedBy('demo'), 'aws:TagKeys': [CLUSTER_TAG] }, expected: 'ImplicitlyDenied' },
];

/** A FargateCluster without a boundary and without inline policies: what changes. */
const PLAIN_CLUSTER: FargateCluster = clusterWith('demo', { iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ] } });
const PLAIN_ROWS: Row[] = [
  { request: 'create an IRSA role without a boundary (none is configured)', action: 'iam:CreateRole', resource: IRSA_ROLE, context: creating(), expected: 'Allowed' },
  { request: 'remove a boundary no longer configured', action: 'iam:DeleteRolePermissionsBoundary', resource: IRSA_ROLE, context: ownedBy('demo', BOUNDARY), expected: 'Allowed' },
  { request: 'attach the allowed policy', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': S3_READ }), expected: 'Allowed' },
  { request: 'put an inline policy (inline policies are not allowed)', action: 'iam:PutRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: 'put any boundary (none is configured)', action: 'iam:PutRolePermissionsBoundary', resource: IRSA_ROLE, context: ownedBy('demo', ADMIN_POLICY), expected: 'ImplicitlyDenied' },
  { request: 'attach a policy that is not allowed', action: 'iam:AttachRolePolicy', resource: IRSA_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': ADMIN_POLICY }), expected: 'ImplicitlyDenied' },
  { request: 'put an inline policy on the execution role (logging is off)', action: 'iam:PutRolePolicy', resource: EXECUTION_ROLE, context: ownedBy('demo'), expected: 'ImplicitlyDenied' },
  { request: 'list the roles (read-only: the orphan sweep reads the role path)', action: 'iam:ListRoles', resource: '*', expected: 'Allowed' },
  { request: 'tag its Dedicated profile with the deletionPolicy (TagResource carries the cluster tag)', action: 'eks:TagResource', resource: profile('demo', 'fw-shop-web-1a2b3c4d'), context: { ...ownedBy('demo'), ...creating('demo', { 'aws:RequestTag/fargate.eksops.dev/deletion-policy': 'Retain', 'aws:TagKeys': [CLUSTER_TAG, 'fargate.eksops.dev/deletion-policy'] }) }, expected: 'Allowed' },
];

async function decide(policy: PolicyDocument, row: Row): Promise<Decision | string> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'eks-fargate-operator', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { action: row.action, principal: OPERATOR_SESSION, resource: { resource: row.resource, accountId: ACCOUNT }, contextVariables: row.context ?? {} },
    },
    {},
  );
  // A request the evaluator refuses to judge (a key the action lacks, a malformed ARN) is a bad row.
  if (response.resultType === 'error') return `not evaluated: ${JSON.stringify(response.errors)}`;
  return response.overallResult as Decision;
}

describe('the rendered operator policy, judged by an IAM policy evaluator', () => {
  const example = readExampleOperatorPolicy();

  it('deploy/iam/operator-policy.example.json is what iam-policy renders for examples/fargatecluster.yaml', () => {
    const cluster = parse(readFileSync(join(repoRoot(), 'examples/fargatecluster.yaml'), 'utf8')) as FargateCluster;
    const rendered = planOperatorPolicy([cluster], { accountId: ACCOUNT, operatorRoleArn: OPERATOR_ROLE });
    expect(rendered.problems).toEqual([]);
    expect(rendered.policy).toEqual(example);
  });

  it('the table has at least 20 requests, allowed and denied', () => {
    expect(EXAMPLE_ROWS.length + PLAIN_ROWS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(EXAMPLE_ROWS.map((row) => row.expected))).toEqual(new Set(['Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied']));
  });

  it.each(EXAMPLE_ROWS.map((row) => [row.expected, row.request, row] as const))('example cluster: %s: %s', async (_expected, _request, row) => {
    expect(await decide(example, row)).toBe(row.expected);
  });

  const plain = planOperatorPolicy([PLAIN_CLUSTER], { accountId: ACCOUNT, operatorRoleArn: OPERATOR_ROLE }).policy;
  it.each(PLAIN_ROWS.map((row) => [row.expected, row.request, row] as const))('no boundary, no inline policies: %s: %s', async (_expected, _request, row) => {
    expect(await decide(plain, row)).toBe(row.expected);
  });

  it('iam-role-reads account: the one account-wide read is allowed, said in a warning, and nothing else changes', async () => {
    const accountWide = planOperatorPolicy([PLAIN_CLUSTER], { accountId: ACCOUNT, operatorRoleArn: OPERATOR_ROLE, iamRoleReads: 'account' });
    const read: Row = { request: '', action: 'iam:GetAccountAuthorizationDetails', resource: '*', expected: 'Allowed' };
    expect(await decide(plain, read)).toBe('ImplicitlyDenied');
    expect(await decide(accountWide.policy, read)).toBe('Allowed');
    expect(accountWide.warnings).toContainEqual(expect.stringContaining('iam:GetAccountAuthorizationDetails cannot be confined'));
    // The added statement is that one action and no other: every escalation stays denied.
    const added = accountWide.policy.Statement.filter((statement) => !plain.Statement.some((kept) => JSON.stringify(kept) === JSON.stringify(statement)));
    expect(added).toEqual([{ Sid: 'ReadAccountRolesForResyncs', Effect: 'Allow', Action: ['iam:GetAccountAuthorizationDetails'], Resource: '*' }]);
    for (const row of PLAIN_ROWS) expect([row.request, await decide(accountWide.policy, row)]).toEqual([row.request, row.expected]);
  });

  it('the generic policy this replaces let the operator tag a platform role and then attach AdministratorAccess to it', async () => {
    // deploy/iam/operator-policy.json before this change, reduced to the two statements of the escalation.
    const generic: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:CreateRole', 'iam:TagRole'], Resource: 'arn:aws:iam::*:role/*', Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'false' } } },
        { Effect: 'Allow', Action: ['iam:AttachRolePolicy', 'iam:DeleteRolePermissionsBoundary'], Resource: 'arn:aws:iam::*:role/*', Condition: { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: 'false' } } },
      ],
    };
    const tag: Row = { request: '', action: 'iam:TagRole', resource: PLATFORM_ROLE, context: creating(), expected: 'Allowed' };
    const attach: Row = { request: '', action: 'iam:AttachRolePolicy', resource: PLATFORM_ROLE, context: ownedBy('demo', undefined, { 'iam:PolicyARN': ADMIN_POLICY }), expected: 'Allowed' };
    expect([await decide(generic, tag), await decide(generic, attach)]).toEqual(['Allowed', 'Allowed']);
    expect([await decide(example, tag), await decide(example, attach)]).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });
});

describe('rendering refuses what IAM could not confine', () => {
  it('a role path of "/" (every role in the account)', () => {
    const rendered = planOperatorPolicy([clusterWith('demo', { iam: { rolePath: '/' } })], { accountId: ACCOUNT });
    expect(rendered.problems).toEqual([expect.stringContaining('spec.iam.rolePath is "/"')]);
  });

  it("the operator's own role under a path it may change", () => {
    const rendered = planOperatorPolicy([clusterWith('demo', { iam: { rolePath: '/eksops/' } })], { accountId: ACCOUNT, operatorRoleArn: role('eksops/eks-fargate-operator') });
    expect(rendered.problems).toEqual([expect.stringMatching(/own role .*falls under arn:aws:iam::123456789012:role\/eksops\/\*/)]);
  });

  it('an account id that is not 12 digits, and no cluster at all', () => {
    expect(planOperatorPolicy([clusterWith('demo', { iam: { rolePath: '/eksops/' } })], { accountId: '1234' }).problems).toEqual(['account id "1234" is not 12 digits']);
    expect(planOperatorPolicy([]).problems).toEqual([expect.stringContaining('no FargateCluster given')]);
  });

  it('warns about inline policies without a boundary and about the execution role the operator manages', () => {
    const rendered = planOperatorPolicy([clusterWith('demo', { iam: { rolePath: '/eksops/', allowInlinePolicies: true, inlinePolicyActions: ['sqs:*'] } })], { accountId: ACCOUNT });
    expect(rendered.problems).toEqual([]);
    expect(rendered.warnings).toEqual([
      expect.stringContaining('inline policies without a permissions boundary'),
      expect.stringContaining('the operator manages the pod execution role'),
    ]);
    const brought = planOperatorPolicy([clusterWith('demo', { podExecutionRole: { arn: role('platform/exec') }, iam: { rolePath: '/eksops/', permissionsBoundaryArn: BOUNDARY } })], { accountId: ACCOUNT });
    expect(brought.warnings).toEqual([]);
    // With the platform's own execution role, the operator may only pass it.
    const onExecution = brought.policy.Statement.filter((statement) => [statement.Resource].flat().includes(role('platform/exec')));
    expect(onExecution.map((statement) => statement.Action)).toEqual([['iam:PassRole']]);
  });

  it("keeps several clusters' statements apart, each with its own tag value and role path", () => {
    const rendered = planOperatorPolicy(
      [clusterWith('prod-b', { iam: { rolePath: '/b/' } }), clusterWith('prod-a', { iam: { rolePath: '/a/' } })],
      { accountId: ACCOUNT },
    );
    const creates = rendered.policy.Statement.filter((statement) => statement.Sid?.startsWith('CreateIrsaRoles'));
    expect(creates.map((statement) => [statement.Sid, statement.Resource, statement.Condition?.['StringEquals']?.[`aws:RequestTag/${CLUSTER_TAG}`]])).toEqual([
      ['CreateIrsaRolesProdA', role('a/*'), 'prod-a'],
      ['CreateIrsaRolesProdB', role('b/*'), 'prod-b'],
    ]);
  });
});
