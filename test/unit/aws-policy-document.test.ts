import { describe, expect, it } from '@jest/globals';
import { normalizePolicyDocument, parsePolicyDocument, policyDocumentsEqual } from '../../src/aws/policy-document.js';

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:shop:web',
          'oidc.eks.us-east-1.amazonaws.com/id/ABC:aud': 'sts.amazonaws.com',
        },
      },
    },
  ],
};

describe('parsePolicyDocument', () => {
  it('decodes the URL-encoded JSON IAM returns', () => {
    expect(parsePolicyDocument(encodeURIComponent(JSON.stringify(trust)))).toEqual(trust);
  });

  it('reads plain JSON as it is, even with a % inside', () => {
    const doc = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/100%' } };
    expect(parsePolicyDocument(JSON.stringify(doc, null, 2))).toEqual(doc);
  });
});

describe('policyDocumentsEqual', () => {
  it('a string and a one-element list of Action, Resource and Principal values are equal', () => {
    const asIamReturnsIt = {
      Statement: {
        Condition: {
          StringEquals: {
            'oidc.eks.us-east-1.amazonaws.com/id/ABC:aud': ['sts.amazonaws.com'],
            'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:shop:web',
          },
        },
        Action: ['sts:AssumeRoleWithWebIdentity'],
        Principal: { Federated: ['arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC'] },
        Effect: 'Allow',
      },
      Version: '2012-10-17',
    };
    expect(policyDocumentsEqual(trust, asIamReturnsIt)).toBe(true);
    expect(policyDocumentsEqual(trust, encodeURIComponent(JSON.stringify(asIamReturnsIt)))).toBe(true);
  });

  it('action order and duplicates do not matter, statement order does not matter', () => {
    const a = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
      ],
    };
    const b = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: ['s3:DeleteObject'], Resource: ['*'] },
        { Resource: '*', Action: ['s3:ListBucket', 's3:GetObject', 's3:GetObject'], Effect: 'Allow' },
      ],
    };
    expect(policyDocumentsEqual(a, b)).toBe(true);
  });

  it('a changed condition value, action or effect is a difference', () => {
    const otherSub = structuredClone(trust);
    otherSub.Statement[0]!.Condition.StringEquals['oidc.eks.us-east-1.amazonaws.com/id/ABC:sub'] = 'system:serviceaccount:shop:other';
    expect(policyDocumentsEqual(trust, otherSub)).toBe(false);
    const otherAction = { ...trust, Statement: [{ ...trust.Statement[0]!, Action: 'sts:AssumeRole' }] };
    expect(policyDocumentsEqual(trust, otherAction)).toBe(false);
    const deny = { ...trust, Statement: [{ ...trust.Statement[0]!, Effect: 'Deny' }] };
    expect(policyDocumentsEqual(trust, deny)).toBe(false);
  });

  it('an extra statement is a difference', () => {
    const extra = { ...trust, Statement: [...trust.Statement, { Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    expect(policyDocumentsEqual(trust, extra)).toBe(false);
  });

  it('the wildcard principal "*" is kept apart from {"AWS": "*"}', () => {
    const star = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }] };
    const aws = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
    expect(policyDocumentsEqual(star, aws)).toBe(false);
    expect(policyDocumentsEqual(star, structuredClone(star))).toBe(true);
  });
});

describe('normalizePolicyDocument', () => {
  it('sorts keys and makes Statement and string sets lists', () => {
    expect(
      normalizePolicyDocument({ Statement: { Resource: 'r', Effect: 'Allow', Action: ['b', 'a'] }, Version: '2012-10-17' }),
    ).toEqual({ Statement: [{ Action: ['a', 'b'], Effect: 'Allow', Resource: ['r'] }], Version: '2012-10-17' });
    expect(JSON.stringify(normalizePolicyDocument({ Version: '2012-10-17', Statement: [] }))).toBe('{"Statement":[],"Version":"2012-10-17"}');
  });
});
