/**
 * The ALB Ingress annotations that are the operator's: those it derives from spec.ingress, and
 * those a workload may never set whatever the FargateCluster's allowedAnnotations says.
 */
import { DEFAULT_INGRESS_SCHEME } from './defaults.js';
import type { WorkloadIngressSpec } from './types.js';

const ALB = 'alb.ingress.kubernetes.io';

/**
 * Ingress annotations that are the operator's alone, each with what to do instead: those it derives
 * from spec.ingress, where the scheme and group guard rails are checked, and group.order, which
 * ranks the Ingress's rules on a shared ALB. allowedAnnotations cannot open them, or a pattern such
 * as alb.ingress.kubernetes.io/* would let a workload join another team's ALB ahead of its rules.
 */
export const RESERVED_INGRESS_ANNOTATIONS: ReadonlyMap<string, string> = new Map([
  [`${ALB}/target-type`, 'remove it: the operator always sets ip, the only target type Fargate supports'],
  [`${ALB}/scheme`, 'use spec.ingress.scheme instead'],
  [`${ALB}/listen-ports`, 'remove it: the ALB listens on HTTP 80, and on HTTPS 443 once spec.ingress.certificateArn is set'],
  [`${ALB}/ssl-redirect`, 'remove it: HTTP is redirected to HTTPS once spec.ingress.certificateArn is set'],
  [`${ALB}/certificate-arn`, 'use spec.ingress.certificateArn instead'],
  [`${ALB}/healthcheck-path`, 'use spec.ingress.healthCheckPath instead'],
  [`${ALB}/group.name`, 'use spec.ingress.groupName instead'],
  [`${ALB}/group.order`, "remove it: a workload does not rank its rules among the group's other Ingresses"],
]);

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

