/** Writes a workload's status from its part reports; no write when nothing changed. */
import type { FargateWorkload } from '../../api/types.js';
import type { KstatusState } from '../../kube/conditions.js';
import type { OperatorContext } from '../operator-context.js';
import { nextWorkloadStatus, type PartReport, type StatusFields } from '../part-report.js';

/** Sets the part conditions, the kstatus summary and the fields, and writes the status if it changed. */
export async function writeWorkloadState(
  ctx: Pick<OperatorContext, 'writeWorkloadStatus' | 'clock'>,
  workload: FargateWorkload,
  summary: KstatusState,
  parts: readonly PartReport[],
  fields: StatusFields,
): Promise<boolean> {
  return ctx.writeWorkloadStatus(workload, nextWorkloadStatus(workload, summary, parts, fields, new Date(ctx.clock.now())));
}
