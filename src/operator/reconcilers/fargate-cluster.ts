/**
 * The FargateCluster reconciler: finds the EKS cluster, its OIDC issuer and IAM OIDC provider
 * (creating it only when allowed), ensures the pod execution role (or checks the one named), and
 * converges Fargate logging (aws-observability objects) and CoreDNS on Fargate (its profile and
 * pod template), and reports it all in status. On delete it waits until no FargateWorkload runs on the cluster, then
 * deletes what it created (tagged with the cluster) and removes its finalizer. Level-based: every
 * run re-reads AWS and writes only what differs, so a steady state makes no AWS and no Kubernetes
 * write.
 */
import { API_GROUP_VERSION, FINALIZER, KIND_CLUSTER } from '../../api/constants.js';
import type { FargateCluster } from '../../api/types.js';
import { formatProblems, validateCluster } from '../../api/validate.js';
import { classifyAwsError } from '../../aws/error-classifier.js';
import { PolicyNotFoundError } from '../../aws/iam-roles.js';
import { TerminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../controller/reconciler.js';
import type { KstatusState } from '../../kube/conditions.js';
import type { ObjectKey } from '../../kube/object-key.js';
import { keyOfObject } from '../../kube/object-key.js';
import { convergeCoreDns, deleteCoreDnsProfile } from '../cluster/coredns-part.js';
import { convergeExecutionRole, deleteExecutionRole } from '../cluster/execution-role-part.js';
import { convergeLogging } from '../cluster/logging-part.js';
import { observeClusterFacts, type ClusterAccounts } from '../cluster/eks-cluster-part.js';
import { convergeOidcProvider, deleteOidcProviderIfOurs } from '../cluster/oidc-provider-part.js';
import { clusterStatus, CONDITION_CLUSTER_FOUND, CONDITION_EXECUTION_ROLE_READY, CONDITION_OIDC_PROVIDER_READY, profileStatuses, summaryStatus, workloadsRemainMessage } from '../cluster/cluster-status.js';
import { partEvents } from '../part-events.js';
import { partReady, partStalled, partUnknown, type PartEvent } from '../part-report.js';
import { workloadsOfCluster } from '../cluster/workload-cluster.js';
import type { OperatorContext } from '../operator-context.js';
import { describeReconcileFailure, retryingState } from '../reconcile-failure.js';

/** How often a cluster that waits on something outside the operator (a missing EKS cluster or OIDC provider) looks again. */
export const EXTERNAL_WAIT_REQUEUE_MS = 60_000;
/** How often a deletion waiting for workloads looks again (workload deletes also wake it). */
export const WORKLOADS_REMAIN_REQUEUE_MS = 30_000;

/** Creates the FargateCluster reconciler over the operator context. */
export function createFargateClusterReconciler(ctx: OperatorContext): Reconciler {
  const accounts: ClusterAccounts = new Map();
  return {
    async reconcile(key: ObjectKey, run: ReconcileContext): Promise<ReconcileResult> {
      const cluster = ctx.clusters.get(key.name);
      if (!cluster) return {};
      // Events on a cluster-scoped object go to "default", where kubectl describe looks for them.
      const event = partEvents(ctx, { apiVersion: API_GROUP_VERSION, kind: KIND_CLUSTER, metadata: { name: cluster.metadata.name ?? key.name, ...(cluster.metadata.uid ? { uid: cluster.metadata.uid } : {}) } }, run.logger);
      try {
        if (cluster.metadata.deletionTimestamp) return await finalize(ctx, cluster, accounts, event, run);
        return await converge(ctx, cluster, accounts, event, run);
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

async function converge(
  ctx: OperatorContext,
  clusterIn: FargateCluster,
  accounts: ClusterAccounts,
  event: PartEvent,
  run: ReconcileContext,
): Promise<ReconcileResult> {
  let cluster = clusterIn;
  const problems = validateCluster(cluster);
  if (problems.length > 0) {
    const message = formatProblems(problems);
    await writeSummary(ctx, cluster, { state: 'Stalled', reason: 'InvalidSpec', message });
    event('Warning', 'InvalidSpec', message);
    throw new TerminalError(message, 'InvalidSpec');
  }
  // Before any AWS write: from here on the operator may create things only it can clean up.
  if (!(cluster.metadata.finalizers ?? []).includes(FINALIZER)) cluster = await ctx.setFinalizer(cluster, true);

  const name = cluster.metadata.name ?? '';
  const region = cluster.spec.region;
  const services = ctx.aws(region);
  const observed = await observeClusterFacts(services, name, region, accounts);
  const now = new Date(ctx.clock.now());
  if (!observed) {
    const message = `no EKS cluster named ${name} in ${region}: the FargateCluster's name must be the EKS cluster name`;
    const notFound = partStalled(CONDITION_CLUSTER_FOUND, 'ClusterNotFound', message);
    const waiting = (type: string) => partUnknown(type, 'ClusterNotFound', 'waits for the EKS cluster');
    await ctx.writeClusterStatus(
      cluster,
      clusterStatus(cluster, { clusterFound: notFound, oidcProvider: waiting(CONDITION_OIDC_PROVIDER_READY), executionRole: waiting(CONDITION_EXECUTION_ROLE_READY), facts: {} }, now),
    );
    event('Warning', 'ClusterNotFound', message);
    return { requeueAfterMs: EXTERNAL_WAIT_REQUEUE_MS };
  }
  const clusterFound = partReady(CONDITION_CLUSTER_FOUND, 'Found', `EKS cluster ${observed.cluster.arn} is ${observed.cluster.status}`);
  const oidc = await convergeOidcProvider(services, cluster, observed, event, run.logger);
  // The role's logging policy appears and disappears with spec.logging (planPodExecutionRole).
  const role = await convergeExecutionRole(services, cluster, observed, event);
  const logging = await convergeLogging(ctx.objects, cluster, { accountId: observed.accountId, region, oidcIssuer: observed.cluster.oidcIssuer ?? '' }, event);
  const coreDns = await convergeCoreDns(services, ctx.objects, cluster, role.arn, name, event);
  const profiles = profileStatuses(name, await services.profiles.list(name), workloadsOfCluster(name, ctx.workloads.list(), ctx.clusters.list().map(keyOfObject)));
  const status = clusterStatus(
    cluster,
    {
      clusterFound,
      oidcProvider: oidc.part,
      executionRole: role.part,
      logging: logging.part,
      coreDns: coreDns.part,
      facts: {
        oidcIssuer: observed.cluster.oidcIssuer,
        oidcProviderArn: oidc.arn,
        podExecutionRoleArn: role.arn,
        vpcId: observed.vpcId,
        accountId: observed.accountId,
        ...(profiles.length > 0 ? { profiles } : {}),
      },
    },
    now,
  );
  await ctx.writeClusterStatus(cluster, status);
  const waitsOutside = oidc.part.condition.status !== 'True' || role.part.condition.status !== 'True';
  const requeues = [...(waitsOutside ? [EXTERNAL_WAIT_REQUEUE_MS] : []), ...[logging.requeueAfterMs, coreDns.requeueAfterMs].filter((ms) => ms !== undefined)];
  return requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {};
}

async function finalize(
  ctx: OperatorContext,
  cluster: FargateCluster,
  accounts: ClusterAccounts,
  event: PartEvent,
  run: ReconcileContext,
): Promise<ReconcileResult> {
  if (!(cluster.metadata.finalizers ?? []).includes(FINALIZER)) return {};
  const name = cluster.metadata.name ?? '';
  const remaining = workloadsOfCluster(name, ctx.workloads.list(), ctx.clusters.list().map(keyOfObject)).map(keyOfObject);
  if (remaining.length > 0) {
    const message = workloadsRemainMessage(remaining);
    await writeSummary(ctx, cluster, { state: 'Reconciling', reason: 'WorkloadsRemain', message });
    event('Warning', 'WorkloadsRemain', message);
    return { requeueAfterMs: WORKLOADS_REMAIN_REQUEUE_MS };
  }
  const services = ctx.aws(cluster.spec.region);
  // The coredns profile uses the execution role: it goes first, and the finalizer waits until it is gone.
  const coreDns = await deleteCoreDnsProfile(services, cluster, name, event);
  if (coreDns.part.condition.status !== 'True') {
    await writeSummary(ctx, cluster, { state: 'Reconciling', reason: coreDns.part.condition.reason, message: coreDns.part.condition.message });
    return { requeueAfterMs: coreDns.requeueAfterMs ?? WORKLOADS_REMAIN_REQUEUE_MS };
  }
  // The aws-observability objects carry an owner reference to the FargateCluster: garbage
  // collection removes them with it (and a namespace someone else made keeps only losing our ConfigMap).
  await deleteExecutionRole(services, cluster, event);
  await deleteOidcProviderIfOurs(services, cluster, event, run.logger);
  await ctx.setFinalizer(cluster, false);
  run.logger.info('cleaned up; finalizer removed');
  return {};
}
