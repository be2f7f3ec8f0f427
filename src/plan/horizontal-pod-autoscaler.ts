/** The HorizontalPodAutoscaler that tracks a CPU utilization target for the Deployment. */
import { DEFAULT_MIN_REPLICAS, DEFAULT_TARGET_CPU } from '../api/defaults.js';
import type { AutoscalingSpec, FargateWorkload } from '../api/types.js';
import { childMeta, type HorizontalPodAutoscalerObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/** The HPA of a workload (defaults applied), scaling its Deployment. */
export function planHorizontalPodAutoscaler(
  workload: FargateWorkload,
  autoscaling: AutoscalingSpec,
): HorizontalPodAutoscalerObject {
  const name = workloadName(workload);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(workload, name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: autoscaling.minReplicas ?? DEFAULT_MIN_REPLICAS,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage ?? DEFAULT_TARGET_CPU },
          },
        },
      ],
    },
  };
}
