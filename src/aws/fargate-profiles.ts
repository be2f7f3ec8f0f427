/**
 * EKS Fargate profiles: describe, list, create, delete. A profile is immutable apart from its
 * tags, so there is no update; {@link profileDifferences} tells the caller when a profile no
 * longer matches its spec and has to be replaced.
 */
import {
  CreateFargateProfileCommand,
  DeleteFargateProfileCommand,
  DescribeFargateProfileCommand,
  type EKSClient,
  type FargateProfile,
  paginateListFargateProfiles,
  TagResourceCommand,
} from '@aws-sdk/client-eks';
import { randomUUID } from 'node:crypto';
import { isNotFound } from './error-classifier.js';

/** The statuses EKS reports. */
export type ProfileStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'CREATE_FAILED' | 'DELETE_FAILED';

/** One selector: namespace and labels, `*` and `?` allowed. */
export interface ProfileSelectorSpec {
  namespace: string;
  labels: Record<string, string>;
}

/** The desired profile, as the planner describes it (`FargateProfilePlan` fits this shape). */
export interface FargateProfileSpec {
  name: string;
  clusterName: string;
  subnets: readonly string[];
  selectors: readonly ProfileSelectorSpec[];
  podExecutionRoleArn: string;
  tags: Record<string, string>;
}

/** A health issue EKS reports for a CREATE_FAILED / DELETE_FAILED profile. */
export interface ProfileHealthIssue {
  code: string;
  message: string;
  resourceIds: string[];
}

/** A profile as EKS holds it. */
export interface ObservedProfile {
  name: string;
  clusterName: string;
  arn: string;
  status: ProfileStatus;
  subnets: string[];
  selectors: ProfileSelectorSpec[];
  podExecutionRoleArn: string;
  tags: Record<string, string>;
  healthIssues: ProfileHealthIssue[];
  createdAt?: Date;
}

/** Fargate profile operations the reconcilers are handed. */
export interface FargateProfileStore {
  /** The profile, or undefined when it does not exist (deleted profiles vanish). */
  describe(clusterName: string, profileName: string): Promise<ObservedProfile | undefined>;
  /** The names of the cluster's profiles. */
  listNames(clusterName: string): Promise<string[]>;
  /** Every profile of the cluster, described (what the profile lane observes). */
  list(clusterName: string): Promise<ObservedProfile[]>;
  /** Starts creating the profile (it is CREATING afterwards). Go through the profile lane first. */
  create(spec: FargateProfileSpec): Promise<ObservedProfile>;
  /** Starts deleting the profile; false when it was already gone. Go through the profile lane first. */
  delete(clusterName: string, profileName: string): Promise<boolean>;
  /** Adds or changes tags of an existing profile (EKS TagResource; not a profile operation, no lane). */
  tag(profileArn: string, tags: Record<string, string>): Promise<void>;
}

function selectorKey(selector: ProfileSelectorSpec): string {
  const labels = Object.entries(selector.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([selector.namespace, labels]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((item, i) => item === right[i]);
}

/**
 * How an existing profile differs from its spec in the fields EKS cannot change (subnets,
 * selectors, pod execution role); empty when it matches. Tags are not compared here.
 */
export function profileDifferences(spec: FargateProfileSpec, observed: ObservedProfile): string[] {
  const differences: string[] = [];
  if (!sameSet(spec.subnets, observed.subnets)) {
    differences.push(`subnets are ${[...observed.subnets].sort().join(', ')}, the spec wants ${[...spec.subnets].sort().join(', ')}`);
  }
  if (!sameSet(spec.selectors.map(selectorKey), observed.selectors.map(selectorKey))) {
    differences.push('selectors differ from the spec');
  }
  if (spec.podExecutionRoleArn !== observed.podExecutionRoleArn) {
    differences.push(`pod execution role is ${observed.podExecutionRoleArn}, the spec wants ${spec.podExecutionRoleArn}`);
  }
  return differences;
}

/** True while EKS holds the cluster's one profile operation for this profile. */
export function isInTransition(status: ProfileStatus): status is 'CREATING' | 'DELETING' {
  return status === 'CREATING' || status === 'DELETING';
}

function observedProfile(profile: FargateProfile, clusterName: string): ObservedProfile {
  return {
    name: profile.fargateProfileName ?? '',
    clusterName: profile.clusterName ?? clusterName,
    arn: profile.fargateProfileArn ?? '',
    status: (profile.status ?? 'CREATING') as ProfileStatus,
    subnets: profile.subnets ?? [],
    selectors: (profile.selectors ?? []).map((selector) => ({ namespace: selector.namespace ?? '', labels: selector.labels ?? {} })),
    podExecutionRoleArn: profile.podExecutionRoleArn ?? '',
    tags: profile.tags ?? {},
    healthIssues: (profile.health?.issues ?? []).map((issue) => ({
      code: issue.code ?? 'Unknown',
      message: issue.message ?? '',
      resourceIds: issue.resourceIds ?? [],
    })),
    ...(profile.createdAt ? { createdAt: profile.createdAt } : {}),
  };
}

/** {@link FargateProfileStore} on the AWS SDK. */
export class SdkFargateProfileStore implements FargateProfileStore {
  constructor(private readonly eks: EKSClient) {}

  async describe(clusterName: string, profileName: string): Promise<ObservedProfile | undefined> {
    try {
      const got = await this.eks.send(new DescribeFargateProfileCommand({ clusterName, fargateProfileName: profileName }));
      return got.fargateProfile ? observedProfile(got.fargateProfile, clusterName) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listNames(clusterName: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListFargateProfiles({ client: this.eks }, { clusterName })) {
      names.push(...(page.fargateProfileNames ?? []));
    }
    return names;
  }

  async list(clusterName: string): Promise<ObservedProfile[]> {
    const profiles: ObservedProfile[] = [];
    for (const name of await this.listNames(clusterName)) {
      // A profile can vanish between the list and the describe (its delete finished).
      const profile = await this.describe(clusterName, name);
      if (profile) profiles.push(profile);
    }
    return profiles;
  }

  /**
   * One token per create: the SDK's retries of this call (after a lost response) carry it, so EKS
   * answers them with the profile the first attempt made instead of ResourceInUseException. It is
   * not derived from the spec: a later create of the same name (after a delete) is a new request,
   * which a replayed answer would turn into a loop. A create cut short by a crash needs no token:
   * the next reconcile finds the profile and adopts it by its ownership tags.
   */
  async create(spec: FargateProfileSpec): Promise<ObservedProfile> {
    const created = await this.eks.send(
      new CreateFargateProfileCommand({
        clientRequestToken: randomUUID(),
        clusterName: spec.clusterName,
        fargateProfileName: spec.name,
        podExecutionRoleArn: spec.podExecutionRoleArn,
        subnets: [...spec.subnets],
        selectors: spec.selectors.map((selector) => ({ namespace: selector.namespace, labels: { ...selector.labels } })),
        tags: { ...spec.tags },
      }),
    );
    if (!created.fargateProfile) throw new Error(`CreateFargateProfile for ${spec.name} returned no profile`);
    return observedProfile(created.fargateProfile, spec.clusterName);
  }

  async delete(clusterName: string, profileName: string): Promise<boolean> {
    try {
      await this.eks.send(new DeleteFargateProfileCommand({ clusterName, fargateProfileName: profileName }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async tag(profileArn: string, tags: Record<string, string>): Promise<void> {
    await this.eks.send(new TagResourceCommand({ resourceArn: profileArn, tags: { ...tags } }));
  }
}
