/**
 * An in-memory Kubernetes API behind the operator's Kubernetes ports: the generic object API it
 * applies, patches and deletes children with, the child cache it reads them from, the workload
 * and cluster caches, status and finalizer writes, and events. It models what the reconcilers
 * depend on: server-side apply keeps uid and bumps resourceVersion only on a change, a 404 for a
 * missing object, a 422 for a child a `refuse` rule rejects (as the API server rejects a pod
 * template with two containers of one name). Every write is logged as `verb Kind name`.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { FINALIZER } from '../../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../../src/api/types.js';
import type { ProfileLane } from '../../../src/aws/profile-lane.js';
import type { Clock } from '../../../src/controller/clock.js';
import type { EventRecorder } from '../../../src/kube/event-recorder.js';
import { keyOfObject } from '../../../src/kube/object-key.js';
import { statusEquivalent } from '../../../src/kube/status-equality.js';
import { decideStatusWrite } from '../../../src/kube/status-writer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { Confirmations } from '../../../src/operator/confirmations.js';
import type { AwsServices, ObjectCache, OperatorContext } from '../../../src/operator/operator-context.js';
import { CHILD_KINDS, controllerUid } from '../../../src/operator/workload/child-state.js';
import type { ChildCache, LiveChild, ObservedChildren } from '../../../src/operator/workload/children-part.js';

/** A Kubernetes API error as client-node throws it. */
export function apiError(code: number, reason: string, message: string, fields: string[] = []): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', reason, message, code, details: { causes: fields.map((field) => ({ field })) } }),
  });
}

/** A recorded event. */
export interface FakeEvent {
  type: string;
  reason: string;
  message: string;
}

type Stored = KubernetesObject & { kind: string; apiVersion: string; [field: string]: unknown };

const clone = <T>(value: T): T => structuredClone(value);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON merge patch (RFC 7386): maps merge, everything else (lists included) replaces, null deletes. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The API, the caches and the write log. */
export class FakeKubernetes implements ChildCache {
  readonly objects = new Map<string, Stored>();
  readonly workloads = new Map<string, FargateWorkload>();
  readonly clusters = new Map<string, FargateCluster>();
  readonly events: FakeEvent[] = [];
  /** The metrics the context hands the reconcilers. */
  readonly metrics = createMetrics();
  /** Every write, `verb Kind name`, in order. */
  readonly writes: string[] = [];
  /** Kinds the cluster does not serve (their CRD is missing), as the child cache reports them. */
  readonly unservedKinds = new Set<string>();
  /** Kinds whose CRD was removed since the cache last looked: the cache does not know, a write gets 404. */
  readonly removedKinds = new Set<string>();
  /** Rejects a child as the API server would (422), with a message and field paths. */
  refuse: (object: Stored) => { message: string; fields: string[] } | undefined = () => undefined;
  /** Runs as a create, patch or delete arrives, before it is served: someone else's write that comes first. */
  beforeWrite: (verb: 'create' | 'patch' | 'delete', object: KubernetesObject) => void = () => undefined;
  private resourceVersion = 1;
  private uid = 1;

  /** The generic object API, as much of it as the operator uses. */
  readonly api = {
    create: async (object: KubernetesObject): Promise<KubernetesObject> => {
      this.beforeWrite('create', object);
      if (this.removedKinds.has(object.kind ?? '')) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
      const key = this.key(object);
      if (this.objects.has(key)) throw apiError(409, 'AlreadyExists', `${object.kind} "${object.metadata?.name}" already exists`);
      const next = this.applied(undefined, object as Stored);
      const refusal = this.refuse(next);
      if (refusal) throw apiError(422, 'Invalid', `${object.kind} "${object.metadata?.name}" is invalid: ${refusal.message}`, refusal.fields);
      return this.store(key, next, undefined, 'create');
    },
    patch: async (object: KubernetesObject, _pretty?: string, _dryRun?: string, _manager?: string, _force?: boolean, strategy?: string): Promise<KubernetesObject> => {
      this.beforeWrite('patch', object);
      if (this.removedKinds.has(object.kind ?? '')) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
      const key = this.key(object);
      const existing = this.objects.get(key);
      // A uid in the request is a precondition, as the API server makes it.
      const uid = object.metadata?.uid;
      if (uid && !existing) throw apiError(409, 'Conflict', `Operation cannot be fulfilled on ${object.kind} "${object.metadata?.name}": uid mismatch: the provided object specified uid ${uid}, and no existing object was found`);
      if (uid && existing?.metadata?.uid !== uid) throw apiError(422, 'Invalid', `${object.kind} "${object.metadata?.name}" is invalid: metadata.uid: Invalid value: "${uid}": field is immutable`, ['metadata.uid']);
      const isMerge = typeof strategy === 'string' && strategy.includes('merge-patch');
      if (isMerge && !existing) throw apiError(404, 'NotFound', `${object.kind} "${object.metadata?.name}" not found`);
      const next = (isMerge ? mergePatch(existing, object) : this.applied(existing, object as Stored)) as Stored;
      if (!isMerge) {
        const refusal = this.refuse(next);
        if (refusal) throw apiError(422, 'Invalid', `${object.kind} "${object.metadata?.name}" is invalid: ${refusal.message}`, refusal.fields);
      }
      return this.store(key, next, existing, isMerge ? 'merge-patch' : 'apply');
    },
    delete: async (object: KubernetesObject, ...rest: unknown[]): Promise<void> => {
      this.beforeWrite('delete', object);
      const key = this.key(object);
      // The DeleteOptions body (the seventh argument): a uid precondition, as the API server checks it.
      const uid = (rest[5] as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
      const stored = this.objects.get(key);
      if (uid && stored && stored.metadata?.uid !== uid) throw apiError(409, 'Conflict', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.metadata?.uid}`);
      if (!this.objects.delete(key)) throw apiError(404, 'NotFound', `${object.kind} "${object.metadata?.name}" not found`);
      this.writes.push(`delete ${object.kind} ${object.metadata?.name}`);
    },
    list: async (apiVersion: string, kind: string): Promise<{ items: KubernetesObject[] }> => ({
      items: [...this.objects.values()].filter((object) => object.apiVersion === apiVersion && object.kind === kind).map(clone),
    }),
    read: async (object: KubernetesObject): Promise<KubernetesObject> => {
      const found = this.objects.get(this.key(object));
      if (!found) throw apiError(404, 'NotFound', `${object.kind} "${object.metadata?.name}" not found`);
      return clone(found);
    },
  };

  /** A stored object by kind, namespace and name. */
  get(kind: string, namespace: string, name: string): Stored | undefined {
    return [...this.objects.values()].find((object) => object.kind === kind && (object.metadata?.namespace ?? '') === namespace && object.metadata?.name === name);
  }

  observe(workload: FargateWorkload): ObservedChildren {
    const children: LiveChild[] = [];
    for (const child of CHILD_KINDS) {
      for (const object of this.objects.values()) {
        if (object.kind === child.kind && controllerUid(object) === workload.metadata.uid && object.metadata?.namespace === workload.metadata.namespace) children.push(clone(object));
      }
    }
    return { children, unservedKinds: new Set(this.unservedKinds) };
  }

  listKind(kind: string): KubernetesObject[] {
    return [...this.objects.values()].filter((object) => object.kind === kind).map(clone);
  }

  /** Adds a workload to the cache with a uid and generation, as the API server would. */
  addWorkload(workload: FargateWorkload): FargateWorkload {
    const stored: FargateWorkload = clone({ ...workload, metadata: { uid: `uid-${this.uid++}`, generation: 1, ...workload.metadata } });
    this.workloads.set(keyOfObject(stored), stored);
    return stored;
  }

  /**
   * Replaces the workload's spec (a user's edit), bumping its generation. Every change stores a new
   * object, as an informer does: the operator may remember answers per cached object (profileUsers).
   */
  editWorkload(key: string, edit: (spec: FargateWorkload['spec']) => void): void {
    const workload = clone(this.workloads.get(key)!);
    edit(workload.spec);
    workload.metadata.generation = (workload.metadata.generation ?? 1) + 1;
    this.workloads.set(key, workload);
  }

  /** Marks the workload deleted (it stays while a finalizer holds it). */
  deleteWorkload(key: string): void {
    const workload = this.workloads.get(key)!;
    if ((workload.metadata.finalizers ?? []).length === 0) this.workloads.delete(key);
    else this.workloads.set(key, { ...workload, metadata: { ...workload.metadata, deletionTimestamp: new Date().toISOString() } });
  }

  /** The operator context over this API and the given AWS account ports. */
  context(aws: AwsServices, lane: ProfileLane, clock: Clock): OperatorContext {
    const cache = <T extends { metadata: { name?: string; namespace?: string } }>(map: Map<string, T>): ObjectCache<T> => ({
      get: (key) => map.get(key),
      list: () => [...map.values()],
      hasSynced: () => true,
    });
    return {
      objects: this.api as unknown as KubernetesObjectApi,
      children: this,
      workloads: cache(this.workloads),
      clusters: cache(this.clusters),
      writeWorkloadStatus: async (workload, status) => {
        if (decideStatusWrite(workload.status, status) !== 'write') return false;
        const cached = this.workloads.get(keyOfObject(workload));
        if (!cached) throw apiError(404, 'NotFound', `FargateWorkload "${workload.metadata.name}" not found`);
        this.workloads.set(keyOfObject(cached), { ...cached, status: clone(status) });
        this.writes.push(`status FargateWorkload ${workload.metadata.name}`);
        return true;
      },
      writeClusterStatus: async (cluster, status) => {
        if (decideStatusWrite(cluster.status, status) !== 'write') return false;
        const cached = this.clusters.get(cluster.metadata.name ?? '');
        if (cached) this.clusters.set(cluster.metadata.name ?? '', { ...cached, status: clone(status) });
        this.writes.push(`status FargateCluster ${cluster.metadata.name}`);
        return true;
      },
      setFinalizer: async (object, present) => {
        const cached = (object.kind === 'FargateCluster' ? this.clusters.get(object.metadata?.name ?? '') : this.workloads.get(keyOfObject(object))) as unknown as typeof object | undefined;
        if (!cached?.metadata) return object;
        const others = (cached.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
        const updated = { ...cached, metadata: { ...cached.metadata, finalizers: present ? [...others, FINALIZER] : others } };
        if (object.kind === 'FargateCluster') this.clusters.set(object.metadata?.name ?? '', updated as unknown as FargateCluster);
        else this.workloads.set(keyOfObject(object), updated as unknown as FargateWorkload);
        this.writes.push(`update ${object.kind} ${object.metadata?.name} finalizers`);
        // The last finalizer of a deleted workload gone: the API server deletes it.
        const workload = updated as unknown as FargateWorkload;
        if (!present && others.length === 0 && workload.metadata.deletionTimestamp && object.kind !== 'FargateCluster') this.workloads.delete(keyOfObject(workload));
        return clone(updated);
      },
      events: {
        record: async (_object: unknown, type: string, reason: string, message: string) => {
          this.events.push({ type, reason, message });
          return true;
        },
      } as unknown as EventRecorder,
      aws: () => aws,
      profileLane: lane,
      enqueueWorkload: () => undefined,
      enqueueCluster: () => undefined,
      metrics: this.metrics,
      logger: createLogger({ silent: true }),
      clock,
      resyncPeriodMs: 600_000,
      // Off by default: unit tests of drift reconcile again at once and expect a read.
      confirmedRoles: new Confirmations(clock, 0),
      stopping: () => false,
    };
  }

  private key(object: KubernetesObject): string {
    return `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
  }

  /** Server-side apply, simplified: the applied fields replace ours; identity and status are kept. */
  private applied(existing: Stored | undefined, object: Stored): Stored {
    const { metadata, ...rest } = clone(object);
    return {
      ...(existing ? { status: existing.status } : {}),
      ...rest,
      metadata: { ...metadata, ...(existing ? { uid: existing.metadata?.uid, creationTimestamp: existing.metadata?.creationTimestamp, resourceVersion: existing.metadata?.resourceVersion } : {}) },
    } as Stored;
  }

  private store(key: string, next: Stored, existing: Stored | undefined, verb: string): Stored {
    if (existing && statusEquivalent(existing, next)) return clone(existing);
    next.metadata = { ...next.metadata, uid: next.metadata?.uid ?? `uid-${this.uid++}`, resourceVersion: String(this.resourceVersion++) };
    this.objects.set(key, next);
    this.writes.push(`${verb} ${next.kind} ${next.metadata.name}`);
    return clone(next);
  }
}
