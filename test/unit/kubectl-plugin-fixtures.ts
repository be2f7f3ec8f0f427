/**
 * Inputs of the kubectl plugin's unit tests: the workload and cluster statuses recorded from the
 * real operator for the Argo CD health checks (deploy/argocd/.../testdata), given a pod template
 * (the recordings keep only metadata and status), and children as the API server lists them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Event, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { LABEL_WORKLOAD } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload, FargateWorkloadSpec } from '../../src/api/types.js';
import type { DeploymentState, IngressState } from '../../src/operator/workload/availability.js';
import type { ChildObjects } from '../../src/kubectl-plugin/workload-tree.js';

const TESTDATA = 'deploy/argocd/resource_customizations/fargate.eksops.dev';

/** One container of 0.25 vCPU and 512 MiB: Fargate's 0.25 vCPU / 1 GB, $0.0146 per hour. */
export const SMALL_TEMPLATE: FargateWorkloadSpec['template'] = {
  spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
};

/** A recorded FargateWorkload (`recorded-ready`, `recorded-progressing`, ...) with `spec` added. */
export function recordedWorkload(name: string, spec: Partial<FargateWorkloadSpec> = {}): FargateWorkload {
  const recorded = parse(readFileSync(join(TESTDATA, 'FargateWorkload/testdata', `${name}.yaml`), 'utf8')) as FargateWorkload;
  return { ...recorded, spec: { template: SMALL_TEMPLATE, ...spec } };
}

/** A FargateCluster test fixture (`healthy`, `stalled`), renamed to `name`. */
export function clusterFixture(fixture: string, name = 'demo'): FargateCluster {
  const cluster = parse(readFileSync(join(TESTDATA, 'FargateCluster/testdata', `${fixture}.yaml`), 'utf8')) as FargateCluster;
  return { ...cluster, metadata: { ...cluster.metadata, name } };
}

const childMeta = (workload: FargateWorkload, name: string) => ({
  name,
  namespace: workload.metadata.namespace ?? '',
  labels: { [LABEL_WORKLOAD]: workload.metadata.name ?? '' },
});

/** A pod of the workload: Running and ready on `node`, or Pending on no node. */
export function podOf(workload: FargateWorkload, name: string, node?: string, uid = `uid-${name}`): V1Pod {
  return {
    metadata: { ...childMeta(workload, name), uid },
    spec: { containers: [], ...(node ? { nodeName: node } : {}) },
    status: node
      ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
      : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: 'waiting for a Fargate node' }] },
  };
}

/** The workload's ServiceAccount, Deployment (`ready` of `desired`), pods and, with a hostname, Ingress. */
export function childrenFor(workload: FargateWorkload, opts: { ready: number; desired: number; pods: V1Pod[]; hostname?: string }): ChildObjects {
  const name = workload.metadata.name ?? '';
  const serviceAccount: KubernetesObject = { metadata: childMeta(workload, workload.status?.serviceAccountName ?? name) };
  const deployment: DeploymentState = { metadata: childMeta(workload, name), spec: { replicas: opts.desired }, status: { replicas: opts.desired, readyReplicas: opts.ready } };
  const ingresses: IngressState[] =
    opts.hostname === undefined ? [] : [{ metadata: childMeta(workload, name), status: { loadBalancer: { ingress: [{ hostname: opts.hostname }] } } }];
  return { serviceAccounts: [serviceAccount], deployments: [deployment], pods: opts.pods, ingresses };
}

export const NO_CHILDREN: ChildObjects = { serviceAccounts: [], deployments: [], pods: [], ingresses: [] };

/** A Warning event about a pod. */
export function podWarning(pod: V1Pod, reason: string, message: string, at: string): CoreV1Event {
  return {
    metadata: { name: `${pod.metadata?.name ?? ''}.${at}`, namespace: pod.metadata?.namespace ?? '' },
    involvedObject: { kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    type: 'Warning',
    reason,
    message,
    lastTimestamp: new Date(at),
  };
}
