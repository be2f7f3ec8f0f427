/**
 * The workload's Fargate profile as a dependent part: observe it, create it through the cluster's
 * profile lane when it is missing (within the quota), poll while it is CREATING, and delete it
 * through the lane when the workload goes and nothing else uses it. Every call returns at once
 * with a report; moving states ask for a requeue instead of blocking a worker.
 */
import { TAG_CLUSTER } from '../../api/constants.js';
import { classifyAwsError } from '../../aws/error-classifier.js';
import { profileDifferences, type ObservedProfile } from '../../aws/fargate-profiles.js';
import { isOwnedBy } from '../../aws/iam-roles.js';
import type { FargateProfilePlan } from '../../plan/index.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_PROFILE, partReady, partStalled, partWaiting, type PartEvent, type PartReport } from './part-report.js';
import { laneWaitMessage, profileOwnershipTags, quotaProblem } from './profile-usage.js';

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
      // A profile is immutable: differences are reported; replacing it is a profile move.
      const differences = profileDifferences(plan, observed);
      const message = differences.length > 0 ? `ACTIVE, but it differs from the plan: ${differences.join('; ')}` : '';
      return result(partReady(CONDITION_PROFILE, 'Active', message), true);
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
    const classified = classifyAwsError(err);
    input.event('Warning', 'FargateProfileCreateFailed', `creating Fargate profile ${plan.name}: ${classified.code}: ${classified.message}`);
    if (classified.kind !== 'terminal') throw err;
    return {
      report: partStalled(CONDITION_PROFILE, classified.reason ?? 'ProfileCreateRejected', `creating Fargate profile ${plan.name}: ${classified.code}: ${classified.message}`),
      status: pending,
      active: false,
    };
  }
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
