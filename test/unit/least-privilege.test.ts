import {
  allowedActions,
  arnScopedActions,
  auditedPermissions,
  callsWithoutRequiredTags,
  compareGrants,
  motoEnforceablePolicy,
  observedActions,
  readExampleOperatorPolicy,
  requiredRequestTags,
  uncoveredResources,
  withoutAction,
} from '../support/least-privilege.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';

const call = (service: string, operation: string): ProxyCall => ({ seq: 0, service, operation, method: 'POST', path: '/', status: 200, startedAt: 0, endedAt: 0, write: false });

describe('least-privilege comparisons', () => {
  it('names what is used but not granted and what is granted but never used; exceptions count as used', () => {
    const used = observedActions([call('iam', 'GetRole'), call('eks', 'DescribeCluster'), call('iam', 'GetRole')]);
    expect(compareGrants(used, ['iam:GetRole', 'iam:PassRole', 'eks:TagResource'], { 'iam:PassRole': 'CreateFargateProfile' })).toEqual({
      missing: ['eks:DescribeCluster'],
      unused: ['eks:TagResource'],
    });
  });

  it('reads the Allow actions of the operator policy as service:Action names', () => {
    const actions = allowedActions(readExampleOperatorPolicy());
    expect(actions.has('iam:PassRole')).toBe(true);
    expect([...actions].every((action) => /^[a-z0-9]+:[A-Za-z]+$/.test(action))).toBe(true);
  });

  it('the policy moto enforces differs from the operator policy only in the Resource of its Allow statements, which is *', () => {
    const policy = readExampleOperatorPolicy();
    const enforceable = motoEnforceablePolicy(policy);
    expect(enforceable.Statement.map((statement) => statement.Resource)).toEqual(policy.Statement.map((statement) => (statement.Effect === 'Allow' ? '*' : statement.Resource)));
    const withoutResource = (document: typeof policy) => ({ ...document, Statement: document.Statement.map(({ Resource: _resource, ...rest }) => rest) });
    expect(withoutResource(enforceable)).toEqual(withoutResource(policy));
    expect(policy.Statement.some((statement) => statement.Effect === 'Allow' && statement.Resource !== '*')).toBe(true);
    expect(enforceable.Statement.find((statement) => statement.Effect === 'Deny')?.Resource).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });

  it('requires request tags of the creates only: an action also allowed without the condition needs none', () => {
    const required = requiredRequestTags(readExampleOperatorPolicy());
    expect(required.get('iam:CreateRole')).toEqual(['fargate.eksops.dev/cluster']);
    expect(required.get('eks:CreateFargateProfile')).toEqual(['fargate.eksops.dev/cluster']);
    expect(required.get('iam:CreateOpenIDConnectProvider')).toEqual(['fargate.eksops.dev/cluster']);
    expect(required.has('iam:TagRole')).toBe(false);
    expect(required.has('iam:GetRole')).toBe(false);
    const tagged = { ...call('iam', 'CreateRole'), tagKeys: ['fargate.eksops.dev/cluster'] };
    const untagged = { ...call('eks', 'CreateFargateProfile'), path: '/clusters/c/fargate-profiles' };
    expect(callsWithoutRequiredTags([tagged, untagged, call('iam', 'GetRole')], required)).toEqual(['eks:CreateFargateProfile /clusters/c/fargate-profiles without fargate.eksops.dev/cluster']);
  });

  it('requires only the keys that every statement allowing the action requires', () => {
    const statement = (key: string) => ({ Effect: 'Allow', Action: ['iam:CreateRole'], Resource: '*', Condition: { Null: { [`aws:RequestTag/${key}`]: 'false' }, StringEquals: { 'aws:RequestTag/shared': 'x' }, StringEqualsIfExists: { 'aws:RequestTag/optional': 'y' } } });
    const required = requiredRequestTags({ Version: '2012-10-17', Statement: [statement('a'), statement('b')] });
    expect(required.get('iam:CreateRole')).toEqual(['shared']);
    expect(callsWithoutRequiredTags([{ ...call('iam', 'CreateRole'), tagKeys: ['a', 'shared'] }], required)).toEqual([]);
  });

  it('takes one action out of every statement, and tells the actions scoped to ARNs from those on *', () => {
    const policy = readExampleOperatorPolicy();
    const without = withoutAction(policy, 'iam:TagRole');
    expect(allowedActions(without).has('iam:TagRole')).toBe(false);
    expect([...allowedActions(policy)].filter((action) => !allowedActions(without).has(action))).toEqual(['iam:TagRole']);
    expect(arnScopedActions(policy, ['iam:PassRole', 'ec2:DescribeSubnets', 'sts:GetCallerIdentity', 'eks:DescribeCluster'])).toEqual(['iam:PassRole', 'eks:DescribeCluster']);
  });

  it('names each action on an ARN that no statement with that action covers', () => {
    const policy = readExampleOperatorPolicy();
    const execution = 'arn:aws:iam::123456789012:role/demo-fargate-pod-execution';
    const irsa = 'arn:aws:iam::123456789012:role/eksops/demo-shop-web-1b2c';
    expect(uncoveredResources(policy, [
      { arn: execution, actions: ['iam:PassRole', 'iam:GetRole'] },
      { arn: irsa, actions: ['iam:PassRole', 'iam:DeleteRole'] },
      { arn: 'arn:aws:eks:us-east-1:123456789012:cluster/demo', actions: ['eks:CreateFargateProfile', 'eks:DeleteFargateProfile'] },
    ])).toEqual([`iam:PassRole on ${irsa}`, 'eks:DeleteFargateProfile on arn:aws:eks:us-east-1:123456789012:cluster/demo']);
  });

  it("counts only the user's requests, subresources apart, and an apply that created its object as create too", () => {
    const user = 'system:serviceaccount:ns:sa';
    const log = [
      { user: { username: user }, verb: 'patch', objectRef: { apiGroup: 'apps', resource: 'deployments' }, responseStatus: { code: 201 } },
      { user: { username: user }, verb: 'patch', objectRef: { apiGroup: 'fargate.eksops.dev', resource: 'fargateworkloads', subresource: 'status' }, responseStatus: { code: 200 } },
      { user: { username: user }, verb: 'watch', objectRef: { resource: 'serviceaccounts' } },
      { user: { username: 'admin' }, verb: 'delete', objectRef: { resource: 'pods' } },
      { user: { username: user }, verb: 'get', responseStatus: { code: 200 } },
    ].map((event) => JSON.stringify(event)).join('\n');
    expect([...auditedPermissions(log, user)].sort()).toEqual([
      'apps/deployments:create',
      'apps/deployments:patch',
      'core/serviceaccounts:watch',
      'fargate.eksops.dev/fargateworkloads/status:patch',
    ]);
  });
});
