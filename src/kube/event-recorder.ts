import type { CoreV1Api } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/constants.js';
import { systemClock, type Clock } from '../controller/clock.js';

/** The object an event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** Normal for progress, Warning for failures. */
export type EventType = 'Normal' | 'Warning';

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** Identical events (same object, type, reason, message) within this window are dropped; default 5 minutes. */
  dedupWindowMs?: number;
  /** Reporting component; default the field manager name. */
  component?: string;
  /** Name of this process, in `reportingInstance`. */
  instance?: string;
  clock?: Clock;
}

/**
 * Writes core/v1 Events about objects. Identical events inside the dedup window are dropped so
 * that a retry loop does not flood the API server (and a steady state writes none).
 */
export class EventRecorder {
  private readonly sent = new Map<string, number>();
  private readonly clock: Clock;
  private readonly windowMs: number;

  constructor(
    private readonly api: CoreV1Api,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.dedupWindowMs ?? 300_000;
  }

  /** Records an event; resolves false when it was dropped as a duplicate. Failures are the caller's to log. */
  async record(object: InvolvedObject, type: EventType, reason: string, message: string): Promise<boolean> {
    const now = this.clock.now();
    const identity = JSON.stringify([object.kind, object.namespace, object.name, object.uid, type, reason, message]);
    const last = this.sent.get(identity);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.sent.set(identity, now);
    this.prune(now);
    // Events of cluster-scoped objects live in "default", as kubectl describe looks for them there.
    const namespace = object.namespace ?? 'default';
    const time = new Date(now);
    await this.api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${object.name}.`, namespace },
        involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace, uid: object.uid },
        type,
        reason,
        message,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
        source: { component: this.options.component ?? FIELD_MANAGER },
        reportingComponent: this.options.component ?? FIELD_MANAGER,
        reportingInstance: this.options.instance ?? '',
      },
    });
    return true;
  }

  private prune(now: number): void {
    for (const [identity, at] of this.sent) if (now - at >= this.windowMs) this.sent.delete(identity);
  }
}
