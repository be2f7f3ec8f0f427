/** The SecurityGroupPolicy that gives the workload's pods their own security groups. */
import type { FargateWorkload } from '../api/types.js';
import { childMeta, podSelectorLabels, type SecurityGroupPolicyObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/** The policy selecting the workload's pods, with the spec's security groups (deduplicated, in order). */
export function planSecurityGroupPolicy(workload: FargateWorkload, securityGroupIds: string[]): SecurityGroupPolicyObject {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: childMeta(workload, workloadName(workload)),
    spec: {
      podSelector: { matchLabels: podSelectorLabels(workload) },
      securityGroups: { groupIds: [...new Set(securityGroupIds)] },
    },
  };
}
