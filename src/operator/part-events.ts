/**
 * Kubernetes Events about a FargateWorkload or FargateCluster, as its parts record them: one
 * sink type for both kinds, logged at once and recorded without holding up the reconcile (a
 * failed write is logged, never thrown).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { OperatorContext } from './operator-context.js';
import type { PartEvent } from './part-report.js';
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
