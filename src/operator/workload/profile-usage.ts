/**
 * Pure decisions about a workload's Fargate profile: the quota check before a create, whether a
 * profile is the operator's to touch, whether a profile may go when a workload is deleted, and
 * how a wait in the profile lane reads in status.
 */
import { TAG_DELETION_POLICY, TAG_UID } from '../../api/constants.js';
import type { LaneDecision } from '../../aws/profile-lane.js';

/** The Stalled message when creating one more profile would exceed the cluster's quota, else undefined. */
export function quotaProblem(existingProfiles: number, maxProfiles: number): string | undefined {
  if (existingProfiles < maxProfiles) return undefined;
  return `the cluster has ${existingProfiles} Fargate profiles and the FargateCluster allows at most ${maxProfiles} (spec.profiles.maxProfiles); a new profile cannot be created: use placement Shared, delete unused profiles, or raise the quota`;
}

/**
 * The tags that prove a profile is the operator's: the planned ownership tags without the uid,
 * because a workload deleted and created again (new uid) still owns the profile it planned, and
 * without the deletionPolicy, which the workload may change.
 */
export function profileOwnershipTags(plannedTags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(plannedTags).filter(([key]) => key !== TAG_UID && key !== TAG_DELETION_POLICY));
}

/** Another workload, as far as profile use goes. */
export interface ProfileUser {
  /** Queue key `namespace/name`. */
  key: string;
  clusterName: string;
  /** Profiles this workload plans or still runs on (its status during a move). */
  profileNames: readonly string[];
  /** Being deleted: it will not keep the profile. */
  deleting: boolean;
}

/**
 * The workloads other than `selfKey` that still need `profileName` on `clusterName`; the profile
 * may be deleted only when there are none (a Shared or Namespace profile serves many).
 */
export function remainingProfileUsers(
  profileName: string,
  clusterName: string,
  selfKey: string,
  users: readonly ProfileUser[],
): string[] {
  return users
    .filter((user) => user.key !== selfKey && !user.deleting && user.clusterName === clusterName)
    .filter((user) => user.profileNames.includes(profileName))
    .map((user) => user.key)
    .sort();
}

/** What a lane wait reads as in the FargateProfileReady condition. */
export function laneWaitMessage(decision: Extract<LaneDecision, { granted: false }>, operation: 'create' | 'delete', profileName: string): string {
  const wants = `${operation === 'create' ? 'creating' : 'deleting'} profile ${profileName}`;
  if (!decision.waitingBehind) return `${wants}: waiting for the cluster's profile lane`;
  const { profile, status } = decision.waitingBehind;
  const position = decision.position > 0 ? `, position ${decision.position}` : '';
  return `${wants}: waiting behind profile ${profile} (${status})${position}`;
}
