/** The FargateCluster reconciler (work in progress). */
import type { Reconciler } from '../../controller/reconciler.js';
import type { OperatorContext } from '../operator-context.js';

/** Converges one FargateCluster. */
export function createFargateClusterReconciler(_ctx: OperatorContext): Reconciler {
  return { reconcile: () => Promise.resolve({}) };
}
