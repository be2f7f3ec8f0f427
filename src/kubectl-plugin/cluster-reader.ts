/**
 * What the plugin reads from the Kubernetes API, and nothing else: FargateWorkloads,
 * FargateClusters and the workloads' children (ServiceAccounts, Deployments, pods, Ingresses,
 * pod events), in one namespace or all. Read-only: the clients' write gate (api-clients.ts) refuses
 * any write before it is sent. The AWS facts come from the workloads' status; AWS is never called.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api, type CoreV1Event, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, LABEL_WORKLOAD } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { refusingWriteGate } from '../controller/write-gate.js';
import { makeKubeApiClient, type KubeClientOptions } from '../kube/api-clients.js';
import { apiStatusCode, describeKubeError } from '../kube/api-error.js';
import { resolveKubeTarget, type KubeTarget } from '../kube/kube-config.js';

// Where a kubeconfig and context are resolved, and how that fails: shared with `diff`.
export { KubeTargetError, type KubeTarget } from '../kube/kube-config.js';
import type { DeploymentState, IngressState } from '../operator/workload/availability.js';
import type { ChildObjects } from './workload-tree.js';

/** Where to read: one namespace, or every namespace when undefined. */
export type NamespaceScope = string | undefined;

/** A read the plugin can do without (forbidden by RBAC): the items it got, or a warning instead. */
export interface OptionalRead<T> {
  items: T[] | undefined;
  warning?: string;
}

const WORKLOADS = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' };
const CLUSTERS = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };

/** A list's items; client-node answers custom resources as plain JSON. */
const itemsOf = <T>(list: unknown): T[] => ((list as { items?: T[] }).items ?? []);

/** Reads for the plugin's commands. */
export interface ClusterReader {
  /** The namespace of the kubeconfig's context, else "default" (kubectl's rule). */
  readonly defaultNamespace: string;
  /** One workload; rejects with the API server's error (NotFound) when it does not exist. */
  workload(namespace: string, name: string): Promise<FargateWorkload>;
  workloads(namespace: NamespaceScope): Promise<FargateWorkload[]>;
  clusters(): Promise<OptionalRead<FargateCluster>>;
  /** The children of the workloads in scope (of the one named, when `workloadName` is given). */
  children(namespace: NamespaceScope, workloadName?: string): Promise<{ objects: ChildObjects; warnings: string[] }>;
  podEvents(namespace: string): Promise<OptionalRead<CoreV1Event>>;
}

/** Turns a 403 into a warning; any other failure is the command's failure. */
async function optional<T>(what: string, read: () => Promise<T[]>): Promise<OptionalRead<T>> {
  try {
    return { items: await read() };
  } catch (error) {
    if (apiStatusCode(error) !== 403) throw error;
    return { items: undefined, warning: `cannot ${what}: ${describeKubeError(error)}` };
  }
}

/** The reader on the kubeconfig kubectl would use (`--kubeconfig`, KUBECONFIG, ~/.kube/config) and the context chosen. */
export function connectReader(target: KubeTarget): ClusterReader {
  const { kubeConfig, defaultNamespace } = resolveKubeTarget(target);
  // A few requests and done: no kept-alive connections to linger, as for `diff` (src/diff/live-readers.ts).
  const options: KubeClientOptions = { userAgent: 'kubectl-fargate', writeGate: refusingWriteGate(() => 'kubectl-fargate only reads'), keepAlive: false };
  const custom = makeKubeApiClient(kubeConfig, CustomObjectsApi, options);
  const core = makeKubeApiClient(kubeConfig, CoreV1Api, options);
  const apps = makeKubeApiClient(kubeConfig, AppsV1Api, options);
  const networking = makeKubeApiClient(kubeConfig, NetworkingV1Api, options);
  const where = (namespace: NamespaceScope): string => (namespace ? `in namespace ${namespace}` : 'in any namespace');

  return {
    defaultNamespace,
    async workload(namespace, name) {
      return (await custom.getNamespacedCustomObject({ ...WORKLOADS, namespace, name })) as FargateWorkload;
    },
    async workloads(namespace) {
      const list = namespace ? await custom.listNamespacedCustomObject({ ...WORKLOADS, namespace }) : await custom.listCustomObjectForAllNamespaces(WORKLOADS);
      return itemsOf<FargateWorkload>(list);
    },
    clusters() {
      return optional('list fargateclusters', async () => itemsOf<FargateCluster>(await custom.listClusterCustomObject(CLUSTERS)));
    },
    async children(namespace, workloadName) {
      // Every child and pod of a workload carries the workload label (plan/kube-object.ts).
      const labelSelector = workloadName ? `${LABEL_WORKLOAD}=${workloadName}` : LABEL_WORKLOAD;
      const [serviceAccounts, deployments, pods, ingresses] = await Promise.all([
        optional(`list serviceaccounts ${where(namespace)}`, async () =>
          (namespace ? await core.listNamespacedServiceAccount({ namespace, labelSelector }) : await core.listServiceAccountForAllNamespaces({ labelSelector })).items as KubernetesObject[],
        ),
        optional(`list deployments ${where(namespace)}`, async () =>
          (namespace ? await apps.listNamespacedDeployment({ namespace, labelSelector }) : await apps.listDeploymentForAllNamespaces({ labelSelector })).items as DeploymentState[],
        ),
        optional(`list pods ${where(namespace)}`, async () =>
          (namespace ? await core.listNamespacedPod({ namespace, labelSelector }) : await core.listPodForAllNamespaces({ labelSelector })).items as V1Pod[],
        ),
        optional(`list ingresses ${where(namespace)}`, async () =>
          (namespace ? await networking.listNamespacedIngress({ namespace, labelSelector }) : await networking.listIngressForAllNamespaces({ labelSelector })).items as IngressState[],
        ),
      ]);
      const warnings = [serviceAccounts, deployments, pods, ingresses].flatMap((read) => (read.warning ? [read.warning] : []));
      return {
        objects: { serviceAccounts: serviceAccounts.items ?? [], deployments: deployments.items ?? [], pods: pods.items ?? [], ingresses: ingresses.items ?? [] },
        warnings,
      };
    },
    podEvents(namespace) {
      return optional(`list events in namespace ${namespace}`, async () => (await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod' })).items);
    },
  };
}
