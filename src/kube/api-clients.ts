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
import { checkEachRequest, type WriteGate } from '../controller/write-gate.js';
import { KubeAgentPool } from './agent-pool.js';

/** Options of the clients {@link makeKubeApiClient} and {@link makeKubeObjectsClient} make. */
export interface KubeClientOptions {
  /** Sent as User-Agent with every request. */
  userAgent: string;
  /** Asked right before each write (POST, PUT, PATCH, DELETE) is sent; absent: writes are not gated. */
  writeGate?: WriteGate;
  /** Told of every request as it is sent (metrics: eksfo_kube_requests_total). */
  onRequest?: (request: KubeRequest) => void;
  /** Reuse kept-alive connections (agent-pool.ts); default true. */
  keepAlive?: boolean;
}

/** One request to the API server, as metrics count it. */
export interface KubeRequest {
  /** The Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  /** The plural resource, with `/subresource` when there is one (`fargateworkloads/status`). */
  resource: string;
}

/**
 * The verb and resource of a request from its method and URL (pure): the path is
 * `/api/v1/...` or `/apis/GROUP/VERSION/...`, optionally `namespaces/NS/`, then the resource,
 * the name and a subresource. A GET without a name is a list, or a watch with `watch=true`.
 */
export function kubeRequestOf(method: string, url: string): KubeRequest {
  const parsed = new URL(url, 'http://localhost');
  const segments = parsed.pathname.split('/').filter(Boolean);
  const rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : segments;
  // `namespaces/NS/<resource>` is namespaced; `namespaces[/NS]` alone is the namespaces resource.
  const scoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource = '', name, subresource] = scoped;
  const named = name !== undefined;
  const upper = method.toUpperCase();
  const watch = parsed.searchParams.get('watch');
  const verb =
    upper === 'GET' ? (named ? 'get' : watch === 'true' || watch === '1' ? 'watch' : 'list') :
    upper === 'POST' ? 'create' :
    upper === 'PUT' ? 'update' :
    upper === 'PATCH' ? 'patch' :
    upper === 'DELETE' ? (named ? 'delete' : 'deletecollection') :
    upper.toLowerCase();
  return { verb, resource: subresource ? `${resource}/${subresource}` : resource };
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
  const pool = options.keepAlive === false ? undefined : new KubeAgentPool(gate);
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        // Middleware runs after authentication, right before the request is handed to fetch.
        pre: async (context: RequestContext): Promise<RequestContext> => {
          context.setHeaderParam('User-Agent', options.userAgent);
          const method = context.getHttpMethod().toString();
          options.onRequest?.(kubeRequestOf(method, context.getUrl()));
          const write = isKubeWriteMethod(method);
          const what = `${method} ${new URL(context.getUrl()).pathname}`;
          if (gate && write) gate(what);
          const made = context.getAgent();
          const pooled = pool?.agentFor(made, write);
          if (pooled) context.setAgent(pooled);
          // A proxy agent is used as client-node made it, one per request: the hook concerns this request only.
          else if (gate && write && made) checkEachRequest(made, () => () => gate(what));
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
