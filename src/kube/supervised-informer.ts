import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION } from '../api/constants.js';
import { exponentialDelayMs } from '../controller/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../controller/clock.js';
import type { Logger } from '../observability/logger.js';
import { apiStatusCode, describeKubeError } from './api-error.js';
import { keyOfObject } from './object-key.js';

/** A list result: the items and the resourceVersion to watch from. */
export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** Change seen by an informer. */
export type InformerEvent = 'add' | 'update' | 'delete';

/**
 * Why an informer listed again after its first list: its resourceVersion expired (410 Gone, e.g.
 * after an etcd compaction), its watch was silent past the stall threshold (the watchdog), the
 * server sent another error event, or it was restarted (`restart`, or `start` after `stop`).
 */
export type RelistReason = 'expired' | 'stalled' | 'error' | 'restarted';

/** Options of {@link SupervisedInformer}. */
export interface SupervisedInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Collection path to watch, e.g. /api/v1/namespaces/x/configmaps or /apis/g/v/plural. */
  path: string;
  /** Lists the collection (the same one as `path`). */
  list: () => Promise<ObjectList<T>>;
  labelSelector?: string;
  /** Server-side watch timeout; the server ends the watch after it and we watch again. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** A watch silent for longer than this is restarted; default twice the watch timeout. */
  stallThresholdMs?: number;
  logger: Logger;
  clock?: Clock;
  /**
   * Index values of an object (e.g. the uids of its owners): `byIndex(value)` then answers in
   * O(matches) instead of scanning the cache.
   */
  index?: (object: T) => readonly string[];
  /** Called after each successful list but the first, with why it was needed (metrics). */
  onRelist?: (reason: RelistReason) => void;
}

/**
 * A list+watch cache that keeps itself alive: it watches with bookmarks and a server timeout,
 * re-lists on 410 Gone, restarts after any error with exponential backoff (100 ms to 30 s), and a
 * watchdog restarts a watch that has been silent longer than the stall threshold. Handlers get
 * every add, update and delete (a re-list reports the differences).
 */
export class SupervisedInformer<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexed = new Map<string, Set<string>>();
  private readonly handlers: Array<(event: InformerEvent, object: T, previous?: T) => void> = [];
  private readonly clock: Clock;
  private readonly watchTimeoutSeconds: number;
  private readonly stallThresholdMs: number;
  private resourceVersion = '';
  private synced = false;
  private running = false;
  private failures = 0;
  private generation = 0;
  private request: AbortController | undefined;
  private retryTimer: TimerHandle | undefined;
  private watchdogTimer: TimerHandle | undefined;
  private lastActivityMs: number;
  /** Why the next list is needed, when it is not the first. */
  private relistReason: RelistReason = 'restarted';
  /** Completed lists, for tests and diagnostics. */
  listCount = 0;

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.clock = options.clock ?? systemClock;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.stallThresholdMs = options.stallThresholdMs ?? this.watchTimeoutSeconds * 2000;
    this.lastActivityMs = this.clock.now();
  }

  /** Registers a handler for adds, updates (with the object as it was) and deletes. */
  onEvent(handler: (event: InformerEvent, object: T, previous?: T) => void): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the first list is in the cache (or fails). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.armWatchdog();
    await this.cycle(this.generation, true);
  }

  /** Stops watching; the cache keeps its last content. */
  stop(): void {
    this.running = false;
    this.generation++;
    this.request?.abort();
    this.request = undefined;
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    if (this.watchdogTimer) this.clock.clearTimeout(this.watchdogTimer);
  }

  /** Drops the current watch and starts over with a fresh list (what the watchdog and 410 do). */
  restart(reason: string): void {
    this.restartFor('restarted', reason);
  }

  private restartFor(why: RelistReason, reason: string): void {
    if (!this.running) return;
    this.options.logger.info('restarting informer', { path: this.options.path, reason });
    this.relistReason = why;
    this.resourceVersion = '';
    this.generation++;
    this.request?.abort();
    this.request = undefined;
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    void this.cycle(this.generation, false);
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Not wedged: stopped, or heard from the server (event, bookmark, list) within twice the stall threshold. */
  isHealthy(): boolean {
    return !this.running || this.clock.now() - this.lastActivityMs < 2 * this.stallThresholdMs;
  }

  /** The cached object with this namespace/name key. */
  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.objects.values()];
  }

  /** The cached objects whose index values include `value` (empty without an index). */
  byIndex(value: string): T[] {
    return [...(this.indexed.get(value) ?? [])].flatMap((key) => {
      const object = this.objects.get(key);
      return object ? [object] : [];
    });
  }

  /** Every cached key. */
  keys(): string[] {
    return [...this.objects.keys()];
  }

  private async cycle(generation: number, throwOnListError: boolean): Promise<void> {
    try {
      if (!this.resourceVersion) await this.relist();
      if (generation !== this.generation) return;
      await this.watch(generation);
    } catch (error) {
      if (generation !== this.generation) return;
      if (throwOnListError && !this.synced) {
        this.running = false;
        if (this.watchdogTimer) this.clock.clearTimeout(this.watchdogTimer);
        throw error;
      }
      this.scheduleRetry(generation, error);
    }
  }

  private async relist(): Promise<void> {
    const result = await this.options.list();
    this.lastActivityMs = this.clock.now();
    this.listCount++;
    if (this.listCount > 1) this.options.onRelist?.(this.relistReason);
    this.relistReason = 'restarted';
    const seen = new Set<string>();
    for (const item of result.items) {
      const key = keyOfObject(item);
      seen.add(key);
      this.store(item);
    }
    for (const [key, object] of [...this.objects]) {
      if (!seen.has(key)) {
        this.remove(key);
        this.emit('delete', object);
      }
    }
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
    this.synced = true;
  }

  private watch(generation: number): Promise<void> {
    const query: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.watchTimeoutSeconds,
    };
    if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
    return new Watch(this.options.kubeConfig)
      .watch(this.options.path, query, (type: string, object: T) => this.onWatchEvent(generation, type, object), (error: unknown) => this.onWatchDone(generation, error))
      .then((request: AbortController) => {
        if (generation === this.generation) this.request = request;
        else request.abort();
      });
  }

  private onWatchEvent(generation: number, type: string, object: T): void {
    if (generation !== this.generation) return;
    this.lastActivityMs = this.clock.now();
    this.failures = 0;
    if (type === 'ERROR') {
      // 410 Gone (or any error status): the resourceVersion is too old; re-list when the watch ends.
      const code = (object as { code?: number }).code;
      this.options.logger.info('watch error event, will re-list', { path: this.options.path, code });
      this.resourceVersion = '';
      this.relistReason = code === 410 ? 'expired' : 'error';
      return;
    }
    const resourceVersion = object.metadata?.resourceVersion;
    if (type === 'ADDED' || type === 'MODIFIED') this.store(object);
    else if (type === 'DELETED') {
      const key = keyOfObject(object);
      if (this.remove(key)) this.emit('delete', object);
    }
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  private onWatchDone(generation: number, error: unknown): void {
    if (generation !== this.generation || !this.running) return;
    this.request = undefined;
    if (error && apiStatusCode(error) === 410) {
      this.resourceVersion = '';
      this.relistReason = 'expired';
    }
    if (error && apiStatusCode(error) !== 410) {
      this.scheduleRetry(generation, error);
      return;
    }
    // A clean end (server timeout): watch again from where we were. The watch worked, so earlier
    // failures no longer count: an informer that sees no events must not keep an outage's backoff.
    this.lastActivityMs = this.clock.now();
    this.failures = 0;
    void this.cycle(generation, false);
  }

  private scheduleRetry(generation: number, error: unknown): void {
    const delay = exponentialDelayMs(this.failures++, 100, 30_000);
    this.options.logger.warn('informer failed, retrying', {
      path: this.options.path,
      error: describeKubeError(error),
      retryInMs: delay,
    });
    this.retryTimer = this.clock.setTimeout(() => {
      if (generation === this.generation && this.running) void this.cycle(generation, false);
    }, delay);
  }

  private armWatchdog(): void {
    const interval = Math.max(10, Math.floor(this.stallThresholdMs / 4));
    this.watchdogTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      if (this.clock.now() - this.lastActivityMs > this.stallThresholdMs) {
        this.lastActivityMs = this.clock.now();
        this.restartFor('stalled', 'watch silent past the stall threshold');
      }
      this.armWatchdog();
    }, interval);
  }

  private store(object: T): void {
    slimForCache(object);
    const key = keyOfObject(object);
    const previous = this.objects.get(key);
    if (previous) this.unindex(key, previous);
    this.objects.set(key, object);
    for (const value of this.options.index?.(object) ?? []) {
      let keys = this.indexed.get(value);
      if (!keys) this.indexed.set(value, (keys = new Set()));
      keys.add(key);
    }
    if (!previous) this.emit('add', object);
    else if (previous.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.emit('update', object, previous);
  }

  /** Drops a key from the cache and the index; true when it was cached. */
  private remove(key: string): boolean {
    const object = this.objects.get(key);
    if (!object) return false;
    this.unindex(key, object);
    return this.objects.delete(key);
  }

  private unindex(key: string, object: T): void {
    for (const value of this.options.index?.(object) ?? []) {
      const keys = this.indexed.get(value);
      keys?.delete(key);
      if (keys?.size === 0) this.indexed.delete(value);
    }
  }

  private emit(event: InformerEvent, object: T, previous?: T): void {
    for (const handler of this.handlers) {
      try {
        handler(event, object, previous);
      } catch (error) {
        this.options.logger.error('informer handler failed', { error: describeKubeError(error) });
      }
    }
  }
}

/** kubectl's copy of what was last applied: a second copy of the whole object, which nothing here reads. */

/**
 * Drops from a cached object what no reconciler reads and what can be larger than the object's
 * own fields: managedFields (an entry per manager) and kubectl's last-applied copy. The cache is
 * never written back whole (writes are patches and server-side applies of planned objects), so
 * nothing is lost on the server (pure; changes `object` in place).
 */
export function slimForCache(object: KubernetesObject): void {
  const metadata = object.metadata;
  if (!metadata) return;
  delete metadata.managedFields;
  const annotations = metadata.annotations;
  if (annotations && LAST_APPLIED_ANNOTATION in annotations) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
}
