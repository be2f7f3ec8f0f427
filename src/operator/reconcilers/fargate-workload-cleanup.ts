/**
 * Cleanup of a FargateWorkload being deleted, behind its finalizer: the Kubernetes children go
 * (deleted explicitly, as no garbage collector may run), then with `deletionPolicy: Delete` the
 * IRSA role and the Fargate profile (a Shared or Namespace one only when no other workload uses
 * it, through the lane), and the finalizer is removed only when all of it is confirmed gone.
 * `Retain` leaves every AWS resource as it is.
 */
import { TAG_CLUSTER } from '../../api/constants.js';
import { DEFAULT_DELETION_POLICY } from '../../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { ReconcileResult } from '../../controller/reconciler.js';
import type { KstatusState } from '../../kube/conditions.js';
import type { WorkloadPlan } from '../../plan/index.js';
import type { OperatorContext } from '../operator-context.js';
import { profileInUse } from '../workload/child-state.js';
import { deleteChildren } from '../workload/children-part.js';
import { deleteProfile } from '../workload/fargate-profile-part.js';
import { deleteRole } from '../workload/iam-role-part.js';
import { requeueOf, type PartEvent, type PartReport, type StatusFields } from '../part-report.js';
import { MOVING_FROM_ANNOTATION } from '../workload/profile-move.js';
import { profileOwnershipTags, remainingProfileUsers } from '../workload/profile-usage.js';
import { profileUsers } from '../workload/profile-users.js';
import { setWorkloadFinalizer } from '../workload/workload-finalizer.js';
import { writeWorkloadState } from '../workload/workload-status.js';

/** What cleanup needs. */
export interface CleanupInput {
  ctx: OperatorContext;
  workload: FargateWorkload;
  cluster: FargateCluster;
  plan: WorkloadPlan;
  queueKey: string;
  event: PartEvent;
}

/** One cleanup pass; requeues while AWS deletions are still moving, removes the finalizer when done. */
export async function finalizeWorkload(input: CleanupInput): Promise<ReconcileResult> {
  const { ctx, workload, cluster, plan, queueKey, event } = input;
  const aws = ctx.aws(cluster.spec.region);
  const profilePlan = plan.aws.fargateProfile;
  const children = ctx.children.observe(workload);
  // Mid-move the Deployment is the only record of the profile the pods came from.
  const deployment = children.children.find((child) => child.kind === 'Deployment');
  const moving = [profileInUse(deployment), deployment?.metadata?.annotations?.[MOVING_FROM_ANNOTATION]];
  // The Deployment goes now: a profile only it names is kept in status.fargateProfile for the passes to come.
  const unrecorded = moving.find((name) => name !== undefined && !profilesToRelease(profilePlan.name, workload).includes(name));
  const fields: StatusFields = unrecorded ? { fargateProfile: { name: unrecorded, status: 'RELEASING' } } : {};
  const deleting = (message: string): KstatusState => ({ state: 'Reconciling', reason: 'Deleting', message });
  if (unrecorded) await writeWorkloadState(ctx, workload, deleting(`releasing Fargate profile ${unrecorded}, left by a move`), [], fields);
  await deleteChildren(ctx.objects, children);

  if ((workload.spec.deletionPolicy ?? DEFAULT_DELETION_POLICY) === 'Retain') {
    aws.lanedProfiles.withdraw(profilePlan.clusterName, queueKey);
    event('Normal', 'Retained', 'deletionPolicy Retain: the IAM role and the Fargate profile are left in AWS');
    await setWorkloadFinalizer(ctx, workload, false);
    return {};
  }

  const parts: PartReport[] = [await deleteRole({ roles: aws.iamRoles, plan: plan.aws.iamRole, event })];
  const users = profileUsers(ctx.workloads.list(), ctx.clusters.list());
  for (const profileName of profilesToRelease(profilePlan.name, workload, moving)) {
    parts.push(
      await deleteProfile({
        aws,
        clusterName: profilePlan.clusterName,
        profileName,
        // A profile from before a move was planned with tags this plan no longer knows: the cluster tag proves it.
        ownershipTags: profileName === profilePlan.name ? profileOwnershipTags(profilePlan.tags) : { [TAG_CLUSTER]: profilePlan.clusterName },
        remainingUsers: remainingProfileUsers(profileName, profilePlan.clusterName, queueKey, users),
        owner: queueKey,
        event,
      }),
    );
  }

  const pending = parts.filter((part) => part.condition.status !== 'True');
  if (pending.length > 0) {
    const message = pending.map((part) => part.condition.message).join('; ');
    await writeWorkloadState(ctx, workload, deleting(message), [], fields);
    return { requeueAfterMs: requeueOf(parts) ?? 5_000 };
  }
  await setWorkloadFinalizer(ctx, workload, false);
  return {};
}

/**
 * The profiles a deleted workload lets go of: the planned one, the one its status reports, and
 * those its Deployment still names mid-move (pod label, moving-from annotation), each once.
 */
export function profilesToRelease(plannedName: string, workload: FargateWorkload, moving: readonly (string | undefined)[] = []): string[] {
  const names = [plannedName, workload.status?.fargateProfile?.name, ...moving].filter((name): name is string => Boolean(name));
  return [...new Set(names)];
}
