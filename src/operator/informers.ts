/**
 * The operator's informers: FargateWorkloads (all namespaces), FargateClusters, and one informer
 * per kind of child the operator applies (child-informers.ts), selected by the managed-by label.
 */
import { CustomObjectsApi, type KubeConfig, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import type { Clock } from '../controller/clock.js';
import { SupervisedInformer, type ObjectList } from '../kube/supervised-informer.js';
import type { Logger } from '../observability/logger.js';
import { ChildInformers, informerTuning, type InformerTuning } from './child-informers.js';

export type { InformerTuning } from './child-informers.js';

/** Plural resource names of the two custom resources. */
export const WORKLOAD_PLURAL = 'fargateworkloads';
export const CLUSTER_PLURAL = 'fargateclusters';

/** Label selector of every child the operator applies. */
export const CHILD_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;

/** A health check of one informer: its name, and whether it is alive and ready. */
export interface InformerHealth {
  name: string;
  isHealthy(): boolean;
  isReady(): boolean;
}

/** The informers of one operator process. */
export interface OperatorInformers {
  workloads: SupervisedInformer<FargateWorkload & KubernetesObject>;
  clusters: SupervisedInformer<FargateCluster & KubernetesObject>;
  /** Every kind of child (the AWS Load Balancer Controller's hostname in an Ingress status wakes its owner at once). */
  children: ChildInformers;
  /** Starts every informer; `startRequired` retries a first list that fails. */
  start(startRequired: (informer: SupervisedInformer<KubernetesObject>) => Promise<void>): Promise<void>;
  stop(): void;
  /** Every informer by the resource it watches, for health checks that say which one failed. */
  health: InformerHealth[];
}

/** Creates (does not start) the informers. */
export function createOperatorInformers(kubeConfig: KubeConfig, objects: KubernetesObjectApi, logger: Logger, clock: Clock, tuning: InformerTuning = {}): OperatorInformers {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const customList = <T>(plural: string) => async (): Promise<ObjectList<T>> =>
    (await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural })) as ObjectList<T>;
  const workloads = new SupervisedInformer<FargateWorkload & KubernetesObject>({
    kubeConfig,
    path: `/apis/${API_GROUP}/${API_VERSION}/${WORKLOAD_PLURAL}`,
    list: customList(WORKLOAD_PLURAL),
    logger,
    clock,
    ...informerTuning(tuning, WORKLOAD_PLURAL),
  });
  const clusters = new SupervisedInformer<FargateCluster & KubernetesObject>({
    kubeConfig,
    path: `/apis/${API_GROUP}/${API_VERSION}/${CLUSTER_PLURAL}`,
    list: customList(CLUSTER_PLURAL),
    logger,
    clock,
    ...informerTuning(tuning, CLUSTER_PLURAL),
  });
  const children = new ChildInformers({ kubeConfig, objects, labelSelector: CHILD_SELECTOR, logger, clock, tuning });
  const own = [workloads, clusters] as unknown as SupervisedInformer<KubernetesObject>[];
  const health: InformerHealth[] = [
    { name: WORKLOAD_PLURAL, isHealthy: () => workloads.isHealthy(), isReady: () => workloads.hasSynced() },
    { name: CLUSTER_PLURAL, isHealthy: () => clusters.isHealthy(), isReady: () => clusters.hasSynced() },
    ...[...children.informers].map(([kind, informer]) => ({ name: kind, isHealthy: () => informer.isHealthy(), isReady: () => children.isReady(kind) })),
  ];
  return {
    workloads,
    clusters,
    children,
    async start(startRequired) {
      await Promise.all([...own.map(startRequired), children.start(startRequired)]);
    },
    stop() {
      own.forEach((informer) => informer.stop());
      children.stop();
    },
    health,
  };
}
