/** The operator's finalizer on a workload, through the context's generic finalizer writer. */
import { FINALIZER } from '../../api/constants.js';
import type { FargateWorkload } from '../../api/types.js';
import type { OperatorContext } from '../operator-context.js';

/** True when the workload carries the operator's finalizer. */
export function hasFinalizer(workload: FargateWorkload): boolean {
  return (workload.metadata.finalizers ?? []).includes(FINALIZER);
}

/** Adds or removes the finalizer (no request when it is already so) and returns the workload as it now is. */
export async function setWorkloadFinalizer(ctx: Pick<OperatorContext, 'setFinalizer'>, workload: FargateWorkload, present: boolean): Promise<FargateWorkload> {
  if (hasFinalizer(workload) === present) return workload;
  return ctx.setFinalizer(workload, present);
}
