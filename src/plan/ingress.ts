/** The Ingress for the AWS Load Balancer Controller, which turns it into an ALB. */
import { DEFAULT_INGRESS_PATH } from '../api/defaults.js';
import { operatorIngressAnnotations, RESERVED_INGRESS_ANNOTATIONS } from '../api/ingress-annotations.js';
import type { FargateWorkload, WorkloadIngressSpec } from '../api/types.js';
import { childMeta, type IngressObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

/**
 * The user's annotations without those reserved to the operator. validate refuses them already;
 * dropping them here too means one the operator leaves out (group.name without a groupName, say)
 * never reaches the Ingress, whatever got past validation.
 */
function userIngressAnnotations(ingress: WorkloadIngressSpec): Record<string, string> {
  return Object.fromEntries(Object.entries(ingress.annotations ?? {}).filter(([key]) => !RESERVED_INGRESS_ANNOTATIONS.has(key)));
}

/** The Ingress of a workload (defaults applied): one rule to the workload's Service. */
export function planIngress(workload: FargateWorkload, ingress: WorkloadIngressSpec): IngressObject {
  const name = workloadName(workload);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: childMeta(workload, name, { ...userIngressAnnotations(ingress), ...operatorIngressAnnotations(ingress) }),
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          ...(ingress.host ? { host: ingress.host } : {}),
          http: {
            paths: [
              {
                path: ingress.path ?? DEFAULT_INGRESS_PATH,
                pathType: 'Prefix',
                backend: { service: { name, port: { number: ingress.port } } },
              },
            ],
          },
        },
      ],
    },
  };
}
