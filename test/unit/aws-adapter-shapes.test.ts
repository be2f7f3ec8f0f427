import { describe, expect, it } from '@jest/globals';
import { AwsCallLog, isWriteOperation } from '../../src/aws/call-log.js';
import { operationName } from '../../src/aws/clients.js';
import { isInTransition, profileDifferences, type FargateProfileSpec, type ObservedProfile } from '../../src/aws/fargate-profiles.js';
import { issuerKey, providerArnMatches } from '../../src/aws/oidc-provider.js';

const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

describe('OIDC issuer matching', () => {
  it('strips the scheme and a trailing slash', () => {
    expect(issuerKey(ISSUER)).toBe('oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE');
    expect(issuerKey(`${ISSUER}/`)).toBe(issuerKey(ISSUER));
  });

  it('matches the provider ARN of the issuer, not of another cluster', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    expect(providerArnMatches(arn, ISSUER)).toBe(true);
    expect(providerArnMatches(arn.replace('EXAMPLED5', 'OTHERD5'), ISSUER)).toBe(false);
  });
});

describe('profileDifferences', () => {
  const spec: FargateProfileSpec = {
    name: 'fw-shared-3f2a',
    clusterName: 'prod',
    subnets: ['subnet-0a1', 'subnet-0b2'],
    selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': 'fw-shared-3f2a' } }],
    podExecutionRoleArn: 'arn:aws:iam::123456789012:role/prod-fargate-pod-execution',
    tags: {},
  };
  const observed: ObservedProfile = {
    name: spec.name,
    clusterName: 'prod',
    arn: 'arn:aws:eks:us-east-1:123456789012:fargateprofile/prod/fw-shared-3f2a/1',
    status: 'ACTIVE',
    subnets: ['subnet-0b2', 'subnet-0a1'],
    selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': 'fw-shared-3f2a' } }],
    podExecutionRoleArn: spec.podExecutionRoleArn,
    tags: { other: 'x' },
    healthIssues: [],
  };

  it('is empty when only the order of subnets and the tags differ', () => {
    expect(profileDifferences(spec, observed)).toEqual([]);
  });

  it('names changed subnets, selectors and execution role', () => {
    const changed = {
      ...observed,
      subnets: ['subnet-0c3'],
      selectors: [{ namespace: 'shop', labels: {} }],
      podExecutionRoleArn: 'arn:aws:iam::123456789012:role/other',
    };
    const differences = profileDifferences(spec, changed);
    expect(differences).toHaveLength(3);
    expect(differences[0]).toContain('subnet-0c3');
    expect(differences[2]).toContain('role/other');
  });

  it('only CREATING and DELETING are transitions', () => {
    expect(['CREATING', 'ACTIVE', 'DELETING', 'CREATE_FAILED', 'DELETE_FAILED'].filter((s) => isInTransition(s as never))).toEqual([
      'CREATING',
      'DELETING',
    ]);
  });
});

describe('call recording', () => {
  it('operationName drops the Command suffix', () => {
    expect(operationName('CreateFargateProfileCommand')).toBe('CreateFargateProfile');
    expect(operationName(undefined)).toBe('Unknown');
  });

  it('AwsCallLog counts by service, operation and outcome, and since a mark', () => {
    const log = new AwsCallLog();
    log.sink({ service: 'iam', operation: 'GetRole', outcome: 'ok', durationMs: 1, attempts: 1, throttledAttempts: 0 });
    const mark = log.mark();
    log.sink({ service: 'iam', operation: 'AttachRolePolicy', outcome: 'ok', durationMs: 1, attempts: 1, throttledAttempts: 0 });
    log.sink({ service: 'eks', operation: 'CreateFargateProfile', outcome: 'ResourceInUseException', durationMs: 1, attempts: 1, throttledAttempts: 0 });
    expect(log.count({ service: 'iam' })).toBe(2);
    expect(log.count({ outcome: 'ResourceInUseException' })).toBe(1);
    expect(log.since(mark).map((c) => c.operation)).toEqual(['AttachRolePolicy', 'CreateFargateProfile']);
    expect(log.since(mark, { operation: /^Attach/ })).toHaveLength(1);
    expect(['GetRole', 'ListRoles', 'AttachRolePolicy', 'TagRole', 'DeleteFargateProfile'].filter(isWriteOperation)).toEqual([
      'AttachRolePolicy',
      'TagRole',
      'DeleteFargateProfile',
    ]);
  });
});
