/**
 * The FargateCluster reconciler: validates the spec, then runs the cluster's workflow
 * (cluster-workflow.ts: the EKS cluster's facts, the IAM OIDC provider, the pod execution role,
 * Fargate logging, CoreDNS on Fargate) and writes every part's condition and the facts into
 * status. On delete it waits until no FargateWorkload runs on the cluster, then runs the workflow
 * in reverse (what the operator created, tagged with the cluster) and removes its finalizer.
 * Level-based: every run re-reads AWS and writes only what differs, so a steady state makes no AWS
 * and no Kubernetes write.
 */
import { API_GROUP_VERSION, KIND_CLUSTER } from '../../api/constants.js';
import type { FargateCluster } from '../../api/types.js';
import { formatProblems, validateCluster } from '../../api/validate.js';
import { classifyAwsError } from '../../aws/error-classifier.js';
import { PolicyNotFoundError } from '../../aws/iam-roles.js';
import { TerminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../controller/reconciler.js';
import type { KstatusState } from '../../kube/conditions.js';
import type { ObjectKey } from '../../kube/object-key.js';
import { keyOfObject } from '../../kube/object-key.js';
import { CLUSTER_PARTS, type ClusterState } from '../cluster/cluster-workflow.js';
import type { ClusterAccounts } from '../cluster/eks-cluster-part.js';
import { clusterInventory, clusterStatus, profileStatuses, summaryStatus, workloadsRemainMessage } from '../cluster/cluster-status.js';
import { hasFinalizer, setFinalizer } from '../finalizer.js';
import { partEvents } from '../part-events.js';
import { requeueOf, type PartEvent } from '../part-report.js';
import { convergeWorkflow, deleteWorkflow } from '../workflow.js';
import { workloadsOfCluster } from '../cluster/workload-cluster.js';
import { liveOwners, sweepOrphans, SweepSchedule } from '../cluster/orphan-sweep.js';
import type { OperatorContext } from '../operator-context.js';
import { describeReconcileFailure, retryingState } from '../reconcile-failure.js';

export { EXTERNAL_WAIT_REQUEUE_MS } from '../cluster/cluster-workflow.js';
/** How often a deletion waiting for workloads looks again (workload deletes also wake it). */
export const WORKLOADS_REMAIN_REQUEUE_MS = 30_000;

/** Creates the FargateCluster reconciler over the operator context. */
export function createFargateClusterReconciler(ctx: OperatorContext): Reconciler {
  const accounts: ClusterAccounts = new Map();
  const sweeps = new SweepSchedule(ctx.resyncPeriodMs, () => ctx.clock.now());
  return {
    async reconcile(key: ObjectKey, run: ReconcileContext): Promise<ReconcileResult> {
      const cluster = ctx.clusters.get(key.name);
      if (!cluster) return {};
      // Events on a cluster-scoped object go to "default", where kubectl describe looks for them.
      const event = partEvents(ctx, { apiVersion: API_GROUP_VERSION, kind: KIND_CLUSTER, metadata: { name: cluster.metadata.name ?? key.name, ...(cluster.metadata.uid ? { uid: cluster.metadata.uid } : {}) } }, run.logger);
      try {
        if (cluster.metadata.deletionTimestamp) return await finalize(ctx, cluster, accounts, event, run);
        return await converge(ctx, cluster, accounts, sweeps, event, run);
      } catch (error) {
        if (error instanceof TerminalError) throw error;
        return await onFailure(ctx, cluster, error, event, run);
      }
    },
  };
}

/**
 * Every failure ends in status (ACK's "conditions are always written"): a terminal AWS error or
 * a missing policy stalls the cluster until it changes; anything else is retried with backoff,
 * and Reconciling says what failed and when the retry comes.
 */
async function onFailure(ctx: OperatorContext, cluster: FargateCluster, error: unknown, event: PartEvent, run: ReconcileContext): Promise<never> {
  const stall = terminalOf(error);
  if (stall) {
    event('Warning', stall.reason, stall.message);
    await writeSummary(ctx, cluster, { state: 'Stalled', ...stall });
    throw new TerminalError(stall.message, stall.reason, { cause: error });
  }
  if (ctx.stopping()) throw error;
  const failure = describeReconcileFailure(error);
  event('Warning', failure.source === 'aws' ? 'AWSCallFailed' : 'ReconcileFailed', `${failure.message} (retrying)`);
  try {
    await writeSummary(ctx, cluster, retryingState(failure, run.retryDelayMs, new Date(ctx.clock.now())));
  } catch (statusError) {
    run.logger.warn('could not write the failure into status', { error: describeReconcileFailure(statusError).message });
  }
  throw error;
}

/** The Stalled reason and message of an error retrying cannot fix, if it is one. */
function terminalOf(error: unknown): { reason: string; message: string } | undefined {
  if (error instanceof PolicyNotFoundError) {
    return { reason: 'PolicyNotFound', message: `${error.message} in this account; the pod execution role needs it. Retried when the FargateCluster changes` };
  }
  const isAwsError = typeof error === 'object' && error !== null && ('$metadata' in error || '$fault' in error);
  const classified = classifyAwsError(error);
  if (!isAwsError || classified.kind !== 'terminal') return undefined;
  return { reason: classified.reason ?? 'AWSError', message: describeReconcileFailure(error).message };
}

async function writeSummary(ctx: OperatorContext, cluster: FargateCluster, state: KstatusState): Promise<void> {
  const generation = cluster.metadata.generation;
  await ctx.writeClusterStatus(cluster, summaryStatus(cluster, { ...state, ...(generation === undefined ? {} : { observedGeneration: generation }) }, new Date(ctx.clock.now())));
}

/** The state the cluster's workflow runs over. */
function workflowState(ctx: OperatorContext, cluster: FargateCluster, accounts: ClusterAccounts, event: PartEvent, run: ReconcileContext): ClusterState {
  return { ctx, services: ctx.aws(cluster.spec.region), cluster, accounts, event, logger: run.logger };
}

async function converge(
  ctx: OperatorContext,
  clusterIn: FargateCluster,
  accounts: ClusterAccounts,
  sweeps: SweepSchedule,
  event: PartEvent,
  run: ReconcileContext,
): Promise<ReconcileResult> {
  const problems = validateCluster(clusterIn);
  if (problems.length > 0) {
    const message = formatProblems(problems);
    await writeSummary(ctx, clusterIn, { state: 'Stalled', reason: 'InvalidSpec', message });
    event('Warning', 'InvalidSpec', message);
    throw new TerminalError(message, 'InvalidSpec');
  }
  // Before any AWS write: from here on the operator may create things only it can clean up.
  const cluster = await setFinalizer(ctx, clusterIn, true);
  const state = workflowState(ctx, cluster, accounts, event, run);
  const parts = await convergeWorkflow(CLUSTER_PARTS, state);
  const name = cluster.metadata.name ?? '';
  const { observed } = state;
  const observedProfiles = observed ? await state.services.profiles.list(name) : [];
  const profiles = observed ? profileStatuses(name, observedProfiles, workloadsOfCluster(name, ctx.workloads.list(), ctx.clusters.list().map(keyOfObject))) : [];
  if (observed && sweeps.due(name)) {
    // The sweep is housekeeping: its failure is said in an event and tried again at the next resync,
    // the cluster's own state is not held up by it.
    try {
      const swept = await sweepOrphans({
        aws: state.services,
        cluster,
        profiles: observedProfiles,
        live: liveOwners(cluster, ctx.workloads.list(), ctx.clusters.list()),
        owner: `sweep/${name}`,
        event,
        swept: (kind) => ctx.metrics.orphansDeletedTotal.inc({ kind }),
      });
      if (swept.deleted.length > 0) run.logger.info('deleted orphans', { deleted: swept.deleted });
    } catch (error) {
      const { message } = describeReconcileFailure(error);
      event('Warning', 'OrphanSweepFailed', `the sweep for resources of deleted FargateWorkloads failed, tried again at the next resync: ${message}`);
    }
  }
  const facts = observed
    ? {
        oidcIssuer: observed.cluster.oidcIssuer,
        oidcProviderArn: state.oidcProviderArn,
        podExecutionRoleArn: state.executionRoleArn,
        vpcId: observed.vpcId,
        accountId: observed.accountId,
        ...(profiles.length > 0 ? { profiles } : {}),
        awsResources: clusterInventory({
          clusterName: name,
          ...(state.executionRoleArn && !cluster.spec.podExecutionRole?.arn ? { managedExecutionRoleArn: state.executionRoleArn } : {}),
          ...(state.oidcProviderOwned && state.oidcProviderArn ? { ownedOidcProviderArn: state.oidcProviderArn } : {}),
          profiles: observedProfiles,
        }),
      }
    : {};
  await ctx.writeClusterStatus(cluster, clusterStatus(cluster, { parts, facts }, new Date(ctx.clock.now())));
  const requeueAfterMs = requeueOf(parts);
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

async function finalize(
  ctx: OperatorContext,
  cluster: FargateCluster,
  accounts: ClusterAccounts,
  event: PartEvent,
  run: ReconcileContext,
): Promise<ReconcileResult> {
  if (!hasFinalizer(cluster)) return {};
  const name = cluster.metadata.name ?? '';
  const remaining = workloadsOfCluster(name, ctx.workloads.list(), ctx.clusters.list().map(keyOfObject)).map(keyOfObject);
  if (remaining.length > 0) {
    const message = workloadsRemainMessage(remaining);
    await writeSummary(ctx, cluster, { state: 'Reconciling', reason: 'WorkloadsRemain', message });
    event('Warning', 'WorkloadsRemain', message);
    return { requeueAfterMs: WORKLOADS_REMAIN_REQUEUE_MS };
  }
  const pending = await deleteWorkflow(CLUSTER_PARTS, workflowState(ctx, cluster, accounts, event, run));
  const open = pending.find((report) => report.condition.status !== 'True');
  if (open) {
    await writeSummary(ctx, cluster, { state: 'Reconciling', reason: open.condition.reason, message: open.condition.message });
    return { requeueAfterMs: requeueOf(pending) ?? WORKLOADS_REMAIN_REQUEUE_MS };
  }
  await setFinalizer(ctx, cluster, false);
  run.logger.info('cleaned up; finalizer removed');
  return {};
}
