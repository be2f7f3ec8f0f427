/** Kubernetes Events about a workload, recorded without holding up the reconcile. */
import type { FargateWorkload } from '../../api/types.js';
import type { Logger } from '../../observability/logger.js';
import type { OperatorContext } from '../operator-context.js';
import type { PartEvent } from './part-report.js';

/** A {@link PartEvent} that records Events on the workload; a failed write is logged, never thrown. */
export function workloadEvents(ctx: Pick<OperatorContext, 'events'>, workload: FargateWorkload, logger: Logger): PartEvent {
  const involved = {
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    name: workload.metadata.name ?? '',
    ...(workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {}),
    ...(workload.metadata.uid ? { uid: workload.metadata.uid } : {}),
  };
  return (type, reason, message) => {
    logger.log(type === 'Warning' ? 'warn' : 'info', message, { event: reason });
    ctx.events.record(involved, type, reason, message).catch((error: unknown) => {
      logger.warn('recording an event failed', { event: reason, error: error instanceof Error ? error.message : String(error) });
    });
  };
}
