/**
 * The workload's Fargate profile: the shared laned-profile part (laned-profile.ts) with the
 * workload's ownership tags, quota and adoption, plus the move of its pods from one profile to
 * another when the planned profile changes (profile-move.ts).
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { LABEL_WORKLOAD, PROFILE_LABEL, TAG_CLUSTER, TAG_DELETION_POLICY } from '../../api/constants.js';
import type { AwsResourceStatus, FargateWorkload } from '../../api/types.js';
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
    // What only this workload owns (a Dedicated profile) records its deletionPolicy for the sweep.
    ...(input.plan.tags[TAG_DELETION_POLICY] !== undefined ? { followingTags: { [TAG_DELETION_POLICY]: input.plan.tags[TAG_DELETION_POLICY] } } : {}),
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
  /**
   * Every cached workload's profile use (see profileUsers), asked for only when a profile move needs
   * it: working it out for the fleet on every reconcile made each reconcile cost O(workloads).
   */
  users: () => readonly ProfileUser[];
  /** Profiles the workload's status records (its inventory): any the plan no longer names is let go of. */
  recorded: readonly string[];
  /** `deletionPolicy: Retain`: a profile no longer needed is kept, not deleted. */
  retain: boolean;
}

/** The profile part with the move step, and how the planned children must be adjusted for it. */
export interface WorkloadProfileResult extends LanedProfileResult {
  step: MoveStep;
  /** The workload's profiles as its inventory shows them: the planned one, a move's source, those being let go of. */
  inventory: AwsResourceStatus[];
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
  const inMove = step.kind === 'none' || step.kind === 'done' || step.kind === 'keeping' ? undefined : step.from;
  const releasing = await releaseAbandonedProfiles(input, desired, inMove);
  const inventoryOf = (current: MoveStep): AwsResourceStatus[] => [
    { kind: 'FargateProfile', name: plan.name, state: desired.status.status, ...(plan.placement === 'Dedicated' ? {} : { shared: true }) },
    ...(inMove !== undefined && current.kind !== 'done' ? [{ kind: 'FargateProfile' as const, name: inMove, state: current.kind === 'deleting' ? 'Releasing' : 'InUse' }] : []),
    ...releasing.map(({ name, report }) => ({ kind: 'FargateProfile' as const, name, state: report.condition.reason === 'Deleting' ? 'DELETING' : 'Releasing' })),
  ];
  const withStep = (report: PartReport, active: boolean, current: MoveStep = step): WorkloadProfileResult => ({
    ...desired,
    report: withReleases(report, releasing),
    active,
    step: current,
    adjust: (planned) => planned.map((object) => (object.kind === 'Deployment' ? withMoveStep(object, current) : object)),
    inventory: inventoryOf(current),
  });
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
  if (input.retain) {
    // Kept, and the move is over in this pass: the annotation goes, so no later pass keeps it (or says it) again.
    input.event('Normal', 'FargateProfileRetained', `kept Fargate profile ${step.from} after the move (deletionPolicy Retain)`);
    return withStep(desired.report, true, { kind: 'done', podProfile: step.podProfile, from: step.from, message: `moved from ${step.from}; it is kept (deletionPolicy Retain)` });
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
  // The old profile is gone (or left alone, not being ours): the move is over in this pass, so the
  // Deployment loses the move annotation now, not on a later pass that nothing may trigger before the resync.
  if (deletion.condition.status === 'True') {
    return withStep(desired.report, true, { kind: 'done', podProfile: step.podProfile, from: step.from, message: `moved from ${step.from}: ${deletion.condition.message}` });
  }
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
  const planning = remainingProfileUsers(from, plan.clusterName, owner, input.users());
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

/** A profile the workload is letting go of, and where that stands. */
interface Release {
  name: string;
  report: PartReport;
}

/**
 * Lets go of the profiles the workload's status records but the plan no longer names and no move
 * is using: a profile created before the first rollout and then replaced (subnets or placement
 * changed), or one a crash left half-released. Each is deleted through the lane once the planned
 * profile is ACTIVE (or stalled, so a profile over the quota can make room), unless other
 * workloads use it, pods still run on it, or the workload retains what it made. Returns those
 * still on their way out.
 */
async function releaseAbandonedProfiles(input: WorkloadProfileInput, desired: LanedProfileResult, inMove: string | undefined): Promise<Release[]> {
  const { aws, plan, owner } = input;
  const abandoned = [...new Set(input.recorded)].filter((name) => name !== plan.name && name !== inMove);
  const pending: Release[] = [];
  for (const name of abandoned) {
    if (input.retain) {
      input.event('Normal', 'FargateProfileRetained', `kept Fargate profile ${name}, no longer planned (deletionPolicy Retain)`);
      continue;
    }
    // One profile CREATING or DELETING per cluster: the planned one goes first.
    if (!desired.active && !desired.report.stalled) {
      pending.push({ name, report: partWaiting(CONDITION_PROFILE, 'Releasing', `profile ${name} is deleted once ${plan.name} is ACTIVE`, CREATING_POLL_MS) });
      continue;
    }
    const use = await oldProfileUse(input, name);
    if (!use.oldExists || use.oldUsers.length > 0) continue;
    if (use.oldPods > 0) {
      pending.push({ name, report: partWaiting(CONDITION_PROFILE, 'Releasing', `profile ${name} is deleted once its ${use.oldPods} pod(s) are gone`, CREATING_POLL_MS) });
      continue;
    }
    const report = await deleteProfile({
      aws,
      clusterName: plan.clusterName,
      profileName: name,
      // Planned with tags this plan no longer knows: the cluster tag proves it is the operator's.
      ownershipTags: { [TAG_CLUSTER]: plan.clusterName },
      remainingUsers: [],
      owner,
      event: input.event,
    });
    if (report.condition.status !== 'True') pending.push({ name, report });
  }
  return pending;
}

/** The part's report with the releases still under way: in its message, and polled until done. */
function withReleases(report: PartReport, releasing: readonly Release[]): PartReport {
  if (releasing.length === 0) return report;
  const detail = releasing.map(({ report: r }) => r.condition.message).join('; ');
  const polls = releasing.map(({ report: r }) => r.requeueAfterMs ?? DELETING_POLL_MS);
  const requeueAfterMs = Math.min(...polls, report.requeueAfterMs ?? Number.POSITIVE_INFINITY);
  return { ...report, condition: { ...report.condition, message: `${report.condition.message}; no longer needed: ${detail}` }, requeueAfterMs };
}
