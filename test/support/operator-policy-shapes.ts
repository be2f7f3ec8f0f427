/**
 * FargateClusters of every shape that changes the operator's rendered IAM policy
 * (src/plan/operator-policy.ts), for the tests that judge those policies.
 */
import type { FargateCluster } from '../../src/api/types.js';

export const ACCOUNT = '123456789012';
export const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/app-boundary`;
export const OPERATOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-fargate-operator/eks-fargate-operator`;

/** A FargateCluster named `name` in us-east-1 with these iam settings, the operator making the execution role. */
export function clusterWith(name: string, spec: Partial<FargateCluster['spec']> = {}): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name },
    spec: { region: 'us-east-1', subnetIds: ['subnet-0a1b2c3d4e5f60718'], podExecutionRole: { create: true }, ...spec },
  };
}

/** Named shapes: each turns on or off something the policy depends on. */
export const POLICY_SHAPES: Record<string, FargateCluster[]> = {
  'boundary, inline and managed policies, OIDC provider created and deleted, logging': [
    clusterWith('demo', {
      iam: {
        rolePath: '/eksops/',
        permissionsBoundaryArn: BOUNDARY,
        allowedManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', `arn:aws:iam::${ACCOUNT}:policy/app-*`],
        allowInlinePolicies: true,
        createOIDCProvider: true,
        deleteOIDCProvider: true,
      },
      logging: { cloudWatch: { logGroupName: '/eks/demo/fargate' } },
    }),
  ],
  'no boundary, managed policies only, the platform brings the execution role': [
    clusterWith('plain', {
      podExecutionRole: { arn: `arn:aws:iam::${ACCOUNT}:role/platform/plain-execution` },
      iam: { rolePath: '/plain/', allowedManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] },
    }),
  ],
  'two clusters, one in China': [
    clusterWith('one', { iam: { rolePath: '/one/', permissionsBoundaryArn: BOUNDARY } }),
    clusterWith('two', { region: 'cn-north-1', iam: { rolePath: '/two/', inlinePolicyActions: ['sqs:SendMessage'], allowInlinePolicies: true } }),
  ],
};
