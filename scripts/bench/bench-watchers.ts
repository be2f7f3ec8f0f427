/**
 * The benchmark's views of the API server: a watch that restarts when it ends, the tracker of
 * when each FargateWorkload became Ready, and (operator-only mode) the stand-in for the
 * Deployment controller and the load balancer controller that marks each Deployment available
 * and each Ingress provisioned the moment the operator writes them.
 */
import { AppsV1Api, NetworkingV1Api, Watch, type KubeConfig, type V1Deployment, type V1Ingress } from '@kubernetes/client-node';
import { makeKubeApiClient } from '../../src/kube/api-clients.js';

/** The User-Agent of the benchmark's own requests to the API server. */
export const BENCH_USER_AGENT = 'eks-fargate-operator-bench';

/** Watches `path` until stopped, restarting (with every object as ADDED again) whenever the watch ends. */
export function keepWatching(kubeConfig: KubeConfig, path: string, onEvent: (phase: string, object: unknown) => void): { stop(): void } {
  let stopped = false;
  let current: AbortController | undefined;
  const start = (): void => {
    if (stopped) return;
    new Watch(kubeConfig)
      .watch(path, { allowWatchBookmarks: false }, onEvent, () => {
        if (!stopped) setTimeout(start, 200).unref();
      })
      .then((controller) => (stopped ? controller.abort() : (current = controller)))
      .catch(() => {
        if (!stopped) setTimeout(start, 500).unref();
      });
  };
  start();
  return {
    stop() {
      stopped = true;
      current?.abort();
    },
  };
}

type Conditioned = { metadata?: { name?: string; namespace?: string; generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } };

/** When each FargateWorkload was first seen Ready at its current generation. */
export class ReadyTracker {
  readonly readyAt = new Map<string, number>();
  private readonly watch: { stop(): void };

  constructor(kubeConfig: KubeConfig, path: string) {
    this.watch = keepWatching(kubeConfig, path, (phase, object) => {
      const workload = object as Conditioned;
      const key = `${workload.metadata?.namespace ?? ''}/${workload.metadata?.name ?? ''}`;
      if (phase === 'DELETED' || this.readyAt.has(key)) return;
      const ready = workload.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready && (workload.status?.observedGeneration ?? 0) >= (workload.metadata?.generation ?? 0)) this.readyAt.set(key, Date.now());
    });
  }

  stop(): void {
    this.watch.stop();
  }
}

/**
 * Operator-only mode: writes the status a Deployment controller (all replicas available) and a
 * load balancer controller (a hostname) would, so that every figure is the operator's own.
 */
export class AvailabilityMarker {
  private readonly watches: { stop(): void }[];
  marked = 0;

  constructor(kubeConfig: KubeConfig) {
    // Kept-alive connections (the Deployment controller it stands in for keeps one too).
    const apps = makeKubeApiClient(kubeConfig, AppsV1Api, { userAgent: BENCH_USER_AGENT });
    const networking = makeKubeApiClient(kubeConfig, NetworkingV1Api, { userAgent: BENCH_USER_AGENT });
    // A conflicting write is dropped: the newer object comes as the next event and is marked then.
    const ignore = (): undefined => undefined;
    this.watches = [
      keepWatching(kubeConfig, '/apis/apps/v1/deployments', (phase, object) => {
        const deployment = object as V1Deployment;
        if (phase === 'DELETED' || !deployment.metadata?.name || !deployment.metadata.namespace || deployment.metadata.deletionTimestamp) return;
        const replicas = deployment.spec?.replicas ?? 1;
        const generation = deployment.metadata.generation ?? 0;
        const status = deployment.status ?? {};
        if ((status.observedGeneration ?? 0) >= generation && (status.availableReplicas ?? 0) >= replicas && (status.updatedReplicas ?? 0) >= replicas) return;
        this.marked++;
        const body: V1Deployment = {
          ...deployment,
          status: {
            observedGeneration: generation,
            replicas,
            updatedReplicas: replicas,
            readyReplicas: replicas,
            availableReplicas: replicas,
            conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'marked available by the benchmark' }],
          },
        };
        apps.replaceNamespacedDeploymentStatus({ name: deployment.metadata.name, namespace: deployment.metadata.namespace, body }).catch(ignore);
      }),
      keepWatching(kubeConfig, '/apis/networking.k8s.io/v1/ingresses', (phase, object) => {
        const ingress = object as V1Ingress;
        if (phase === 'DELETED' || !ingress.metadata?.name || !ingress.metadata.namespace || ingress.metadata.deletionTimestamp) return;
        if ((ingress.status?.loadBalancer?.ingress ?? []).length > 0) return;
        this.marked++;
        const hostname = `${ingress.metadata.name}.${ingress.metadata.namespace}.bench.internal`;
        networking
          .replaceNamespacedIngressStatus({ name: ingress.metadata.name, namespace: ingress.metadata.namespace, body: { ...ingress, status: { loadBalancer: { ingress: [{ hostname }] } } } })
          .catch(ignore);
      }),
    ];
  }

  stop(): void {
    this.watches.forEach((watch) => watch.stop());
  }
}
