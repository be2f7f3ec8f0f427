/** The Ingress for the AWS Load Balancer Controller, which turns it into an ALB. */
import { DEFAULT_INGRESS_PATH, DEFAULT_INGRESS_SCHEME } from '../api/defaults.js';
import { RESERVED_INGRESS_ANNOTATIONS } from '../api/guard-rails.js';
import type { FargateWorkload, WorkloadIngressSpec } from '../api/types.js';
import { childMeta, type IngressObject } from './kube-object.js';
import { workloadName } from './workload-identity.js';

const ALB = 'alb.ingress.kubernetes.io';

/**
 * The annotations the operator sets. They go on top of the user's, so that the user cannot switch
 * off what Fargate requires (`target-type: ip`: Fargate has no nodes to route instance targets to).
 */
export function operatorIngressAnnotations(ingress: WorkloadIngressSpec): Record<string, string> {
  const tls = ingress.certificateArn;
  return {
    [`${ALB}/target-type`]: 'ip',
    [`${ALB}/scheme`]: ingress.scheme ?? DEFAULT_INGRESS_SCHEME,
    [`${ALB}/listen-ports`]: tls ? '[{"HTTP":80},{"HTTPS":443}]' : '[{"HTTP":80}]',
    ...(tls ? { [`${ALB}/ssl-redirect`]: '443', [`${ALB}/certificate-arn`]: tls } : {}),
    ...(ingress.healthCheckPath ? { [`${ALB}/healthcheck-path`]: ingress.healthCheckPath } : {}),
    ...(ingress.groupName ? { [`${ALB}/group.name`]: ingress.groupName } : {}),
  };
}

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
