/**
 * The sweep of orphans: AWS resources the operator made for one FargateWorkload (an IRSA role, a
 * Dedicated Fargate profile) whose workload no longer exists, because it was deleted while the
 * operator was not running and its finalizer was removed by hand, or its namespace was forced
 * away. The FargateCluster reconciler runs it when the operator starts and once per resync.
 *
 * A resource is swept only when everything proves it is an orphan: it carries this cluster's
 * ownership tags, the uid of one workload that is not among the live ones, and the deletionPolicy
 * tag `Delete` (a Retain workload's resources, and those made before the tag existed, are never
 * touched); and no live workload plans or records a resource of that name (a workload deleted and
 * created again under the same name owns it again). A role must also trust an OIDC provider of an
 * EKS cluster in this cluster's region: EKS cluster names are regional, so a same-named cluster in
 * another region of the account tags its roles alike, and its roles are not this cluster's to sweep.
 */
import { TAG_CLUSTER, TAG_COMPONENT, TAG_DELETION_POLICY, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../../api/constants.js';
import { withClusterDefaults } from '../../api/defaults.js';
import { federatedPrincipals } from '../../aws/iam-roles.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import { keyOfObject } from '../../kube/object-key.js';
import type { ObservedProfile } from '../../aws/fargate-profiles.js';
import { irsaRoleName } from '../../plan/irsa-role.js';
import { deleteLanedProfile } from '../laned-profile.js';
import type { AwsServices } from '../operator-context.js';
import type { PartEvent } from '../part-report.js';
import { profileUsers } from '../workload/profile-users.js';
import { workloadsOfCluster } from './workload-cluster.js';

/** A resource the sweep looked at: its kind, name and the tags that say whose it is. */
export interface TaggedResource {
  kind: 'IAMRole' | 'FargateProfile';
  name: string;
  tags: Record<string, string>;
}

/** What the live workloads of the cluster hold: their uids, and the names they plan or record (`kind/name`). */
export interface LiveOwners {
  uids: ReadonlySet<string>;
  names: ReadonlySet<string>;
}

/** Components that belong to one workload and so can be orphaned by its deletion. */
const WORKLOAD_COMPONENTS: Record<TaggedResource['kind'], string> = { IAMRole: 'irsa-role', FargateProfile: 'fargate-profile' };

/** The workload a resource is an orphan of (`namespace/name (uid)`), or undefined when it is not one to sweep. */
export function orphanOf(resource: TaggedResource, clusterName: string, live: LiveOwners): string | undefined {
  const { tags } = resource;
  const uid = tags[TAG_UID];
  if (tags[TAG_CLUSTER] !== clusterName || tags[TAG_COMPONENT] !== WORKLOAD_COMPONENTS[resource.kind]) return undefined;
  if (!uid || live.uids.has(uid) || live.names.has(`${resource.kind}/${resource.name}`)) return undefined;
  if (tags[TAG_DELETION_POLICY] !== 'Delete') return undefined;
  return `${tags[TAG_NAMESPACE] ?? '?'}/${tags[TAG_NAME] ?? '?'} (uid ${uid})`;
}

/**
 * The uids of every workload in the cache, and the resource names of those that run on the
 * cluster (being deleted included: their cleanup is under way). Uids are of all workloads: one
 * whose cluster is not known yet (no spec.clusterName, none recorded, two FargateClusters) may
 * already own resources tagged for this cluster.
 */
export function liveOwners(cluster: FargateCluster, workloads: readonly FargateWorkload[], clusters: readonly FargateCluster[]): LiveOwners {
  const name = cluster.metadata.name ?? '';
  const ours = workloadsOfCluster(name, workloads, clusters.map(keyOfObject));
  const uids = new Set(workloads.map((workload) => workload.metadata.uid).filter((uid): uid is string => Boolean(uid)));
  const names = new Set<string>();
  for (const workload of ours) {
    names.add(`IAMRole/${irsaRoleName(name, cluster.spec.region, workload.metadata.namespace ?? '', workload.metadata.name ?? '')}`);
    const recorded = workload.status?.iamRoleArn;
    if (recorded) names.add(`IAMRole/${recorded.slice(recorded.lastIndexOf('/') + 1)}`);
    for (const resource of workload.status?.awsResources ?? []) names.add(`${resource.kind}/${resource.name}`);
  }
  for (const user of profileUsers(ours, clusters)) for (const profile of user.profileNames) names.add(`FargateProfile/${profile}`);
  return { uids, names };
}

/** What one sweep needs. */
export interface SweepInput {
  aws: AwsServices;
  cluster: FargateCluster;
  /** The cluster's profiles, as the reconcile already read them. */
  profiles: readonly ObservedProfile[];
  live: LiveOwners;
  /** Lane owner for profile deletes. */
  owner: string;
  event: PartEvent;
  /** Counts each resource swept, by kind. */
  swept: (kind: TaggedResource['kind']) => void;
}

/** What a sweep did: the resources deleted (or being deleted), as `Kind name`. */
export interface SweepResult {
  deleted: string[];
}

/**
 * Finds and deletes the cluster's orphans. Roles: those under the role path whose names no live
 * workload has are read (their tags) and judged; profiles: from the reconcile's own list. Profile
 * deletes go through the cluster's lane; one still CREATING or waiting in the lane is taken at a
 * later sweep.
 */
export async function sweepOrphans(input: SweepInput): Promise<SweepResult> {
  const { aws, live } = input;
  const cluster = withClusterDefaults(input.cluster);
  const clusterName = cluster.metadata.name ?? '';
  const deleted: string[] = [];
  const rolePath = cluster.spec.iam?.rolePath ?? '/';
  for (const name of await aws.iamRoles.roleNamesUnder(rolePath)) {
    if (live.names.has(`IAMRole/${name}`)) continue;
    // Its tags tell whose it is (one read); the delete lists its policies.
    const role = await aws.iamRoles.getRoleHead(name);
    const owner = role && orphanOf({ kind: 'IAMRole', name, tags: role.tags }, clusterName, live);
    if (!owner || !trustsEksClusterOf(role.trustPolicy, cluster.spec.region)) continue;
    if (await aws.iamRoles.deleteRole(name)) {
      input.event('Normal', 'OrphanDeleted', `deleted IAM role ${role.arn}: its FargateWorkload ${owner} no longer exists`);
      input.swept('IAMRole');
      deleted.push(`IAMRole ${name}`);
    }
  }
  for (const profile of input.profiles) {
    // One already DELETING was counted when its delete started.
    if (profile.status === 'DELETING') continue;
    const owner = orphanOf({ kind: 'FargateProfile', name: profile.name, tags: profile.tags }, clusterName, live);
    if (!owner) continue;
    const report = await deleteLanedProfile({
      aws,
      clusterName,
      profileName: profile.name,
      ownershipTags: { [TAG_CLUSTER]: clusterName },
      owner: input.owner,
      conditionType: 'OrphanSweep',
      event: input.event,
    });
    if (report.condition.reason === 'Deleting' || report.condition.reason === 'Deleted') {
      input.event('Normal', 'OrphanDeleted', `deleting Fargate profile ${profile.name}: its FargateWorkload ${owner} no longer exists`);
      input.swept('FargateProfile');
      deleted.push(`FargateProfile ${profile.name}`);
    }
  }
  return { deleted };
}

/**
 * Whether a trust policy lets in the OIDC provider of an EKS cluster of this region
 * (`oidc.eks.<region>.amazonaws.com`): the region, not the whole issuer, so that a role orphaned
 * before the EKS cluster was made again under its name (a new issuer) is still this cluster's.
 */
function trustsEksClusterOf(trustPolicy: unknown, region: string): boolean {
  return federatedPrincipals(trustPolicy).some((principal) => principal.includes(`:oidc-provider/oidc.eks.${region}.`));
}

/** When each cluster is swept: at its first reconcile in this process, then once per interval. */
export class SweepSchedule {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** True when the cluster is due, and then counts it as swept now. */
  due(clusterName: string): boolean {
    const at = this.now();
    const last = this.last.get(clusterName);
    if (last !== undefined && at - last < this.intervalMs) return false;
    this.last.set(clusterName, at);
    return true;
  }
}
