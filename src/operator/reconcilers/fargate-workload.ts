/**
 * The FargateWorkload reconciler (design, sections 2-4). Level-based: it reads the workload from
 * the cache by key, re-observes every part in AWS and Kubernetes, and converges them in
 * dependency order: its FargateCluster, validation, the finalizer, the Fargate profile (through
 * the cluster's lane) and the IRSA role, then, once the profile is ACTIVE, the Kubernetes
 * children. Status reports every part; moving AWS states requeue, retryable errors throw,
 * terminal ones set Stalled and throw a TerminalError.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION } from '../../api/constants.js';
import { withClusterDefaults } from '../../api/defaults.js';
import { capacityStatus, sizeFargatePod } from '../../api/sizing.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { formatProblems, validate } from '../../api/validate.js';
import { isTerminal, TerminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../controller/reconciler.js';
import { formatKey, keyOfObject, type ObjectKey } from '../../kube/object-key.js';
import { planWorkload, type WorkloadPlan } from '../../plan/index.js';
import type { OperatorContext } from '../operator-context.js';
import { describeReconcileFailure, retryingState } from '../reconcile-failure.js';
import { deploymentAvailability, ingressReadiness, type DeploymentState, type IngressState } from '../workload/availability.js';
import { applyChildren } from '../workload/children-part.js';
import { convergeWorkloadProfile } from '../workload/fargate-profile-part.js';
import { profileUsers } from '../workload/profile-users.js';
import { convergeRole } from '../workload/iam-role-part.js';
import { checkWorkloadNetwork, combineNetworkReports } from '../workload/network-part.js';
import {
  CONDITION_AVAILABLE,
  CONDITION_INGRESS,
  CONDITION_NETWORK,
  partWaiting,
  requeueOf,
  summarize,
  type PartReport,
  type StatusFields,
} from '../part-report.js';
import { hasFinalizer, setWorkloadFinalizer } from '../workload/workload-finalizer.js';
import { writeWorkloadState } from '../workload/workload-status.js';
import { partEvents } from '../part-events.js';
import { clusterFacts, findWorkloadCluster } from '../workload/workload-cluster.js';
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
  try {
    return await convergeWorkload(tracked, workload, context);
  } catch (error) {
    if (isTerminal(error)) throw error;
    // Gone, or no longer ours to write (lease lost, shutting down): the error alone goes back.
    if ((workload.metadata.deletionTimestamp && !hasFinalizer(workload)) || ctx.stopping()) throw error;
    const failure = describeReconcileFailure(error);
    try {
      await writeWorkloadState(ctx, { ...workload, status: written }, retryingState(failure, context.retryDelayMs, new Date(ctx.clock.now())), [], {});
    } catch (statusError) {
      context.logger.warn('could not write the failure into status', { error: describeReconcileFailure(statusError).message });
    }
    throw error;
  }
}

async function convergeWorkload(ctx: OperatorContext, workload: FargateWorkload, context: ReconcileContext): Promise<ReconcileResult> {
  const queueKey = keyOfObject(workload);
  const deleting = Boolean(workload.metadata.deletionTimestamp);
  if (deleting && !hasFinalizer(workload)) return {};

  const lookup = findWorkloadCluster(workload, ctx.clusters.list());
  if (!lookup.found) return waitForCluster(ctx, workload, lookup.message);
  const cluster = lookup.cluster;
  const facts = clusterFacts(cluster);
  if (!facts.ready) {
    return waitForCluster(ctx, workload, `FargateCluster ${cluster.metadata.name ?? ''} is not ready yet: status lacks ${facts.missing.join(', ')}`);
  }
  const event = partEvents(ctx, workload as KubernetesObject, context.logger);
  if (deleting) return finalizeWorkload({ ctx, workload, cluster, plan: planFor(workload, cluster, facts), queueKey, event });

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
  const owned = await setWorkloadFinalizer(ctx, workload, true);
  const adopt = workload.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  // A changed profile is a move (profile-move.ts): the children then carry the pod label of its step.
  const profile = await convergeWorkloadProfile({
    aws,
    objects: ctx.objects,
    children: ctx.children,
    workload: owned,
    users: profileUsers(ctx.workloads.list(), ctx.clusters.list()),
    plan: plan.aws.fargateProfile,
    owner: queueKey,
    adopt,
    maxProfiles: withClusterDefaults(cluster).spec.profiles?.maxProfiles ?? Number.POSITIVE_INFINITY,
    event,
  });
  const role = await convergeRole({
    roles: aws.iamRoles,
    plan: plan.aws.iamRole,
    adopt,
    event,
    oidcProviderAgeMs: async () => {
      // A provider that could not be read: unknown (counts as young). One that does not exist: the
      // principal will never appear, so the answer is meant (counts as old).
      const provider = await aws.oidcProviders.find(facts.facts.oidcIssuer).then((found) => found ?? null, () => undefined);
      if (provider === null) return Number.POSITIVE_INFINITY;
      return provider?.createdAt ? Math.max(0, ctx.clock.now() - provider.createdAt.getTime()) : undefined;
    },
  });
  const parts: PartReport[] = [profile.report, role.report];
  const fields: StatusFields = {
    fargateProfile: profile.status,
    serviceAccountName: plan.aws.iamRole.serviceAccountName,
    ...(role.roleArn ? { iamRoleArn: role.roleArn } : {}),
    ...capacityOf(workload),
  };

  if (profile.active && role.roleArn) {
    // Only now: pods created before a matching profile is ACTIVE would never be scheduled on Fargate.
    const observed = ctx.children.observe(owned);
    const applied = await applyChildren(ctx.objects, profile.adjust(plan.kubernetes), observed, event);
    const deploymentName = owned.metadata.name ?? '';
    const availability = deploymentAvailability(applied.current.get(`Deployment/${deploymentName}`) as DeploymentState | undefined);
    const ingress = ingressReadiness(
      Boolean(workload.spec.ingress),
      applied.current.get(`Ingress/${deploymentName}`) as IngressState | undefined,
    );
    parts.push(combineNetworkReports(preflight, applied.network), availability.report, ingress.report, ...applied.refused);
    fields.replicas = availability.replicas;
    fields.readyReplicas = availability.readyReplicas;
    if (ingress.hostname) fields.loadBalancer = { hostname: ingress.hostname };
  } else {
    const why = 'waits for the Fargate profile to be ACTIVE and the IAM role to be ready';
    parts.push(
      combineNetworkReports(preflight, partWaiting(CONDITION_NETWORK, 'WaitingForProfile', `the SecurityGroupPolicy ${why}`)),
      partWaiting(CONDITION_AVAILABLE, 'WaitingForProfile', `the Deployment ${why}`),
      partWaiting(CONDITION_INGRESS, 'WaitingForProfile', `the Ingress ${why}`),
    );
  }

  const summary = summarize(parts, WORKLOAD_READY_MESSAGE);
  await writeWorkloadState(ctx, owned, summary, parts, fields);
  if (summary.state === 'Stalled') {
    // Identical events are dropped by the recorder for a while: a resync of a stalled workload does not flood.
    event('Warning', summary.reason, summary.message);
    throw new TerminalError(summary.message, summary.reason);
  }
  const requeueAfterMs = requeueOf(parts);
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
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

async function waitForCluster(ctx: OperatorContext, workload: FargateWorkload, message: string): Promise<ReconcileResult> {
  await writeWorkloadState(ctx, workload, { state: 'Reconciling', reason: 'WaitingForCluster', message }, [], {});
  return { requeueAfterMs: WAITING_FOR_CLUSTER_REQUEUE_MS };
}
