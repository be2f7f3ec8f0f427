/**
 * The FargateWorkload reconciler (design, sections 2-4). Level-based: it reads the workload from
 * the cache by key, re-observes every part in AWS and Kubernetes, and converges them in
 * dependency order: its FargateCluster, validation, the network preflight, the finalizer, then
 * the workflow of its parts (workload/workload-workflow.ts: the Fargate profile through the
 * cluster's lane and the IRSA role, then the Kubernetes children, which wait for both). Status
 * reports every part; moving AWS states requeue, terminal ones set Stalled and throw a
 * TerminalError, and any other failure is written as Reconciling before it is retried.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION } from '../../api/constants.js';
import { capacityStatus, sizeFargatePod } from '../../api/sizing.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { formatProblems, validate } from '../../api/validate.js';
import { isTerminal, TerminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../controller/reconciler.js';
import { formatKey, keyOfObject, type ObjectKey } from '../../kube/object-key.js';
import { planWorkload, type WorkloadPlan } from '../../plan/index.js';
import type { OperatorContext } from '../operator-context.js';
import { describeReconcileFailure, retryingState } from '../reconcile-failure.js';
import { checkWorkloadNetwork } from '../workload/network-part.js';
import { WORKLOAD_PARTS, type WorkloadState } from '../workload/workload-workflow.js';
import { convergeWorkflow } from '../workflow.js';
import { requeueOf, summarize, type StatusFields } from '../part-report.js';
import { hasFinalizer, setFinalizer } from '../finalizer.js';
import { writeWorkloadState } from '../workload/workload-status.js';
import { roleInventory, workloadInventory } from '../workload/aws-inventory.js';
import { batchCreatedEvents, partEvents } from '../part-events.js';
import { cleanupFacts, clusterFacts, findWorkloadCluster } from '../workload/workload-cluster.js';
import { finalizeWorkload } from './fargate-workload-cleanup.js';

/** The Ready condition's message of a workload. */
const WORKLOAD_READY_MESSAGE = 'every part of the workload is ready';

/** How often a workload waiting for its FargateCluster looks again (cluster changes also wake it). */
export const WAITING_FOR_CLUSTER_REQUEUE_MS = 30_000;

/** The reconciler of FargateWorkloads, on the operator's shared context. */
export function createFargateWorkloadReconciler(ctx: OperatorContext): Reconciler {
  return { reconcile: (key, context) => reconcileWorkload(ctx, key, context) };
}

/**
 * Every failure ends in status (ACK's "conditions are always written"): terminal ones have set
 * Stalled on the way; anything else is retried with backoff, and Reconciling says which call
 * failed and when the retry comes. The status written on the way (if any) is the base, so a
 * field set earlier in this reconcile is not lost.
 */
async function reconcileWorkload(ctx: OperatorContext, key: ObjectKey, context: ReconcileContext): Promise<ReconcileResult> {
  const workload = ctx.workloads.get(formatKey(key));
  if (!workload) return {};
  let written = workload.status;
  const tracked: OperatorContext = {
    ...ctx,
    async writeWorkloadStatus(object, status) {
      const wrote = await ctx.writeWorkloadStatus(object, status);
      written = status;
      return wrote;
    },
  };
  // What a pass made before it failed (its cluster, the profile and role in the inventory), kept with the failure.
  let madeBeforeFailure: StatusFields = {};
  try {
    return await convergeWorkload(tracked, workload, context, (fields) => {
      madeBeforeFailure = fields;
    });
  } catch (error) {
    if (isTerminal(error)) throw error;
    // Gone, or no longer ours to write (lease lost, shutting down): the error alone goes back.
    if ((workload.metadata.deletionTimestamp && !hasFinalizer(workload)) || ctx.stopping()) throw error;
    const failure = describeReconcileFailure(error);
    try {
      await writeWorkloadState(ctx, { ...workload, status: written }, retryingState(failure, context.retryDelayMs, new Date(ctx.clock.now())), [], madeBeforeFailure);
    } catch (statusError) {
      context.logger.warn('could not write the failure into status', { error: describeReconcileFailure(statusError).message });
    }
    throw error;
  }
}

async function convergeWorkload(ctx: OperatorContext, workload: FargateWorkload, context: ReconcileContext, recordOnFailure: (fields: StatusFields) => void): Promise<ReconcileResult> {
  const queueKey = keyOfObject(workload);
  const deleting = Boolean(workload.metadata.deletionTimestamp);
  if (deleting && !hasFinalizer(workload)) return {};

  const lookup = findWorkloadCluster(workload, ctx.clusters.list());
  if (!lookup.found) {
    if (!lookup.stalled) return waitForCluster(ctx, workload, lookup.message);
    await writeWorkloadState(ctx, workload, { state: 'Stalled', reason: lookup.reason, message: lookup.message }, [], {});
    throw new TerminalError(lookup.message, lookup.reason);
  }
  const cluster = lookup.cluster;
  const facts = clusterFacts(cluster);
  const event = partEvents(ctx, workload as KubernetesObject, context.logger);
  if (deleting) return finalizeWorkload({ ctx, workload, cluster, plan: planFor(workload, cluster, cleanupFacts(cluster, workload)), queueKey, event });
  if (!facts.ready) return waitForCluster(ctx, workload, clusterNotReadyMessage(cluster, facts.missing));
  // A FargateCluster being deleted takes no new workload: its delete may already have counted
  // none left and be removing the execution role, and what this one made would be left behind.
  // One it already runs keeps converging until it is deleted too.
  if (cluster.metadata.deletionTimestamp && !hasFinalizer(workload)) {
    return waitForCluster(ctx, workload, `FargateCluster ${cluster.metadata.name ?? ''} is being deleted: this workload creates nothing on it; delete it, or apply it again once the FargateCluster is back`);
  }

  const problems = validate(workload, cluster);
  if (problems.length > 0) {
    const message = formatProblems(problems);
    await writeWorkloadState(ctx, workload, { state: 'Stalled', reason: 'InvalidSpec', message }, [], {});
    event('Warning', 'InvalidSpec', message);
    throw new TerminalError(message, 'InvalidSpec');
  }

  const plan = planFor(workload, cluster, facts);
  const aws = ctx.aws(cluster.spec.region);
  // The network preflight runs before the profile: a profile on a public subnet or in another VPC
  // is refused by EKS at best and strands pods at worst, so those stop here (Stalled) with no
  // CreateFargateProfile call. A network that can be fixed outside the operator (no egress, DNS
  // off, a missing security group) does not stop the rest: profile, role and children converge,
  // so the pods start as soon as the network is fixed, while NetworkReady False keeps Ready False.
  const preflight = await checkWorkloadNetwork(aws.ec2Network, workload, cluster, plan.aws.fargateProfile.subnets);
  if (preflight.stalled) {
    const { reason, message } = preflight.condition;
    await writeWorkloadState(ctx, workload, { state: 'Stalled', reason, message }, [preflight], capacityOf(workload));
    event('Warning', reason, message);
    throw new TerminalError(message, reason);
  }
  // Before the first AWS write: a delete must find the finalizer to clean up after.
  const owned = await setFinalizer(ctx, workload, true);
  // What the parts create (the role, the children) is told in one event when the reconcile ends, however it ends.
  const created = batchCreatedEvents(event);
  // The profile, the IRSA role, then the children, which wait for both (workload-workflow.ts).
  const state: WorkloadState = {
    ctx,
    aws,
    workload: owned,
    cluster,
    plan,
    queueKey,
    adopt: workload.metadata.annotations?.[ADOPT_ANNOTATION] === 'true',
    ...(context.resync ? { resync: context.resync } : {}),
    event: created.event,
    preflight,
    oidcProviderAgeMs: async () => {
      // A provider that could not be read: unknown (counts as young). One that does not exist: the
      // principal will never appear, so the answer is meant (counts as old).
      const provider = await aws.oidcProviders.find(facts.facts.oidcIssuer).then((found) => found ?? null, () => undefined);
      if (provider === null) return Number.POSITIVE_INFINITY;
      return provider?.createdAt ? Math.max(0, ctx.clock.now() - provider.createdAt.getTime()) : undefined;
    },
    // The cluster is recorded: an unnamed workload stays on it when other FargateClusters appear.
    fields: { clusterName: cluster.metadata.name, serviceAccountName: plan.aws.iamRole.serviceAccountName, ...capacityOf(workload) },
  };
  const madeSoFar = (): StatusFields => {
    const previous = owned.status?.awsResources;
    const iamRole = plan.aws.iamRole;
    return {
      ...state.fields,
      awsResources: workloadInventory(previous, {
        ...(state.profile ? { profiles: state.profile.inventory } : {}),
        ...(state.role ? { roles: roleInventory(iamRole.managed, iamRole.name, state.role.roleArn, previous) } : {}),
      }),
    };
  };
  try {
    const parts = await convergeWorkflow(WORKLOAD_PARTS, state);
    const fields = madeSoFar();

    const summary = summarize(parts, WORKLOAD_READY_MESSAGE);
    await writeWorkloadState(ctx, owned, summary, parts, fields);
    if (summary.state === 'Stalled') {
      // Identical events are dropped by the recorder for a while: a resync of a stalled workload does not flood.
      created.event('Warning', summary.reason, summary.message);
      throw new TerminalError(summary.message, summary.reason);
    }
    const requeueAfterMs = requeueOf(parts);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  } catch (error) {
    // A profile or role made before a later call failed is in status at once: the orphan sweep,
    // a move and the cleanup judge by what status records.
    if (!isTerminal(error)) recordOnFailure(madeSoFar());
    throw error;
  } finally {
    created.flush();
  }
}

/** The plan, with the execution role the FargateCluster reports (it may be one the platform team brought). */
export function planFor(workload: FargateWorkload, cluster: FargateCluster, facts: Extract<ReturnType<typeof clusterFacts>, { ready: true }>): WorkloadPlan {
  const plan = planWorkload(workload, cluster, facts.facts);
  return { ...plan, aws: { ...plan.aws, fargateProfile: { ...plan.aws.fargateProfile, podExecutionRoleArn: facts.podExecutionRoleArn } } };
}

function capacityOf(workload: FargateWorkload): StatusFields {
  const size = sizeFargatePod(workload.spec.template.spec);
  return size.ok ? { capacity: capacityStatus(size.size) } : {};
}

/** Why the workload waits for its FargateCluster: what its status lacks, and the cluster's own Ready message when it has one. */
function clusterNotReadyMessage(cluster: FargateCluster, missing: readonly string[]): string {
  const ready = cluster.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status !== 'True');
  const why = ready?.message ? ` (its Ready condition: ${ready.reason ?? ''}: ${ready.message})` : '';
  return `FargateCluster ${cluster.metadata.name ?? ''} is not ready yet: status lacks ${missing.join(', ')}${why}; this workload converges when it is`;
}

async function waitForCluster(ctx: OperatorContext, workload: FargateWorkload, message: string): Promise<ReconcileResult> {
  await writeWorkloadState(ctx, workload, { state: 'Reconciling', reason: 'WaitingForCluster', message }, [], {});
  return { requeueAfterMs: WAITING_FOR_CLUSTER_REQUEUE_MS };
}
