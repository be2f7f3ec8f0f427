/**
 * Kubernetes Events about a FargateWorkload or FargateCluster, as its parts record them: one
 * sink type for both kinds, logged at once and recorded without holding up the reconcile (a
 * failed write is logged, never thrown).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { OperatorContext } from './operator-context.js';
import { CREATED_REASON, createdMessage, type PartEvent } from './part-report.js';
import { describeKubeError } from '../kube/api-error.js';

/** A {@link PartEvent} that records Events on `object` (its apiVersion, kind, name, namespace and uid). */
export function partEvents(ctx: Pick<OperatorContext, 'events'>, object: KubernetesObject, logger: Logger): PartEvent {
  const involved = {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}),
  };
  return (type, reason, message) => {
    logger.log(type === 'Warning' ? 'warn' : 'info', message, { event: reason });
    ctx.events.record(involved, type, reason, message).catch((error: unknown) => {
      logger.warn('recording an event failed', { event: reason, error: describeKubeError(error) });
    });
  };
}

/** A {@link PartEvent} whose `Created` events wait for {@link CreatedEventBatch.flush}. */
export interface CreatedEventBatch {
  event: PartEvent;
  /** Records the gathered `Created` events as one (nothing when none came). */
  flush(): void;
}

/**
 * Gathers the `Created` events of one reconcile (its IAM role, its children) into one event: an
 * event is a Kubernetes write, and a workload's first reconcile creates several objects. Every
 * other event passes at once. Parts word their message with {@link createdMessage}.
 */
export function batchCreatedEvents(event: PartEvent): CreatedEventBatch {
  const items: string[] = [];
  const prefix = createdMessage([]);
  return {
    event: (type, reason, message) => {
      if (type === 'Normal' && reason === CREATED_REASON && message.startsWith(prefix)) items.push(message.slice(prefix.length));
      else event(type, reason, message);
    },
    flush: () => {
      if (items.length > 0) event('Normal', CREATED_REASON, createdMessage(items.splice(0)));
    },
  };
}
