/**
 * The operator's Kubernetes API clients, made in one place so that every request carries the
 * process's User-Agent (its requests can be told apart in the API server's audit log) and every
 * write of the controllers passes the write gate (src/controller/write-gate.ts) right before it
 * is sent. The Lease's own client is made without a gate.
 */
import {
  createConfiguration,
  KubernetesObjectApi,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { checkNewConnections, type WriteGate } from '../controller/write-gate.js';

/** Options of the clients {@link makeKubeApiClient} and {@link makeKubeObjectsClient} make. */
export interface KubeClientOptions {
  /** Sent as User-Agent with every request. */
  userAgent: string;
  /** Asked right before each write (POST, PUT, PATCH, DELETE) is sent; absent: writes are not gated. */
  writeGate?: WriteGate;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for the HTTP methods that change state at the API server. */
export function isKubeWriteMethod(method: string): boolean {
  return WRITE_METHODS.has(method.toUpperCase());
}

/** The client configuration: the kubeconfig's server and credentials, the User-Agent, the write gate. */
export function kubeClientConfiguration(kubeConfig: KubeConfig, options: KubeClientOptions): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const gate = options.writeGate;
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        // Middleware runs after authentication, right before the request is handed to fetch.
        pre: async (context: RequestContext): Promise<RequestContext> => {
          context.setHeaderParam('User-Agent', options.userAgent);
          const method = context.getHttpMethod().toString();
          if (gate && isKubeWriteMethod(method)) {
            const what = `${method} ${new URL(context.getUrl()).pathname}`;
            gate(what);
            // Asked again once the connection is up: client-node makes one agent per request
            // (KubeConfig's applySecurityAuthentication), so the hook concerns this request only.
            const agent = context.getAgent();
            if (agent) checkNewConnections(agent, () => () => gate(what));
          }
          return context;
        },
        post: async (context: ResponseContext): Promise<ResponseContext> => context,
      },
    ],
  });
}

/** A generated API client (CoreV1Api, CustomObjectsApi, CoordinationV1Api, ...) with the given options. */
export function makeKubeApiClient<T>(kubeConfig: KubeConfig, apiClientType: new (configuration: Configuration) => T, options: KubeClientOptions): T {
  return new apiClientType(kubeClientConfiguration(kubeConfig, options));
}

/** KubernetesObjectApi with the kubeconfig's default namespace, as its own makeApiClient sets it. */
class ObjectsClient extends KubernetesObjectApi {
  constructor(kubeConfig: KubeConfig, configuration: Configuration) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }
}

/** The generic object client (reads, server-side applies, deletes) with the given options. */
export function makeKubeObjectsClient(kubeConfig: KubeConfig, options: KubeClientOptions): KubernetesObjectApi {
  return new ObjectsClient(kubeConfig, kubeClientConfiguration(kubeConfig, options));
}
