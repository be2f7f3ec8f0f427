/**
 * The operator's informers: FargateWorkloads (all namespaces), FargateClusters, and the children
 * it applies whose status it reads back (Deployments, ServiceAccounts, Ingresses: the load balancer
 * hostname), selected by the managed-by label.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Ingress,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { SupervisedInformer, type ObjectList } from '../kube/supervised-informer.js';
import type { Logger } from '../observability/logger.js';

/** Plural resource names of the two custom resources. */
export const WORKLOAD_PLURAL = 'fargateworkloads';
export const CLUSTER_PLURAL = 'fargateclusters';

/** Label selector of every child the operator applies. */
export const CHILD_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;

/** The informers of one operator process. */
export interface OperatorInformers {
  workloads: SupervisedInformer<FargateWorkload & KubernetesObject>;
  clusters: SupervisedInformer<FargateCluster & KubernetesObject>;
  deployments: SupervisedInformer<V1Deployment>;
  serviceAccounts: SupervisedInformer<V1ServiceAccount>;
  /** The AWS Load Balancer Controller writes the ALB hostname into an Ingress's status: it wakes the owner at once. */
  ingresses: SupervisedInformer<V1Ingress>;
  /** Every informer, for starting and stopping. */
  all: SupervisedInformer<KubernetesObject>[];
  /** Every informer with the resource it watches, for health checks that say which one failed. */
  named: [string, SupervisedInformer<KubernetesObject>][];
}

/** Creates (does not start) the informers. */
export function createOperatorInformers(kubeConfig: KubeConfig, logger: Logger): OperatorInformers {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const customList = <T>(plural: string) => async (): Promise<ObjectList<T>> =>
    (await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural })) as ObjectList<T>;
  const workloads = new SupervisedInformer<FargateWorkload & KubernetesObject>({
    kubeConfig,
    path: `/apis/${API_GROUP}/${API_VERSION}/${WORKLOAD_PLURAL}`,
    list: customList(WORKLOAD_PLURAL),
    logger,
  });
  const clusters = new SupervisedInformer<FargateCluster & KubernetesObject>({
    kubeConfig,
    path: `/apis/${API_GROUP}/${API_VERSION}/${CLUSTER_PLURAL}`,
    list: customList(CLUSTER_PLURAL),
    logger,
  });
  // Children: only the ones the operator applied (managed-by label), in every namespace.
  const childInformer = <T extends KubernetesObject>(path: string, list: (query: { labelSelector: string }) => Promise<ObjectList<T>>) =>
    new SupervisedInformer<T>({ kubeConfig, path, list: () => list({ labelSelector: CHILD_SELECTOR }), labelSelector: CHILD_SELECTOR, logger });
  const deployments = childInformer<V1Deployment>('/apis/apps/v1/deployments', (query) => apps.listDeploymentForAllNamespaces(query));
  const serviceAccounts = childInformer<V1ServiceAccount>('/api/v1/serviceaccounts', (query) => core.listServiceAccountForAllNamespaces(query));
  const ingresses = childInformer<V1Ingress>('/apis/networking.k8s.io/v1/ingresses', (query) => networking.listIngressForAllNamespaces(query));
  const named = [
    [WORKLOAD_PLURAL, workloads],
    [CLUSTER_PLURAL, clusters],
    ['deployments', deployments],
    ['serviceaccounts', serviceAccounts],
    ['ingresses', ingresses],
  ] as unknown as [string, SupervisedInformer<KubernetesObject>][];
  return { workloads, clusters, deployments, serviceAccounts, ingresses, all: named.map(([, informer]) => informer), named };
}
