/** The ClusterIP Service in front of the pods, the ALB's backend when the workload has an ingress. */
import type { FargateWorkload, WorkloadIngressSpec } from '../api/types.js';
import { childMeta, podSelectorLabels, type ServiceObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/** The Service on the ingress port (port and targetPort alike). */
export function planService(workload: FargateWorkload, ingress: WorkloadIngressSpec): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(workload, workloadName(workload)),
    spec: {
      type: 'ClusterIP',
      selector: podSelectorLabels(workload),
      ports: [{ name: 'http', protocol: 'TCP', port: ingress.port, targetPort: ingress.port }],
    },
  };
}
