import { describe, expect, it } from '@jest/globals';
import { diffRole, replacementReason, type ObservedRole, type RoleSpec } from '../../src/aws/iam-roles.js';
import { isOwnedBy } from '../../src/aws/ownership.js';

const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'eks-fargate-pods.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const inline = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] };
const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const SQS = 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/app-boundary';

const spec: RoleSpec = {
  name: 'prod-shop-web-1b2c',
  path: '/eksops/',
  trustPolicy: trust,
  managedPolicyArns: [S3],
  inlinePolicyName: 'eksops-inline',
  inlinePolicy: inline,
  permissionsBoundary: BOUNDARY,
  tags: { 'fargate.eksops.dev/cluster': 'prod', 'fargate.eksops.dev/name': 'web' },
};

/** The role as IAM would return it for `spec`: documents reshaped the way IAM reshapes them. */
function converged(): ObservedRole {
  return {
    name: spec.name,
    arn: `arn:aws:iam::123456789012:role/eksops/${spec.name}`,
    path: '/eksops/',
    trustPolicy: { Statement: [{ Action: ['sts:AssumeRole'], Effect: 'Allow', Principal: { Service: ['eks-fargate-pods.amazonaws.com'] } }], Version: '2012-10-17' },
    permissionsBoundary: BOUNDARY,
    tags: { 'fargate.eksops.dev/name': 'web', 'fargate.eksops.dev/cluster': 'prod', 'cost-center': 'shop' },
    attachedPolicyArns: [S3],
    inlinePolicies: { 'eksops-inline': { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: ['*'] } } },
  };
}

describe('diffRole', () => {
  it('a converged role needs no call, whatever shape IAM gave its documents; foreign tags stay', () => {
    expect(diffRole(spec, converged())).toEqual([]);
  });

  it('a changed trust policy is updated, and only that', () => {
    const observed = converged();
    observed.trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] };
    expect(diffRole(spec, observed)).toEqual([{ kind: 'updateTrustPolicy', document: trust }]);
  });

  it('attaches what is missing and detaches what is extra, nothing else', () => {
    const observed = converged();
    observed.attachedPolicyArns = [SQS];
    expect(diffRole(spec, observed)).toEqual([
      { kind: 'attachPolicy', policyArn: S3 },
      { kind: 'detachPolicy', policyArn: SQS },
    ]);
  });

  it('puts a changed or missing inline policy and deletes foreign ones', () => {
    const changed = converged();
    changed.inlinePolicies = { 'eksops-inline': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }, extra: inline };
    expect(diffRole(spec, changed)).toEqual([
      { kind: 'putInlinePolicy', policyName: 'eksops-inline', document: inline },
      { kind: 'deleteInlinePolicy', policyName: 'extra' },
    ]);
    const missing = converged();
    missing.inlinePolicies = {};
    expect(diffRole(spec, missing)).toEqual([{ kind: 'putInlinePolicy', policyName: 'eksops-inline', document: inline }]);
  });

  it('deletes the inline policy when the spec has none', () => {
    const { inlinePolicy: _unused, ...withoutInline } = spec;
    expect(diffRole(withoutInline, converged())).toEqual([{ kind: 'deleteInlinePolicy', policyName: 'eksops-inline' }]);
  });

  it('tags first, then the boundary, before any grant: the operator policy grants only on a role with its boundary', () => {
    const drifted = converged();
    delete drifted.permissionsBoundary;
    drifted.tags = {};
    drifted.trustPolicy = { Version: '2012-10-17', Statement: [] };
    drifted.attachedPolicyArns = [];
    drifted.inlinePolicies = {};
    expect(diffRole(spec, drifted).map((action) => action.kind)).toEqual(['tagRole', 'putPermissionsBoundary', 'updateTrustPolicy', 'attachPolicy', 'putInlinePolicy']);
  });

  it('puts a missing or changed boundary, deletes one the spec does not want', () => {
    const missing = converged();
    delete missing.permissionsBoundary;
    expect(diffRole(spec, missing)).toEqual([{ kind: 'putPermissionsBoundary', policyArn: BOUNDARY }]);
    const other = converged();
    other.permissionsBoundary = 'arn:aws:iam::123456789012:policy/other';
    expect(diffRole(spec, other)).toEqual([{ kind: 'putPermissionsBoundary', policyArn: BOUNDARY }]);
    const { permissionsBoundary: _unused, ...withoutBoundary } = spec;
    expect(diffRole(withoutBoundary, converged())).toEqual([{ kind: 'deletePermissionsBoundary' }]);
  });

  it('tags only the ownership tags that are missing or changed', () => {
    const observed = converged();
    observed.tags = { 'fargate.eksops.dev/cluster': 'prod', 'fargate.eksops.dev/name': 'old', 'cost-center': 'shop' };
    expect(diffRole(spec, observed)).toEqual([{ kind: 'tagRole', tags: { 'fargate.eksops.dev/name': 'web' } }]);
  });

  it('an empty role gets every grant, tags and trust already set by CreateRole', () => {
    const fresh: ObservedRole = { ...converged(), trustPolicy: trust, attachedPolicyArns: [], inlinePolicies: {}, tags: { ...spec.tags } };
    expect(diffRole(spec, fresh)).toEqual([
      { kind: 'attachPolicy', policyArn: S3 },
      { kind: 'putInlinePolicy', policyName: 'eksops-inline', document: inline },
    ]);
  });
});

describe('replacementReason', () => {
  it('is undefined for the same path and names both paths otherwise', () => {
    expect(replacementReason(spec, converged())).toBeUndefined();
    expect(replacementReason({ ...spec, path: '/other/' }, converged())).toMatch(/\/eksops\/.*\/other\//);
  });
});

describe('isOwnedBy', () => {
  it('needs every ownership tag with the same value', () => {
    expect(isOwnedBy(converged(), spec.tags)).toBe(true);
    expect(isOwnedBy(converged(), { ...spec.tags, 'fargate.eksops.dev/uid': 'u-1' })).toBe(false);
    expect(isOwnedBy({ tags: {} }, spec.tags)).toBe(false);
    expect(isOwnedBy({ tags: { ...spec.tags, 'fargate.eksops.dev/name': 'other' } }, spec.tags)).toBe(false);
  });
});
