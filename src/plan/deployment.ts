/** The workload's Deployment: the spec's pod template, placed on its Fargate profile. */
import { DEFAULT_REPLICAS } from '../api/defaults.js';
import { ROLE_HASH_ANNOTATION } from '../api/constants.js';
import type { FargateWorkload } from '../api/types.js';
import type { FargateProfilePlan } from './fargate-profile.js';
import { sha256Hex } from './hash.js';
import type { IrsaRolePlan } from './irsa-role.js';
import { childMeta, commonLabels, podSelectorLabels, type DeploymentObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/** The value of the role hash annotation: the first 16 hex digits of sha256(role ARN). */
export function roleArnHash(roleArn: string): string {
  return sha256Hex(roleArn).slice(0, 16);
}

/**
 * The Deployment of a workload (defaults applied). The pod labels are the spec's, then the common
 * labels, then the profile's, each on top of the one before, so that no spec label can break the
 * selector or the profile match.
 */
export function planDeployment(
  workload: FargateWorkload,
  profile: FargateProfilePlan,
  role: IrsaRolePlan,
): DeploymentObject {
  const template = workload.spec.template;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(workload, workloadName(workload)),
    spec: {
      // With autoscaling the HPA owns the count: writing it here would fight the HPA on every apply.
      ...(workload.spec.autoscaling ? {} : { replicas: workload.spec.replicas ?? DEFAULT_REPLICAS }),
      selector: { matchLabels: podSelectorLabels(workload) },
      // A profile move replaces every pod: never below the wanted capacity while it happens.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels: { ...template.metadata?.labels, ...commonLabels(workload), ...profile.podLabels },
          // The IRSA webhook only mutates new pods: a role change must roll them.
          annotations: { ...template.metadata?.annotations, [ROLE_HASH_ANNOTATION]: roleArnHash(role.arn) },
        },
        spec: { ...template.spec, serviceAccountName: role.serviceAccountName },
      },
    },
  };
}
