import { conditionKeyMatches, loadAuthorizationReference, policyReferenceProblems, resourceCanMatch } from '../support/authorization-reference.js';
import { planOperatorPolicy } from '../../src/plan/operator-policy.js';
import { readExampleOperatorPolicy, type PolicyDocument } from '../support/least-privilege.js';
import { ACCOUNT, OPERATOR_ROLE, POLICY_SHAPES } from '../support/operator-policy-shapes.js';

async function problemsOf(policy: PolicyDocument): Promise<string[]> {
  return policyReferenceProblems(policy, await loadAuthorizationReference(policy));
}

describe("the operator's rendered IAM policies against the Service Authorization Reference", () => {
  it('every statement of deploy/iam/operator-policy.example.json can allow each action it names: real actions, resources of their types, condition keys they have', async () => {
    expect(await problemsOf(readExampleOperatorPolicy())).toEqual([]);
  });

  it.each(Object.entries(POLICY_SHAPES))('so does every statement rendered for %s', async (_shape, clusters) => {
    const rendered = planOperatorPolicy(clusters, { accountId: ACCOUNT, operatorRoleArn: OPERATOR_ROLE });
    expect(rendered.problems).toEqual([]);
    expect(await problemsOf(rendered.policy)).toEqual([]);
  });

  it('names a misspelt action, an ARN on a wildcard-only action, a resource of another type and a key the action lacks', async () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Typo', Effect: 'Allow', Action: ['eks:DescribeFargateProfiles'], Resource: '*' },
        { Sid: 'ScopedList', Effect: 'Allow', Action: ['ec2:DescribeSubnets'], Resource: 'arn:aws:ec2:*:*:subnet/*' },
        { Sid: 'WrongType', Effect: 'Allow', Action: ['iam:DeleteOpenIDConnectProvider'], Resource: 'arn:aws:iam::*:role/*' },
        { Sid: 'NoSuchKey', Effect: 'Allow', Action: ['eks:DeleteFargateProfile'], Resource: 'arn:aws:eks:*:*:fargateprofile/*/*/*', Condition: { Null: { 'aws:RequestTag/owner': 'false' } } },
        { Sid: 'Wildcard', Effect: 'Allow', Action: ['iam:Get*'], Resource: '*' },
      ],
    };
    expect(await problemsOf(policy)).toEqual([
      'statement Typo: eks:DescribeFargateProfiles is not an action of eks in the Service Authorization Reference',
      'statement ScopedList: ec2:DescribeSubnets supports no resource-level permissions; its Resource must be "*"',
      'statement WrongType: iam:DeleteOpenIDConnectProvider is authorized against oidc-provider, which no Resource of the statement matches',
      'statement NoSuchKey: eks:DeleteFargateProfile has no condition key aws:RequestTag/owner in its request context, so the condition cannot work for it; move the action to a statement without that condition',
      'statement Wildcard: iam:Get* is a wildcard; name each action, so that the least-privilege proof can compare them',
    ]);
  });

  it('accepts a resource tag key on the resource type, a request tag key on the action and a global key anywhere', async () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:DeleteRole'], Resource: 'arn:aws:iam::*:role/*', Condition: { Null: { 'aws:ResourceTag/owner': 'false' }, Bool: { 'aws:SecureTransport': 'true' } } },
        { Effect: 'Allow', Action: ['iam:CreateRole'], Resource: 'arn:aws:iam::123456789012:role/eksops/*', Condition: { StringEquals: { 'aws:RequestTag/owner': 'x', 'iam:PermissionsBoundary': 'arn:aws:iam::123456789012:policy/b' } } },
      ],
    };
    expect(await problemsOf(policy)).toEqual([]);
  });
});

describe('resource patterns and condition keys', () => {
  const role = 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}';
  const oidc = 'arn:${Partition}:iam::${Account}:oidc-provider/${OidcProviderName}';
  const profile = 'arn:${Partition}:eks:${Region}:${Account}:fargateprofile/${ClusterName}/${FargateProfileName}/${UUID}';

  it('matches a policy Resource to the ARN formats it can cover, and to no other', () => {
    expect(resourceCanMatch('arn:aws:iam::*:role/*-fargate-pod-execution*', role)).toBe(true);
    expect(resourceCanMatch('arn:aws:iam::123456789012:role/eksops/*', role)).toBe(true);
    expect(resourceCanMatch('arn:aws:iam::*:role/*', oidc)).toBe(false);
    expect(resourceCanMatch('arn:aws:iam::*:oidc-provider/*', role)).toBe(false);
    expect(resourceCanMatch('arn:aws:eks:*:*:fargateprofile/*/*/*', profile)).toBe(true);
    expect(resourceCanMatch('arn:aws:eks:*:*:cluster/*', profile)).toBe(false);
    expect(resourceCanMatch('*', profile)).toBe(true);
    expect(resourceCanMatch('arn:aws:eks:us-east-?:*:fargateprofile/*', profile)).toBe(true);
    expect(resourceCanMatch('arn:aws-cn:eks:*', 'arn:aws:eks:${Region}')).toBe(false);
  });

  it('matches condition keys to reference templates without regard to case', () => {
    expect(conditionKeyMatches('aws:RequestTag/fargate.eksops.dev/cluster', 'aws:RequestTag/${TagKey}')).toBe(true);
    expect(conditionKeyMatches('AWS:requesttag/x', 'aws:RequestTag/${TagKey}')).toBe(true);
    expect(conditionKeyMatches('aws:RequestTag', 'aws:RequestTag/${TagKey}')).toBe(false);
    expect(conditionKeyMatches('iam:PassedToService', 'iam:PassedToService')).toBe(true);
  });
});
