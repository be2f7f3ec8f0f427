/**
 * One informer per kind of workload child, made from the registry (CHILD_KINDS in
 * workload/child-state.ts): label-selected on the managed-by label, over all namespaces, indexed
 * by the uid of each child's controller. Reconciles read children from these caches, so a
 * reconcile sends the API server no LIST; events on a child wake its workload, so a child deleted
 * or edited by hand is restored within moments. A kind whose CRD is not installed
 * (SecurityGroupPolicy) is reported as unserved and looked for again every
 * {@link UNSERVED_KIND_RECHECK_MS}; the moment it is served, its informer starts.
 */
import type { KubeConfig, KubernetesListObject, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { FargateWorkload } from '../api/types.js';
import { exponentialDelayMs } from '../controller/backoff.js';
import type { Clock, TimerHandle } from '../controller/clock.js';
import { describeKubeError } from '../kube/api-error.js';
import { SupervisedInformer, type InformerEvent, type RelistReason } from '../kube/supervised-informer.js';
import type { Logger } from '../observability/logger.js';
import { CHILD_KINDS, collectionPath, controllerUid, isKindNotServed, type ChildKind } from './workload/child-state.js';
import type { ChildCache, LiveChild, ObservedChildren } from './workload/children-part.js';

/** How often a kind the API server does not serve (its CRD missing) is looked for again. */
export const UNSERVED_KIND_RECHECK_MS = 15_000;

/** How every informer of the operator watches; the defaults are SupervisedInformer's. */
export interface InformerTuning {
  /** Server-side watch timeout (default 300 s): the server ends each watch after it, and it is watched again. */
  watchTimeoutSeconds?: number;
  /** A watch silent longer than this is restarted (default twice the watch timeout). */
  stallThresholdMs?: number;
  /** Each list of an informer after its first, by plural resource name (metrics). */
  onRelist?: (resource: string, reason: RelistReason) => void;
}

/** The options of one informer of `resource` that come from the tuning. */
export function informerTuning(tuning: InformerTuning, resource: string): { watchTimeoutSeconds?: number; stallThresholdMs?: number; onRelist?: (reason: RelistReason) => void } {
  const { onRelist, ...timing } = tuning;
  return { ...timing, ...(onRelist ? { onRelist: (reason: RelistReason) => onRelist(resource, reason) } : {}) };
}

/** Options of {@link ChildInformers}. */
export interface ChildInformersOptions {
  kubeConfig: KubeConfig;
  objects: KubernetesObjectApi;
  /** Label selector of every child the operator applies. */
  labelSelector: string;
  logger: Logger;
  clock: Clock;
  /** Watch timing and the relist callback of every child informer. */
  tuning?: InformerTuning;
}

/** The informers of every child kind, and the cache reads the reconciler gets from them. */
export class ChildInformers implements ChildCache {
  /** By kind. */
  readonly informers = new Map<string, SupervisedInformer<KubernetesObject>>();
  private readonly unserved = new Set<string>();
  private readonly handlers: Array<(event: InformerEvent, child: KubernetesObject, previous?: KubernetesObject) => void> = [];
  private readonly servedHandlers: Array<(kind: string) => void> = [];
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly options: ChildInformersOptions) {
    for (const child of CHILD_KINDS) {
      const informer = new SupervisedInformer<KubernetesObject>({
        kubeConfig: options.kubeConfig,
        path: collectionPath(child),
        list: async () => {
          const list: KubernetesListObject<KubernetesObject> = await options.objects.list(child.apiVersion, child.kind, undefined, undefined, undefined, undefined, undefined, options.labelSelector);
          return list;
        },
        labelSelector: options.labelSelector,
        logger: options.logger,
        clock: options.clock,
        ...informerTuning(options.tuning ?? {}, child.resource),
        index: (object) => {
          const uid = controllerUid(object);
          return uid ? [uid] : [];
        },
      });
      informer.onEvent((event, object, previous) => this.handlers.forEach((handler) => handler(event, { ...object, kind: child.kind }, previous)));
      this.informers.set(child.kind, informer);
    }
  }

  /** Every add, update (with the child as it was) and delete of a child of any kind; `kind` is always set. */
  onEvent(handler: (event: InformerEvent, child: KubernetesObject, previous?: KubernetesObject) => void): void {
    this.handlers.push(handler);
  }

  /** Called when a kind that was not served is served and cached. */
  onServed(handler: (kind: string) => void): void {
    this.servedHandlers.push(handler);
  }

  /**
   * Starts every informer: required kinds through `startRequired` (which retries the first list),
   * optional ones once, and again later while their kind is not served.
   */
  async start(startRequired: (informer: SupervisedInformer<KubernetesObject>) => Promise<void>): Promise<void> {
    await Promise.all(
      CHILD_KINDS.map((child) => {
        const informer = this.informers.get(child.kind)!;
        return child.whenNotServed ? this.startOptional(child, informer) : startRequired(informer);
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    for (const informer of this.informers.values()) informer.stop();
  }

  /** Synced, or known not to be served: what readiness waits for. */
  isReady(kind: string): boolean {
    return this.unserved.has(kind) || (this.informers.get(kind)?.hasSynced() ?? false);
  }

  /** The workload's children, from the caches (no API call). */
  observe(workload: FargateWorkload): ObservedChildren {
    const uid = workload.metadata.uid;
    const children: LiveChild[] = [];
    for (const child of CHILD_KINDS) {
      if (!uid) break;
      for (const object of this.informers.get(child.kind)?.byIndex(uid) ?? []) {
        if (object.metadata?.namespace === workload.metadata.namespace) children.push({ ...object, apiVersion: child.apiVersion, kind: child.kind });
      }
    }
    return { children, unservedKinds: new Set(this.unserved) };
  }

  listKind(kind: string): KubernetesObject[] {
    return this.informers.get(kind)?.list() ?? [];
  }

  private async startOptional(child: ChildKind, informer: SupervisedInformer<KubernetesObject>, attempt = 0): Promise<void> {
    try {
      await informer.start();
      if (this.unserved.delete(child.kind)) {
        this.options.logger.info('kind is served now; its informer started', { kind: child.kind });
        this.servedHandlers.forEach((handler) => handler(child.kind));
      }
    } catch (error) {
      if (this.stopped) return;
      const notServed = isKindNotServed(error);
      // Not served: look again in a while. Anything else (a CRD just installed answers 429 while
      // its storage initializes) is retried soon, with backoff.
      const delayMs = notServed ? UNSERVED_KIND_RECHECK_MS : exponentialDelayMs(attempt, 200, 5_000);
      if (notServed) {
        if (!this.unserved.has(child.kind)) this.options.logger.info('kind not served (CRD not installed); looking again later', { kind: child.kind, recheckMs: delayMs });
        this.unserved.add(child.kind);
      } else {
        this.options.logger.warn('informer start failed; trying again', { kind: child.kind, error: describeKubeError(error), retryInMs: delayMs });
      }
      const timer = this.options.clock.setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped) void this.startOptional(child, informer, notServed ? 0 : attempt + 1);
      }, delayMs);
      this.timers.add(timer);
    }
  }
}
