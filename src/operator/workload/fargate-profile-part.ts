/**
 * The workload's Fargate profile: the shared laned-profile part (laned-profile.ts) with the
 * workload's ownership tags, quota and adoption, plus the move of its pods from one profile to
 * another when the planned profile changes (profile-move.ts).
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { LABEL_WORKLOAD, PROFILE_LABEL, TAG_CLUSTER } from '../../api/constants.js';
import type { FargateWorkload } from '../../api/types.js';
import type { FargateProfilePlan, KubeObject } from '../../plan/index.js';
import type { AwsServices } from '../operator-context.js';
import { convergeLanedProfile, CREATING_POLL_MS, DELETING_POLL_MS, deleteLanedProfile, type LanedProfileDeletion, type LanedProfileResult } from '../laned-profile.js';
import { CONDITION_PROFILE, partWaiting, type PartEvent, type PartReport } from '../part-report.js';
import { ownedBy, profileInUse } from './child-state.js';
import type { ChildCache } from './children-part.js';
import { decideProfileMove, moveSource, MOVING_FROM_ANNOTATION, rolloutComplete, withMoveStep, type LiveDeploymentFacts, type MoveStep } from './profile-move.js';
import { profileOwnershipTags, remainingProfileUsers, type ProfileUser } from './profile-usage.js';

/** What converging the workload's profile needs (the laned profile's input for a workload). */
export interface ProfilePartInput {
  aws: AwsServices;
  plan: FargateProfilePlan;
  /** Lane owner: the workload's queue key. */
  owner: string;
  /** The workload carries the adoption annotation. */
  adopt: boolean;
  maxProfiles: number;
  event: PartEvent;
}

/** The workload's own profile through the shared laned-profile part. */
function convergeProfile(input: ProfilePartInput): Promise<LanedProfileResult> {
  return convergeLanedProfile({
    ...input,
    conditionType: CONDITION_PROFILE,
    ownershipTags: profileOwnershipTags(input.plan.tags),
    adoptHint: 'Annotate the workload with fargate.eksops.dev/adopt: "true" to use it',
  });
}

/** What deleting one of the workload's profiles needs. */
export type ProfileDeletionInput = Omit<LanedProfileDeletion, 'conditionType'>;

/** Deletes one of the workload's profiles through the shared laned-profile part. */
export function deleteProfile(input: ProfileDeletionInput): Promise<PartReport> {
  return deleteLanedProfile({ ...input, conditionType: CONDITION_PROFILE });
}

/** What converging the workload's profile, moves included, needs beyond {@link ProfilePartInput}. */
export interface WorkloadProfileInput extends ProfilePartInput {
  /** Pods are listed by label during a move (the only read not served from a cache). */
  objects: KubernetesObjectApi;
  /** The workloads' children, from the informer caches. */
  children: ChildCache;
  /** The workload (its Deployment has its name and namespace and is controlled by it). */
  workload: FargateWorkload;
  /** Every cached workload's profile use (see profileUsers). */
  users: readonly ProfileUser[];
}

/** The profile part with the move step, and how the planned children must be adjusted for it. */
export interface WorkloadProfileResult extends LanedProfileResult {
  step: MoveStep;
  /** The planned children with the Deployment's pod label (and move annotation) for the step. */
  adjust: (planned: readonly KubeObject[]) => KubeObject[];
}

/**
 * Converges the planned profile and, when the live Deployment's pods use another one, moves them
 * (see profile-move.ts): create the new profile, relabel the pods once it is ACTIVE, delete the
 * old one once the rollout is complete and nothing uses it. The FargateProfileReady condition is
 * False with reason MovingProfile and the step until the move is over.
 */
export async function convergeWorkloadProfile(input: WorkloadProfileInput): Promise<WorkloadProfileResult> {
  const { aws, plan, owner } = input;
  const live = liveDeployment(input.children, input.workload);
  const facts: LiveDeploymentFacts | undefined = live && {
    podProfile: profileInUse(live),
    movingFrom: live.metadata?.annotations?.[MOVING_FROM_ANNOTATION],
    rolloutComplete: rolloutComplete(live),
  };
  const desired = await convergeProfile(input);
  const from = moveSource(plan.name, facts);
  const settled = facts !== undefined && from !== undefined && facts.podProfile !== from && facts.rolloutComplete;
  const step = decideProfileMove({
    desired: plan.name,
    deployment: facts,
    desiredActive: desired.active,
    ...(settled && from !== undefined ? await oldProfileUse(input, from) : {}),
  });
  const adjust = (planned: readonly KubeObject[]): KubeObject[] =>
    planned.map((object) => (object.kind === 'Deployment' ? withMoveStep(object, step) : object));
  const withStep = (report: PartReport, active: boolean): WorkloadProfileResult => ({ ...desired, report, active, step, adjust });
  if (step.kind === 'none' || step.kind === 'keeping' || step.kind === 'done' || desired.report.stalled) {
    return withStep(desired.report, desired.active);
  }
  if (step.kind === 'creating') {
    const detail = desired.report.condition.message ? `: ${desired.report.condition.message}` : '';
    // The pods stay on the old profile meanwhile: the children are applied with its label.
    return withStep(partWaiting(CONDITION_PROFILE, 'MovingProfile', `${step.message}${detail}`, desired.report.requeueAfterMs ?? CREATING_POLL_MS), true);
  }
  if (step.kind === 'moving') {
    // Nothing wakes the workload when its Deployment's rollout advances: poll.
    return withStep(partWaiting(CONDITION_PROFILE, 'MovingProfile', step.message, CREATING_POLL_MS), true);
  }
  const deletion = await deleteProfile({
    aws,
    clusterName: plan.clusterName,
    profileName: step.from,
    // The old profile was planned with tags this plan no longer knows: the cluster tag proves it is the operator's.
    ownershipTags: { [TAG_CLUSTER]: plan.clusterName },
    remainingUsers: [],
    owner,
    event: input.event,
  });
  if (deletion.condition.status === 'True') return withStep(desired.report, true);
  const detail = deletion.condition.reason === 'WaitingInLane' ? `: ${deletion.condition.message}` : '';
  return withStep(partWaiting(CONDITION_PROFILE, 'MovingProfile', `${step.message}${detail}`, deletion.requeueAfterMs ?? DELETING_POLL_MS), true);
}

/** The workload's live Deployment, when it exists and the workload controls it (from the cache). */
function liveDeployment(children: ChildCache, workload: FargateWorkload): (KubernetesObject & Parameters<typeof rolloutComplete>[0]) | undefined {
  return children.observe(workload).children.find((child) => child.kind === 'Deployment' && child.metadata?.name === workload.metadata.name);
}

/**
 * Who still uses the old profile of a move: other workloads that plan it, report it or label
 * their Deployment's pods for it, and running pods labelled for it (any namespace); and whether it
 * still exists.
 */
async function oldProfileUse(input: WorkloadProfileInput, from: string): Promise<{ oldExists: boolean; oldUsers: string[]; oldPods: number }> {
  const { aws, plan, owner } = input;
  const observed = await aws.lanedProfiles.poll(plan.clusterName, from);
  if (!observed) return { oldExists: false, oldUsers: [], oldPods: 0 };
  const planning = remainingProfileUsers(from, plan.clusterName, owner, input.users);
  const labelled = input.children
    .listKind('Deployment')
    .filter((deployment) => !ownedBy(deployment, input.workload.metadata.uid) && profileInUse(deployment) === from)
    .map((deployment) => `Deployment ${deployment.metadata?.namespace ?? ''}/${deployment.metadata?.name ?? ''}`);
  const pods = await input.objects.list('v1', 'Pod', undefined, undefined, undefined, undefined, undefined, `${PROFILE_LABEL}=${from}`);
  const running = pods.items.filter((pod) => {
    const phase = (pod as { status?: { phase?: string } }).status?.phase;
    return !pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
  });
  const ours = running.filter((pod) => pod.metadata?.labels?.[LABEL_WORKLOAD] === input.workload.metadata.name && pod.metadata?.namespace === input.workload.metadata.namespace);
  // Pods of other workloads on it are theirs to move; counted as users, they keep the profile.
  const others = running.length - ours.length;
  const users = [...planning, ...labelled, ...(others > 0 ? [`${others} other pod(s)`] : [])];
  return { oldExists: true, oldUsers: users, oldPods: ours.length };
}
