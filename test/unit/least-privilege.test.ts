import { allowedActions, auditedPermissions, compareGrants, motoEnforceablePolicy, observedActions, readOperatorPolicy } from '../support/least-privilege.js';
import type { ProxyCall } from '../support/eks-proxy.js';

const call = (service: string, operation: string): ProxyCall => ({ seq: 0, service, operation, method: 'POST', path: '/', status: 200, startedAt: 0, endedAt: 0 });

describe('least-privilege comparisons', () => {
  it('names what is used but not granted and what is granted but never used; exceptions count as used', () => {
    const used = observedActions([call('iam', 'GetRole'), call('eks', 'DescribeCluster'), call('iam', 'GetRole')]);
    expect(compareGrants(used, ['iam:GetRole', 'iam:PassRole', 'eks:TagResource'], { 'iam:PassRole': 'CreateFargateProfile' })).toEqual({
      missing: ['eks:DescribeCluster'],
      unused: ['eks:TagResource'],
    });
  });

  it('reads the Allow actions of the operator policy as service:Action names', () => {
    const actions = allowedActions(readOperatorPolicy());
    expect(actions.has('iam:PassRole')).toBe(true);
    expect([...actions].every((action) => /^[a-z0-9]+:[A-Za-z]+$/.test(action))).toBe(true);
  });

  it('the policy moto enforces differs from the operator policy only in Resource, which is * everywhere', () => {
    const policy = readOperatorPolicy();
    const enforceable = motoEnforceablePolicy(policy);
    expect(enforceable.Statement.map((statement) => statement.Resource)).toEqual(policy.Statement.map(() => '*'));
    const withoutResource = (document: typeof policy) => ({ ...document, Statement: document.Statement.map(({ Resource: _resource, ...rest }) => rest) });
    expect(withoutResource(enforceable)).toEqual(withoutResource(policy));
    expect(policy.Statement.some((statement) => statement.Resource !== '*')).toBe(true);
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
