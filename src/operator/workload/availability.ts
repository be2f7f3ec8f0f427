/**
 * Reports read back from live children: whether the Deployment is available (WorkloadAvailable)
 * and whether the Ingress has its load balancer (IngressReady). Pure.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONDITION_AVAILABLE, CONDITION_INGRESS, partReady, partWaiting, type PartReport } from '../part-report.js';

/** The Deployment fields availability is read from. */
export interface DeploymentState extends KubernetesObject {
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number };
}

/** How often an unavailable Deployment or a pending load balancer is looked at again (their own events also wake the workload). */
export const AVAILABILITY_REQUEUE_MS = 30_000;

/** Availability and replica counts of the workload's Deployment. */
export interface Availability {
  report: PartReport;
  replicas: number;
  readyReplicas: number;
}

/**
 * Available when the Deployment controller has seen the current generation and at least the
 * desired number of replicas is available.
 */
export function deploymentAvailability(deployment: DeploymentState | undefined): Availability {
  if (!deployment) {
    return { report: partWaiting(CONDITION_AVAILABLE, 'DeploymentMissing', 'the Deployment does not exist yet'), replicas: 0, readyReplicas: 0 };
  }
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const available = status.availableReplicas ?? 0;
  const counts = { replicas: status.replicas ?? 0, readyReplicas: status.readyReplicas ?? 0 };
  const generation = deployment.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) {
    return {
      report: partWaiting(CONDITION_AVAILABLE, 'Progressing', `the Deployment's generation ${generation} is not observed yet (${available}/${desired} replicas available)`, AVAILABILITY_REQUEUE_MS),
      ...counts,
    };
  }
  if (available < desired) {
    return { report: partWaiting(CONDITION_AVAILABLE, 'Progressing', `${available}/${desired} replicas available`, AVAILABILITY_REQUEUE_MS), ...counts };
  }
  return { report: partReady(CONDITION_AVAILABLE, 'Available', `${available}/${desired} replicas available`), ...counts };
}

/** The Ingress fields its readiness is read from. */
export interface IngressState extends KubernetesObject {
  status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}

/** IngressReady and the load balancer's hostname; NotRequested when the workload has no ingress. */
export function ingressReadiness(requested: boolean, ingress: IngressState | undefined): { report: PartReport; hostname?: string } {
  if (!requested) return { report: partReady(CONDITION_INGRESS, 'NotRequested', 'the workload has no ingress') };
  const hostname = ingress?.status?.loadBalancer?.ingress?.[0]?.hostname;
  if (!hostname) {
    return {
      report: partWaiting(CONDITION_INGRESS, 'WaitingForLoadBalancer', 'the AWS Load Balancer Controller has not reported a load balancer for the Ingress yet', AVAILABILITY_REQUEUE_MS),
    };
  }
  return { report: partReady(CONDITION_INGRESS, 'LoadBalancerReady', hostname), hostname };
}
