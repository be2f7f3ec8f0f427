/**
 * The workload's Fargate profile: the shared laned-profile part (laned-profile.ts) with the
 * workload's ownership tags, quota and adoption, plus the move of its pods from one profile to
 * another when the planned profile changes (profile-move.ts), and the release of the profiles it
 * no longer plans. A profile it did not plan is deleted only when its status records it, its tags
 * make it the workload's to let go of (releaseRefusal) and no other workload, Deployment or pod uses it.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { LABEL_WORKLOAD, PROFILE_LABEL, TAG_CLUSTER, TAG_DELETION_POLICY } from '../../api/constants.js';
import type { AwsResourceStatus, FargateWorkload } from '../../api/types.js';
import type { FargateProfilePlan, KubeObject } from '../../plan/index.js';
import type { AwsServices } from '../operator-context.js';
import { convergeLanedProfile, CREATING_POLL_MS, DELETING_POLL_MS, deleteLanedProfile, type LanedProfileDeletion, type LanedProfileResult } from '../laned-profile.js';
import { CONDITION_PROFILE, partReady, partWaiting, type PartEvent, type PartReport } from '../part-report.js';
import { ownedBy, profileInUse } from './child-state.js';
import type { ChildCache } from './children-part.js';
import {
  decideProfileMove,
  moveSource,
  MOVING_FROM_ANNOTATION,
  recordedMoveFacts,
  releaseRefusal,
  rolloutComplete,
  withMoveStep,
  type LiveDeploymentFacts,
  type MoveStep,
} from './profile-move.js';
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
async function convergeProfile(input: ProfilePartInput): Promise<LanedProfileResult> {
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
  const facts = moveFacts(input);
  const desired = await convergeProfile(input);
  const from = moveSource(plan.name, facts);
  const settled = facts !== undefined && from !== undefined && facts.podProfile !== from && facts.rolloutComplete;
  const use = settled && from !== undefined ? await oldProfileUse(useInput(input), from) : undefined;
  // A source refused (releaseRefusal) ends the move as kept; releaseAbandonedProfiles says so below.
  const step = decideProfileMove({ desired: plan.name, deployment: facts, desiredActive: desired.active, ...use });
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
    // Planned with tags this plan no longer knows: the cluster tag proves it is the operator's, and
    // oldProfileUse found it the workload's to delete (releaseRefusal) before this step.
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

/**
 * What the live Deployment says of a move, with only the profiles the workload's status records:
 * a pod label or move annotation naming another profile is ignored, and said so.
 */
function moveFacts(input: WorkloadProfileInput): LiveDeploymentFacts | undefined {
  const live = liveDeployment(input.children, input.workload);
  if (!live) return undefined;
  const seen = { podProfile: profileInUse(live), movingFrom: live.metadata?.annotations?.[MOVING_FROM_ANNOTATION], rolloutComplete: rolloutComplete(live) };
  const { facts, ignored } = recordedMoveFacts(seen, input.plan.name, input.recorded);
  for (const name of ignored) input.event('Warning', 'MoveSourceIgnored', ignoredMoveSourceMessage(name));
  return facts;
}

/** Says that a profile the Deployment names but the status does not record is left alone. */
export function ignoredMoveSourceMessage(profileName: string): string {
  return `the Deployment names Fargate profile ${profileName} (pod label or ${MOVING_FROM_ANNOTATION}), which this workload's status does not record: it is ignored, nothing is moved from it or deleted`;
}

/** The workload's live Deployment, when it exists and the workload controls it (from the cache). */
function liveDeployment(children: ChildCache, workload: FargateWorkload): (KubernetesObject & Parameters<typeof rolloutComplete>[0]) | undefined {
  return children.observe(workload).children.find((child) => child.kind === 'Deployment' && child.metadata?.name === workload.metadata.name);
}

/** What finding out who uses a profile the workload no longer plans needs. */
export interface ProfileUseInput {
  aws: AwsServices;
  clusterName: string;
  /** The workload's queue key. */
  owner: string;
  objects: KubernetesObjectApi;
  children: ChildCache;
  workload: FargateWorkload;
  users: () => readonly ProfileUser[];
}

/** Who uses what: the part of the profile input that {@link oldProfileUse} reads. */
function useInput(input: WorkloadProfileInput): ProfileUseInput {
  return { ...input, clusterName: input.plan.clusterName };
}

/** Who uses a profile the workload no longer plans, and whether it is the workload's to delete at all. */
interface OldProfileUse {
  oldExists: boolean;
  oldUsers: string[];
  oldPods: number;
  /** Why it is not the workload's to delete (releaseRefusal); nothing else is looked at then. */
  oldRefusal?: string;
}

/**
 * Who still uses the old profile of a move: other workloads that plan it, report it or label
 * their Deployment's pods for it, and running pods labelled for it (any namespace); whether it
 * still exists; and whether its tags make it the workload's to delete.
 */
async function oldProfileUse(input: ProfileUseInput, from: string): Promise<OldProfileUse> {
  const { aws, clusterName, owner, workload } = input;
  const observed = await aws.lanedProfiles.poll(clusterName, from);
  if (!observed) return { oldExists: false, oldUsers: [], oldPods: 0 };
  const refusal = releaseRefusal(observed, { clusterName, namespace: workload.metadata.namespace ?? '', name: workload.metadata.name ?? '' });
  if (refusal !== undefined) return { oldExists: true, oldUsers: [], oldPods: 0, oldRefusal: refusal };
  const planning = remainingProfileUsers(from, clusterName, owner, input.users());
  const labelled = input.children
    .listKind('Deployment')
    .filter((deployment) => !ownedBy(deployment, workload.metadata.uid) && profileInUse(deployment) === from)
    .map((deployment) => `Deployment ${deployment.metadata?.namespace ?? ''}/${deployment.metadata?.name ?? ''}`);
  const pods = await input.objects.list('v1', 'Pod', undefined, undefined, undefined, undefined, undefined, `${PROFILE_LABEL}=${from}`);
  const running = pods.items.filter((pod) => {
    const phase = (pod as { status?: { phase?: string } }).status?.phase;
    // The label is checked here too, not left to the selector alone.
    return pod.metadata?.labels?.[PROFILE_LABEL] === from && !pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
  });
  const ours = running.filter((pod) => pod.metadata?.labels?.[LABEL_WORKLOAD] === workload.metadata.name && pod.metadata?.namespace === workload.metadata.namespace);
  // Pods of other workloads on it are theirs to move; counted as users, they keep the profile.
  const others = running.length - ours.length;
  const users = [...planning, ...labelled, ...(others > 0 ? [`${others} other pod(s)`] : [])];
  return { oldExists: true, oldUsers: users, oldPods: ours.length };
}

/** What deleting, on the workload's delete, a profile it no longer plans needs. */
export interface OldProfileRelease extends ProfileUseInput {
  event: PartEvent;
}

/**
 * On the workload's delete, deletes a profile its status records but its plan no longer names (a
 * move's source, an earlier plan's) with the checks a move makes: only one that is the
 * workload's to delete (releaseRefusal), and only once no other workload, Deployment or pod uses
 * it. The workload's own pods are going with its Deployment and do not keep it.
 */
export async function releaseOldProfile(input: OldProfileRelease, profileName: string): Promise<PartReport> {
  const { aws, clusterName, owner } = input;
  const remainingUsers = remainingProfileUsers(profileName, clusterName, owner, input.users());
  const use = remainingUsers.length > 0 ? undefined : await oldProfileUse(input, profileName);
  if (use?.oldRefusal !== undefined) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    input.event('Warning', 'FargateProfileKept', `kept Fargate profile ${profileName}: ${use.oldRefusal}`);
    return partReady(CONDITION_PROFILE, 'Kept', `Fargate profile ${profileName} is kept: ${use.oldRefusal}`);
  }
  return deleteProfile({
    aws,
    clusterName,
    profileName,
    // Planned with tags this plan no longer knows: the cluster tag proves it is the operator's (releaseRefusal checked the rest).
    ownershipTags: { [TAG_CLUSTER]: clusterName },
    remainingUsers: use ? use.oldUsers : remainingUsers,
    owner,
    event: input.event,
  });
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
 * workloads use it, pods still run on it, its tags make it not the workload's to delete
 * (releaseRefusal), or the workload retains what it made. Returns those still on their way out.
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
    const use = await oldProfileUse(useInput(input), name);
    if (use.oldRefusal !== undefined) input.event('Warning', 'FargateProfileKept', `kept Fargate profile ${name}, no longer planned: ${use.oldRefusal}`);
    if (!use.oldExists || use.oldRefusal !== undefined || use.oldUsers.length > 0) continue;
    if (use.oldPods > 0) {
      pending.push({ name, report: partWaiting(CONDITION_PROFILE, 'Releasing', `profile ${name} is deleted once its ${use.oldPods} pod(s) are gone`, CREATING_POLL_MS) });
      continue;
    }
    const report = await deleteProfile({
      aws,
      clusterName: plan.clusterName,
      profileName: name,
      // Planned with tags this plan no longer knows: the cluster tag proves it is the operator's (releaseRefusal checked the rest).
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
