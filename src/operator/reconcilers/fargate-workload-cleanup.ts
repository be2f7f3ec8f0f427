/**
 * Cleanup of a FargateWorkload being deleted, behind its finalizer: the workload's workflow run in
 * reverse (workload/workload-workflow.ts). The Kubernetes children go first (deleted explicitly,
 * so that cleanup sees them gone instead of waiting on the garbage collector), then with `deletionPolicy: Delete` the IRSA role and the
 * Fargate profile (a Shared or Namespace one only when no other workload uses it, through the
 * lane); the finalizer is removed only when all of it is confirmed gone. `Retain` leaves every AWS
 * resource as it is.
 */
import { DEFAULT_DELETION_POLICY } from '../../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { ReconcileResult } from '../../controller/reconciler.js';
import type { KstatusState } from '../../kube/conditions.js';
import type { WorkloadPlan } from '../../plan/index.js';
import type { OperatorContext } from '../operator-context.js';
import { partReady, requeueOf, type PartEvent } from '../part-report.js';
import { deleteWorkflow } from '../workflow.js';
import { setFinalizer } from '../finalizer.js';
import { writeWorkloadState } from '../workload/workload-status.js';
import { WORKLOAD_PARTS, type WorkloadState } from '../workload/workload-workflow.js';

export { profilesToRelease } from '../workload/workload-workflow.js';

/** What cleanup needs. */
export interface CleanupInput {
  ctx: OperatorContext;
  workload: FargateWorkload;
  cluster: FargateCluster;
  plan: WorkloadPlan;
  queueKey: string;
  event: PartEvent;
}

/** How often a cleanup still waiting on AWS looks again when no part says. */
const CLEANUP_POLL_MS = 5_000;

/** One cleanup pass; requeues while AWS deletions are still moving, removes the finalizer when done. */
export async function finalizeWorkload(input: CleanupInput): Promise<ReconcileResult> {
  const { ctx, workload, cluster, plan, queueKey, event } = input;
  const retain = (workload.spec.deletionPolicy ?? DEFAULT_DELETION_POLICY) === 'Retain';
  const deleting = (message: string): KstatusState => ({ state: 'Reconciling', reason: 'Deleting', message });
  const state: WorkloadState = {
    ctx,
    aws: ctx.aws(cluster.spec.region),
    workload,
    cluster,
    plan,
    queueKey,
    adopt: false,
    event,
    preflight: partReady('NetworkReady', 'NotChecked', 'not checked on delete'),
    oidcProviderAgeMs: async () => undefined,
    fields: {},
    retain,
  };
  const pending = await deleteWorkflow(WORKLOAD_PARTS, state);
  if (pending.length > 0) {
    await writeWorkloadState(ctx, workload, deleting(pending.map((part) => part.condition.message).join('; ')), [], {});
    return { requeueAfterMs: requeueOf(pending) ?? CLEANUP_POLL_MS };
  }
  if (retain) event('Normal', 'Retained', 'deletionPolicy Retain: the IAM role and the Fargate profile are left in AWS');
  await setFinalizer(ctx, workload, false);
  return {};
}
