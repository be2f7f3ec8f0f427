/**
 * The workload's Fargate profile as a dependent part: observe it, create it through the cluster's
 * profile lane when it is missing (within the quota), poll while it is CREATING, and delete it
 * through the lane when the workload goes and nothing else uses it. Every call returns at once
 * with a report; moving states ask for a requeue instead of blocking a worker.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { LABEL_WORKLOAD, PROFILE_LABEL, TAG_CLUSTER } from '../../api/constants.js';
import type { FargateWorkload } from '../../api/types.js';
import { classifyAwsError, mayBePropagationLag } from '../../aws/error-classifier.js';
import { profileDifferences, type ObservedProfile } from '../../aws/fargate-profiles.js';
import { isOwnedBy } from '../../aws/ownership.js';
import type { FargateProfilePlan, KubeObject } from '../../plan/index.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_PROFILE, partReady, partStalled, partWaiting, type PartEvent, type PartReport } from '../part-report.js';
import { ownedBy, profileInUse } from './child-state.js';
import type { ChildCache } from './children-part.js';
import { decideProfileMove, moveSource, MOVING_FROM_ANNOTATION, rolloutComplete, withMoveStep, type LiveDeploymentFacts, type MoveStep } from './profile-move.js';
import { laneWaitMessage, profileOwnershipTags, quotaProblem, remainingProfileUsers, type ProfileUser } from './profile-usage.js';

/** How often a CREATING profile is polled (creation takes 30 s to 6 min). */
export const CREATING_POLL_MS = 5_000;
/** How often a DELETING profile is polled (deletion takes up to 20 min). */
export const DELETING_POLL_MS = 5_000;
/** Shortest requeue while waiting in the lane. */
const MIN_LANE_REQUEUE_MS = 1_000;

/** A profile-part outcome: the report, and the profile as last seen (for status). */
export interface ProfilePartResult {
  report: PartReport;
  /** Name and status for `status.fargateProfile`; PENDING while it does not exist yet. */
  status: { name: string; status: string };
  /** The profile is ACTIVE: pods labelled for it get scheduled. */
  active: boolean;
}

/** What converging the profile needs. */
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

/** Converges the workload's profile: exists, owned, ACTIVE. */
export async function convergeProfile(input: ProfilePartInput): Promise<ProfilePartResult> {
  const { aws, plan, owner } = input;
  const observed = await aws.lanedProfiles.poll(plan.clusterName, plan.name);
  if (!observed) return createProfile(input);
  const status = { name: observed.name, status: observed.status };
  const result = (report: PartReport, active = false): ProfilePartResult => ({ report, status, active });
  if (!isOwnedBy(observed, profileOwnershipTags(plan.tags)) && !input.adopt) {
    aws.lanedProfiles.withdraw(plan.clusterName, owner);
    return result(
      partStalled(
        CONDITION_PROFILE,
        'NotOwned',
        `Fargate profile ${plan.name} exists without the operator's ownership tags (${TAG_CLUSTER}=${plan.clusterName}); it is left untouched. Annotate the workload with fargate.eksops.dev/adopt: "true" to use it`,
      ),
    );
  }
  switch (observed.status) {
    case 'CREATING':
      return result(partWaiting(CONDITION_PROFILE, 'Creating', `Fargate profile ${plan.name} is CREATING`, CREATING_POLL_MS));
    case 'DELETING':
      return result(
        partWaiting(CONDITION_PROFILE, 'Deleting', `Fargate profile ${plan.name} is DELETING; it is created again once it is gone`, DELETING_POLL_MS),
      );
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      aws.lanedProfiles.withdraw(plan.clusterName, owner);
      return result(partStalled(CONDITION_PROFILE, observed.status === 'CREATE_FAILED' ? 'ProfileCreateFailed' : 'ProfileDeleteFailed', failureMessage(observed)));
    case 'ACTIVE': {
      aws.lanedProfiles.withdraw(plan.clusterName, owner);
      // A profile is immutable and pods may run on it: differences are reported, the profile is left as it is.
      const differences = profileDifferences(plan, observed);
      if (differences.length === 0) return result(partReady(CONDITION_PROFILE, 'Active'), true);
      return result(
        partWaiting(
          CONDITION_PROFILE,
          'ProfileImmutable',
          `Fargate profile ${plan.name} is ACTIVE, but it differs from the plan: ${differences.join('; ')}. Profiles are immutable and pods may run on it, so it is left as it is: delete it yourself, or change the workload so that it plans another profile (a move)`,
        ),
        true,
      );
    }
  }
}

async function createProfile(input: ProfilePartInput): Promise<ProfilePartResult> {
  const { aws, plan, owner } = input;
  const pending = { name: plan.name, status: 'PENDING' };
  const names = await aws.profiles.listNames(plan.clusterName);
  const overQuota = quotaProblem(names.length, input.maxProfiles);
  if (overQuota) {
    aws.lanedProfiles.withdraw(plan.clusterName, owner);
    return { report: partStalled(CONDITION_PROFILE, 'ProfileQuotaExceeded', overQuota), status: pending, active: false };
  }
  try {
    const outcome = await aws.lanedProfiles.create(plan, owner);
    if (!outcome.started) {
      const { decision } = outcome;
      return {
        report: partWaiting(
          CONDITION_PROFILE,
          'WaitingInLane',
          laneWaitMessage(decision, 'create', plan.name),
          Math.max(decision.requeueAfterMs, MIN_LANE_REQUEUE_MS),
        ),
        status: pending,
        active: false,
      };
    }
    input.event('Normal', 'FargateProfileCreating', `creating Fargate profile ${plan.name} on cluster ${plan.clusterName}`);
    return {
      report: partWaiting(CONDITION_PROFILE, 'Creating', `Fargate profile ${plan.name} is CREATING`, CREATING_POLL_MS),
      status: { name: plan.name, status: outcome.profile?.status ?? 'CREATING' },
      active: false,
    };
  } catch (err) {
    // A young execution role may not be visible to EKS yet: retried quietly within the window, meant after it.
    const identityAgeMs = mayBePropagationLag(err) ? await roleAgeMs(aws, plan.podExecutionRoleArn) : undefined;
    const classified = classifyAwsError(err, identityAgeMs === undefined ? {} : { identityAgeMs });
    if (classified.reason === 'IamPropagation') throw err;
    input.event('Warning', 'FargateProfileCreateFailed', `creating Fargate profile ${plan.name}: ${classified.code}: ${classified.message}`);
    if (classified.kind !== 'terminal') throw err;
    return {
      report: partStalled(CONDITION_PROFILE, classified.reason ?? 'ProfileCreateRejected', `creating Fargate profile ${plan.name}: ${classified.code}: ${classified.message}`),
      status: pending,
      active: false,
    };
  }
}

/**
 * How long ago the role was created (IAM's CreateDate against this machine's clock): undefined
 * when it cannot be read (counts as young), infinite when it does not exist (it never will be
 * visible: the answer is meant).
 */
async function roleAgeMs(aws: AwsServices, roleArn: string): Promise<number | undefined> {
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const role = await aws.iamRoles.getRole(name).then((found) => found ?? null, () => undefined);
  if (role === null) return Number.POSITIVE_INFINITY;
  return role?.createdAt ? Math.max(0, Date.now() - role.createdAt.getTime()) : undefined;
}

function failureMessage(profile: ObservedProfile): string {
  const issues = profile.healthIssues.map((issue) => `${issue.code}: ${issue.message}${issue.resourceIds.length > 0 ? ` (${issue.resourceIds.join(', ')})` : ''}`);
  return `Fargate profile ${profile.name} is ${profile.status}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`;
}

/** What deleting a profile needs. */
export interface ProfileDeletionInput {
  aws: AwsServices;
  clusterName: string;
  profileName: string;
  /** The tags that prove the operator owns it (see profileOwnershipTags). */
  ownershipTags: Record<string, string>;
  /** Other workloads that still use the profile: while there are any, it stays. */
  remainingUsers: readonly string[];
  owner: string;
  event: PartEvent;
}

/**
 * Deletes the profile through the lane when it is the operator's and no other workload uses it;
 * ready once it is gone (or is to be kept). While DELETING, or waiting in the lane, asks for a requeue.
 */
export async function deleteProfile(input: ProfileDeletionInput): Promise<PartReport> {
  const { aws, clusterName, profileName, owner } = input;
  const observed = await aws.lanedProfiles.poll(clusterName, profileName);
  if (!observed) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    return partReady(CONDITION_PROFILE, 'Deleted', `Fargate profile ${profileName} is gone`);
  }
  if (input.remainingUsers.length > 0 || !isOwnedBy(observed, input.ownershipTags)) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    const why = input.remainingUsers.length > 0 ? `still used by ${input.remainingUsers.join(', ')}` : 'not tagged as the operator\'s';
    return partReady(CONDITION_PROFILE, 'Kept', `Fargate profile ${profileName} is kept: ${why}`);
  }
  if (observed.status === 'DELETING') {
    return partWaiting(CONDITION_PROFILE, 'Deleting', `Fargate profile ${profileName} is DELETING`, DELETING_POLL_MS);
  }
  if (observed.status === 'CREATING') {
    // EKS cannot delete a profile while it is CREATING: wait for it to settle.
    return partWaiting(CONDITION_PROFILE, 'Creating', `Fargate profile ${profileName} is CREATING; it is deleted once ACTIVE`, CREATING_POLL_MS);
  }
  const outcome = await aws.lanedProfiles.delete(clusterName, profileName, owner);
  if (!outcome.started) {
    const { decision } = outcome;
    return partWaiting(CONDITION_PROFILE, 'WaitingInLane', laneWaitMessage(decision, 'delete', profileName), Math.max(decision.requeueAfterMs, MIN_LANE_REQUEUE_MS));
  }
  if (outcome.existed === false) return partReady(CONDITION_PROFILE, 'Deleted', `Fargate profile ${profileName} is gone`);
  input.event('Normal', 'FargateProfileDeleting', `deleting Fargate profile ${profileName} on cluster ${clusterName}`);
  return partWaiting(CONDITION_PROFILE, 'Deleting', `Fargate profile ${profileName} is DELETING`, DELETING_POLL_MS);
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
export interface WorkloadProfileResult extends ProfilePartResult {
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
