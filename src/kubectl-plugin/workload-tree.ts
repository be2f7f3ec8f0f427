/**
 * The `status` tree of a FargateWorkload (pure), from objects already read: the workload's health
 * and cost, then what it became, in the order it is made (README, "What a FargateWorkload
 * becomes"): the Fargate profile and its EKS state, the IAM role, the ServiceAccount, the
 * Deployment, its pods and their nodes, the Ingress and its hostname. The AWS facts come from the
 * workload's status, which the operator keeps; nothing here asks AWS.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { LABEL_WORKLOAD } from '../api/constants.js';
import type { FargateWorkload } from '../api/types.js';
import { clusterNameOfWorkload } from '../operator/cluster/workload-cluster.js';
import type { DeploymentState, IngressState } from '../operator/workload/availability.js';
import { workloadCost, type WorkloadCost } from './cost-summary.js';
import { healthOf, type Health } from './workload-health.js';

/** The workload's children as listed from the API server (any workload's; childrenOf picks). */
export interface ChildObjects {
  serviceAccounts: KubernetesObject[];
  deployments: DeploymentState[];
  pods: V1Pod[];
  ingresses: IngressState[];
}

/** One workload's children, found by name and the workload label. */
export interface WorkloadChildren {
  serviceAccount?: KubernetesObject;
  deployment?: DeploymentState;
  pods: V1Pod[];
  ingress?: IngressState;
}

export interface PodNode {
  name: string;
  /** The pod's phase, or Terminating once it is being deleted (as kubectl shows it). */
  phase: string;
  ready: boolean;
  /** The node it runs on (a Fargate node is one per pod); null while unscheduled. */
  node: string | null;
}

/** One workload's tree: the `status -o json` item shape. */
export interface WorkloadTree {
  namespace: string;
  name: string;
  /** The FargateCluster it runs on (status, else spec, else the only one); null when none can be told. */
  cluster: string | null;
  health: Health;
  /** Being deleted (the operator's finalizer cleans up first). */
  terminating: boolean;
  cost: WorkloadCost;
  /** null until the operator has chosen one. */
  fargateProfile: { name: string; state: string } | null;
  /** null until the role is ready (or when the workload brings its own, once confirmed). */
  iamRole: { arn: string } | null;
  serviceAccount: { name: string; exists: boolean };
  deployment: { name: string; exists: boolean; readyReplicas: number; desiredReplicas: number | null };
  pods: PodNode[];
  /** null when the workload asks for no ingress. */
  ingress: { name: string; exists: boolean; hostname: string | null } | null;
}

const sameWorkload = (workload: FargateWorkload) => (object: KubernetesObject): boolean =>
  object.metadata?.namespace === workload.metadata.namespace && object.metadata?.labels?.[LABEL_WORKLOAD] === workload.metadata.name;

/** The ServiceAccount name the workload's pods use (irsa-role.ts plans it so). */
export function serviceAccountNameOf(workload: FargateWorkload): string {
  return workload.status?.serviceAccountName || workload.spec.iam?.serviceAccountName || (workload.metadata.name ?? '');
}

/** The workload's children among the listed objects. */
export function childrenOf(workload: FargateWorkload, objects: ChildObjects): WorkloadChildren {
  const ours = sameWorkload(workload);
  const name = workload.metadata.name;
  const serviceAccount = serviceAccountNameOf(workload);
  return {
    serviceAccount: objects.serviceAccounts.find((object) => ours(object) && object.metadata?.name === serviceAccount),
    deployment: objects.deployments.find((object) => ours(object) && object.metadata?.name === name),
    pods: objects.pods.filter(ours).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')),
    ingress: objects.ingresses.find((object) => ours(object) && object.metadata?.name === name),
  };
}

/** True when the pod's Ready condition is True. */
export function podIsReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

/** The pod's phase as kubectl shows it: Terminating once deleted. */
export function podPhase(pod: V1Pod): string {
  return pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown');
}

function podNode(pod: V1Pod): PodNode {
  return { name: pod.metadata?.name ?? '', phase: podPhase(pod), ready: podIsReady(pod), node: pod.spec?.nodeName ?? null };
}

/** The tree of one workload; `clusterNames` are the FargateClusters that exist (clusterNameOfWorkload). */
export function workloadTree(workload: FargateWorkload, children: WorkloadChildren, clusterNames: readonly string[] = []): WorkloadTree {
  const status = workload.status ?? {};
  const name = workload.metadata.name ?? '';
  const deployment = children.deployment;
  const hostname = children.ingress?.status?.loadBalancer?.ingress?.[0]?.hostname ?? status.loadBalancer?.hostname ?? null;
  return {
    namespace: workload.metadata.namespace ?? '',
    name,
    cluster: clusterNameOfWorkload(workload, clusterNames) ?? null,
    health: healthOf(workload),
    terminating: Boolean(workload.metadata.deletionTimestamp),
    cost: workloadCost(workload),
    fargateProfile: status.fargateProfile ? { name: status.fargateProfile.name, state: status.fargateProfile.status } : null,
    iamRole: status.iamRoleArn ? { arn: status.iamRoleArn } : null,
    serviceAccount: { name: serviceAccountNameOf(workload), exists: Boolean(children.serviceAccount) },
    deployment: {
      name,
      exists: Boolean(deployment),
      readyReplicas: deployment?.status?.readyReplicas ?? 0,
      desiredReplicas: deployment ? (deployment.spec?.replicas ?? 1) : null,
    },
    pods: children.pods.map(podNode),
    ingress: workload.spec.ingress || children.ingress ? { name, exists: Boolean(children.ingress), hostname } : null,
  };
}
