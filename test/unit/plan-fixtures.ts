/** Inputs of the planner tests: one cluster, one account, and workloads built from small overrides. */
import type { FargateCluster, FargateClusterSpec, FargateWorkload, FargateWorkloadSpec } from '../../src/api/types.js';
import type { ClusterFacts } from '../../src/plan/index.js';

export const ACCOUNT = '123456789012';
export const ISSUER_HOST_PATH = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const FACTS: ClusterFacts = { accountId: ACCOUNT, region: 'us-east-1', oidcIssuer: `https://${ISSUER_HOST_PATH}` };
export const CLUSTER_SUBNETS = ['subnet-0b2', 'subnet-0a1'];

/** The cluster "prod" with its two subnets and every other field defaulted, plus `spec`. */
export function makeCluster(spec: Partial<FargateClusterSpec> = {}, name = 'prod'): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name },
    spec: { region: 'us-east-1', subnetIds: [...CLUSTER_SUBNETS], ...spec },
  };
}

/** The workload shop/web with one nginx container, plus `spec`; `uid: undefined` plans it offline. */
export function makeWorkload(
  spec: Partial<FargateWorkloadSpec> = {},
  meta: { name?: string; namespace?: string; uid?: string } = {},
): FargateWorkload {
  const { name = 'web', namespace = 'shop' } = meta;
  const uid = 'uid' in meta ? meta.uid : '0b6c1e2a-7f3d-4c1e-9a57-3f2d1c0b9a88';
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace, ...(uid ? { uid } : {}) },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'public.ecr.aws/nginx/nginx:1.27',
              ports: [{ containerPort: 8080 }],
              resources: { requests: { cpu: '500m', memory: '1Gi' } },
            },
          ],
        },
      },
      ...spec,
    },
  };
}
