/**
 * A Fargate profile as a dependent part, for every profile the operator makes (a workload's, the
 * cluster's CoreDNS profile): observe it, create it through the cluster's profile lane when it is
 * missing (within the quota), poll while it is CREATING, report an ACTIVE one that differs from
 * its plan (profiles are immutable), and delete it through the lane once nothing uses it. Every
 * call returns at once with a report; moving states ask for a requeue instead of blocking a
 * worker. The lane (src/aws/profile-lane.ts) keeps EKS's one profile in transition per cluster.
 */
import { ADOPT_ANNOTATION, TAG_CLUSTER } from '../api/constants.js';
import { classifyAwsError, describeClassified, mayBePropagationLag } from '../aws/error-classifier.js';
import { profileDifferences, type ObservedProfile } from '../aws/fargate-profiles.js';
import { isOwnedBy, taggedForAnother } from '../aws/ownership.js';
import type { FargateProfilePlan } from '../plan/index.js';
import type { AwsServices } from './operator-context.js';
import { partReady, partStalled, partWaiting, type PartEvent, type PartReport } from './part-report.js';
import { laneWaitMessage, quotaProblem } from './workload/profile-usage.js';

/** How often a CREATING profile is polled (creation takes 30 s to 6 min). */
export const CREATING_POLL_MS = 5_000;
/** How often a DELETING profile is polled (deletion takes up to 20 min). */
export const DELETING_POLL_MS = 5_000;
/** Shortest requeue while waiting in the lane. */
const MIN_LANE_REQUEUE_MS = 1_000;

/** A profile part's outcome: the report, and the profile as last seen (for status). */
export interface LanedProfileResult {
  report: PartReport;
  /** Name and status for status; PENDING while it does not exist yet. */
  status: { name: string; status: string };
  /** The profile is ACTIVE: pods matching its selectors get scheduled. */
  active: boolean;
}

/** What converging one profile needs. */
export interface LanedProfileInput {
  aws: AwsServices;
  plan: FargateProfilePlan;
  /** The condition the reports set (FargateProfileReady, CoreDNSReady). */
  conditionType: string;
  /** Lane owner: the owning object's queue key. */
  owner: string;
  /** The tags that prove the operator made it (see ownership.ts). */
  ownershipTags: Record<string, string>;
  /**
   * A profile of that name without the ownership tags is used anyway, and tagged as planned (the
   * owner carries the adopt annotation), unless the operator tagged it for someone else.
   */
  adopt?: boolean;
  /** How to adopt an untagged profile, when the owner can; said in the NotOwned message. */
  adoptHint?: string;
  /** The cluster's profile quota (FargateCluster spec.profiles.maxProfiles); checked before a create. */
  maxProfiles?: number;
  /** What the profile is for, in event messages (" for CoreDNS"); empty for a workload's own. */
  purpose?: string;
  /**
   * Tags that follow the owner's spec (a Dedicated profile's deletionPolicy): written with
   * TagResource when an ACTIVE profile carries other values. Profiles are otherwise immutable.
   */
  followingTags?: Record<string, string>;
  event: PartEvent;
}

function failureMessage(profile: ObservedProfile): string {
  const issues = profile.healthIssues.map((issue) => `${issue.code}: ${issue.message}${issue.resourceIds.length > 0 ? ` (${issue.resourceIds.join(', ')})` : ''}`);
  return `Fargate profile ${profile.name} is ${profile.status}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`;
}

/** Converges one profile: exists, owned, ACTIVE and as planned. */
export async function convergeLanedProfile(input: LanedProfileInput): Promise<LanedProfileResult> {
  const { aws, plan, owner, conditionType: type } = input;
  const observed = await aws.lanedProfiles.poll(plan.clusterName, plan.name);
  if (!observed) return createProfile(input);
  const status = { name: observed.name, status: observed.status };
  const result = (report: PartReport, active = false): LanedProfileResult => ({ report, status, active });
  const owned = isOwnedBy(observed, input.ownershipTags);
  const theirs = owned ? undefined : taggedForAnother(observed.tags, plan.tags);
  if (!owned && (!input.adopt || theirs !== undefined)) {
    aws.lanedProfiles.withdraw(plan.clusterName, owner);
    const wanted = Object.entries(input.ownershipTags).map(([key, value]) => `${key}=${value}`).join(', ');
    const why = theirs !== undefined ? `: it is tagged as the operator's for ${theirs}${input.adoptHint ? `, which ${ADOPT_ANNOTATION} does not take` : ''}` : input.adoptHint ? `. ${input.adoptHint}` : '';
    return result(partStalled(type, 'NotOwned', `Fargate profile ${plan.name} does not carry the ownership tags the operator gives it here (${wanted}); it is left untouched${why}`));
  }
  switch (observed.status) {
    case 'CREATING':
      return result(partWaiting(type, 'Creating', `Fargate profile ${plan.name} is CREATING`, CREATING_POLL_MS));
    case 'DELETING':
      return result(partWaiting(type, 'Deleting', `Fargate profile ${plan.name} is DELETING; it is created again once it is gone`, DELETING_POLL_MS));
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      aws.lanedProfiles.withdraw(plan.clusterName, owner);
      return result(partStalled(type, observed.status === 'CREATE_FAILED' ? 'ProfileCreateFailed' : 'ProfileDeleteFailed', failureMessage(observed)));
    case 'ACTIVE': {
      aws.lanedProfiles.withdraw(plan.clusterName, owner);
      // An adopted profile takes the planned tags: from then on it is the operator's like one it made.
      const following = owned ? (input.followingTags ?? {}) : { ...plan.tags, ...input.followingTags };
      const stale = Object.entries(following).filter(([key, value]) => observed.tags[key] !== value);
      if (stale.length > 0) {
        // With the cluster tag: the operator's IAM policy allows TagResource only with it in the request.
        await aws.profiles.tag(observed.arn, { [TAG_CLUSTER]: plan.clusterName, ...Object.fromEntries(stale) });
        input.event('Normal', 'FargateProfileTagged', `tagged Fargate profile ${plan.name}: ${stale.map(([key, value]) => `${key}=${value}`).join(', ')}`);
      }
      // A profile is immutable and pods may run on it: differences are reported, the profile is left as it is.
      const differences = profileDifferences(plan, observed);
      if (differences.length === 0) return result(partReady(type, 'Active'), true);
      return result(
        partWaiting(
          type,
          'ProfileImmutable',
          `Fargate profile ${plan.name} is ACTIVE, but it differs from the plan: ${differences.join('; ')}. Profiles are immutable and pods may run on it, so it is left as it is: delete it yourself, or change the spec so that another profile is planned (a move)`,
        ),
        true,
      );
    }
  }
}

async function createProfile(input: LanedProfileInput): Promise<LanedProfileResult> {
  const { aws, plan, owner, conditionType: type } = input;
  const pending = { name: plan.name, status: 'PENDING' };
  if (input.maxProfiles !== undefined) {
    const names = await aws.profiles.listNames(plan.clusterName);
    const overQuota = quotaProblem(names.length, input.maxProfiles);
    if (overQuota) {
      aws.lanedProfiles.withdraw(plan.clusterName, owner);
      return { report: partStalled(type, 'ProfileQuotaExceeded', overQuota), status: pending, active: false };
    }
  }
  try {
    const outcome = await aws.lanedProfiles.create(plan, owner);
    if (!outcome.started) {
      const { decision } = outcome;
      return {
        report: partWaiting(type, 'WaitingInLane', laneWaitMessage(decision, 'create', plan.name), Math.max(decision.requeueAfterMs, MIN_LANE_REQUEUE_MS)),
        status: pending,
        active: false,
      };
    }
    input.event('Normal', 'FargateProfileCreating', `creating Fargate profile ${plan.name} on cluster ${plan.clusterName}${input.purpose ?? ''}`);
    return {
      report: partWaiting(type, 'Creating', `Fargate profile ${plan.name} is CREATING`, CREATING_POLL_MS),
      status: { name: plan.name, status: outcome.profile?.status ?? 'CREATING' },
      active: false,
    };
  } catch (err) {
    // A young execution role may not be visible to EKS yet: retried quietly within the window, meant after it.
    const identityAgeMs = mayBePropagationLag(err) ? await roleAgeMs(aws, plan.podExecutionRoleArn) : undefined;
    const classified = classifyAwsError(err, identityAgeMs === undefined ? {} : { identityAgeMs });
    if (classified.reason === 'IamPropagation') throw err;
    input.event('Warning', 'FargateProfileCreateFailed', `creating Fargate profile ${plan.name}: ${describeClassified(classified)}`);
    if (classified.kind !== 'terminal') throw err;
    return {
      report: partStalled(type, classified.reason ?? 'ProfileCreateRejected', `creating Fargate profile ${plan.name}: ${describeClassified(classified)}`),
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

/** What deleting one profile needs. */
export interface LanedProfileDeletion {
  aws: AwsServices;
  clusterName: string;
  profileName: string;
  conditionType: string;
  /** The tags that prove the operator owns it: an untagged profile is kept. */
  ownershipTags: Record<string, string>;
  /** Others that still use the profile: while there are any, it stays. */
  remainingUsers?: readonly string[];
  owner: string;
  /** What the profile is for, in event messages (" for CoreDNS"). */
  purpose?: string;
  event: PartEvent;
}

/**
 * Deletes the profile through the lane when it is the operator's and nothing else uses it; True
 * once it is gone (or is to be kept). While DELETING, or waiting in the lane, asks for a requeue.
 */
export async function deleteLanedProfile(input: LanedProfileDeletion): Promise<PartReport> {
  const { aws, clusterName, profileName, owner, conditionType: type } = input;
  const remaining = input.remainingUsers ?? [];
  // A profile others still use stays, whatever its state: nothing to read (a thousand users of a
  // Shared profile deleted together make no describe each).
  if (remaining.length > 0) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    return partReady(type, 'Kept', `Fargate profile ${profileName} is kept: still used by ${remaining.join(', ')}`);
  }
  const observed = await aws.lanedProfiles.poll(clusterName, profileName);
  if (!observed) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    return partReady(type, 'Deleted', `Fargate profile ${profileName} is gone`);
  }
  if (!isOwnedBy(observed, input.ownershipTags)) {
    aws.lanedProfiles.withdraw(clusterName, owner);
    return partReady(type, 'Kept', `Fargate profile ${profileName} is kept: not tagged as the operator's`);
  }
  if (observed.status === 'DELETING') return partWaiting(type, 'Deleting', `Fargate profile ${profileName} is DELETING`, DELETING_POLL_MS);
  // EKS cannot delete a profile while it is CREATING: wait for it to settle.
  if (observed.status === 'CREATING') return partWaiting(type, 'Creating', `Fargate profile ${profileName} is CREATING; it is deleted once ACTIVE`, CREATING_POLL_MS);
  const outcome = await aws.lanedProfiles.delete(clusterName, profileName, owner);
  if (!outcome.started) {
    const { decision } = outcome;
    return partWaiting(type, 'WaitingInLane', laneWaitMessage(decision, 'delete', profileName), Math.max(decision.requeueAfterMs, MIN_LANE_REQUEUE_MS));
  }
  if (outcome.existed === false) return partReady(type, 'Deleted', `Fargate profile ${profileName} is gone`);
  input.event('Normal', 'FargateProfileDeleting', `deleting Fargate profile ${profileName} on cluster ${clusterName}${input.purpose ?? ''}`);
  return partWaiting(type, 'Deleting', `Fargate profile ${profileName} is DELETING`, DELETING_POLL_MS);
}
