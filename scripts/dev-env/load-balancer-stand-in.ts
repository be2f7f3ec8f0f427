/**
 * The AWS Load Balancer Controller's part, played: it cannot run here
 * (docs/aws-load-balancer-controller.md says why), so an Ingress the operator made gets a made-up
 * load balancer hostname in its status, as the controller would write once the ALB exists.
 */
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../src/api/constants.js';
import { kubectl, type KubectlTarget } from './kubectl.js';

interface IngressLike {
  metadata: { name: string; namespace: string };
  status?: { loadBalancer?: { ingress?: { hostname?: string }[] } };
}

/** An Ingress given a load balancer. */
export interface AssignedLoadBalancer {
  namespace: string;
  name: string;
  hostname: string;
}

/** Gives every operator-made Ingress without an address the hostname `k8s-<namespace>-<name>.demo.elb.local`; returns those it gave one. */
export async function assignLoadBalancers(target: KubectlTarget): Promise<AssignedLoadBalancer[]> {
  const listed = await kubectl(target, ['get', 'ingresses.networking.k8s.io', '-A', '-l', `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`, '-o', 'json']);
  const assigned: AssignedLoadBalancer[] = [];
  for (const ingress of (JSON.parse(listed.stdout) as { items: IngressLike[] }).items) {
    if (ingress.status?.loadBalancer?.ingress?.[0]?.hostname) continue;
    const { name, namespace } = ingress.metadata;
    const hostname = `k8s-${namespace}-${name}.demo.elb.local`;
    await kubectl(target, ['patch', 'ingress', name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ hostname }] } } })]);
    assigned.push({ namespace, name, hostname });
  }
  return assigned;
}
