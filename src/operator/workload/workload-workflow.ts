/**
 * The workload's parts as a workflow (workflow.ts): the Fargate profile, the IRSA role, and the
 * Kubernetes children, which wait for both; deleted in reverse order (children first). Pods created before a matching profile
 * is ACTIVE would never be scheduled on Fargate, and a ServiceAccount without its role's ARN would
 * give them no AWS credentials.
 */
import { withClusterDefaults } from '../../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { IrsaRolePlan, WorkloadPlan } from '../../plan/index.js';
import type { AwsServices, OperatorContext } from '../operator-context.js';
import type { ResyncPass } from '../../controller/reconciler.js';
import {
  CONDITION_AVAILABLE,
  CONDITION_IAM_ROLE,
  CONDITION_INGRESS,
  CONDITION_NETWORK,
  CONDITION_PROFILE,
  partReady,
  partWaiting,
  type PartEvent,
  type PartReport,
  type StatusFields,
} from '../part-report.js';
import { waitingFor, type Dependent } from '../workflow.js';
import { deploymentAvailability, ingressReadiness, type DeploymentState, type IngressState } from './availability.js';
import { profileInUse } from './child-state.js';
import { applyChildren, deleteChildren } from './children-part.js';
import { convergeWorkloadProfile, deleteProfile, ignoredMoveSourceMessage, releaseOldProfile, type WorkloadProfileResult } from './fargate-profile-part.js';
import { convergeRole, deleteRole, releaseManagedRole, type RolePartResult } from './iam-role-part.js';
import { MOVING_FROM_ANNOTATION } from './profile-move.js';
import { profileOwnershipTags, remainingProfileUsers } from './profile-usage.js';
import { combineNetworkReports } from './network-part.js';
import { profileUsers } from './profile-users.js';

/** What the workload's parts read, and the results they add for the parts after them and for status. */
export interface WorkloadState {
  ctx: OperatorContext;
  aws: AwsServices;
  /** The workload as it now is (with the finalizer). */
  workload: FargateWorkload;
  cluster: FargateCluster;
  plan: WorkloadPlan;
  queueKey: string;
  adopt: boolean;
  /** Set when the resync queued this reconcile: read everything, trust no confirmation. */
  resync?: ResyncPass;
  event: PartEvent;
  /** The network preflight's report: NetworkReady shows it first (combineNetworkReports). */
  preflight: PartReport;
  /** Age of the cluster's OIDC provider, read only when IAM calls the trust policy's principal invalid. */
  oidcProviderAgeMs: () => Promise<number | undefined>;
  /** Status fields the parts fill in. */
  fields: StatusFields;
  profile?: WorkloadProfileResult;
  role?: RolePartResult;
  /** On delete, `deletionPolicy: Retain`: the AWS parts are kept. */
  retain?: boolean;
}

/** What a part blocked by a dependency waits for, in words. */
const WAITS_FOR: Record<string, string> = {
  Profile: 'the Fargate profile to be ACTIVE',
  IAMRole: 'the IAM role to be ready',
};

/** The Fargate profile: created through the cluster's lane, or moved (profile-move.ts). Ready once ACTIVE. */
const profilePart: Dependent<WorkloadState> = {
  name: 'Profile',
  async converge(state) {
    const { ctx, aws, cluster, plan } = state;
    state.profile = await convergeWorkloadProfile({
      aws,
      objects: ctx.objects,
      children: ctx.children,
      workload: state.workload,
      users: () => profileUsers(ctx.workloads.list(), ctx.clusters.list()),
      recorded: recordedProfiles(state.workload),
      retain: state.workload.spec.deletionPolicy === 'Retain',
      plan: plan.aws.fargateProfile,
      owner: state.queueKey,
      adopt: state.adopt,
      maxProfiles: withClusterDefaults(cluster).spec.profiles?.maxProfiles ?? Number.POSITIVE_INFINITY,
      event: state.event,
    });
    state.fields.fargateProfile = state.profile.status;
    return [state.profile.report];
  },
  // During a move the condition is False (MovingProfile) while the pods' profile is ACTIVE.
  ready: (state) => Boolean(state.profile?.active),
  waiting: () => [],
  async delete(state) {
    const { aws, plan, queueKey, workload } = state;
    const profilePlan = plan.aws.fargateProfile;
    if (state.retain) {
      aws.lanedProfiles.withdraw(profilePlan.clusterName, queueKey);
      return [partReady(CONDITION_PROFILE, 'Retained', 'deletionPolicy Retain: the Fargate profile stays')];
    }
    const users = profileUsers(state.ctx.workloads.list(), state.ctx.clusters.list());
    const reports: PartReport[] = [];
    for (const profileName of profilesToRelease(profilePlan.name, workload)) {
      if (profileName !== profilePlan.name) {
        // One from before a move or an earlier plan: with the checks a move makes before deleting it.
        const release = { aws, clusterName: profilePlan.clusterName, owner: queueKey, objects: state.ctx.objects, children: state.ctx.children, workload, users: () => users, event: state.event };
        reports.push(await releaseOldProfile(release, profileName));
        continue;
      }
      reports.push(
        await deleteProfile({
          aws,
          clusterName: profilePlan.clusterName,
          profileName,
          ownershipTags: profileOwnershipTags(profilePlan.tags),
          remainingUsers: remainingProfileUsers(profileName, profilePlan.clusterName, queueKey, users),
          owner: queueKey,
          event: state.event,
        }),
      );
    }
    return reports;
  },
};

/** The IRSA role (or the workload's own). Ready once its ARN is known. */
const rolePart: Dependent<WorkloadState> = {
  name: 'IAMRole',
  async converge(state) {
    const { workload } = state;
    const plan = state.plan.aws.iamRole;
    // A role confirmed as planned a moment ago is not read again, unless the resync queued this reconcile.
    const digest = roleDigest(plan, state.adopt);
    const confirmedArn = plan.managed && !state.resync ? state.ctx.confirmedRoles.fresh(plan.name, digest) : undefined;
    if (confirmedArn) {
      state.role = { report: partReady(CONDITION_IAM_ROLE, 'Converged'), roleArn: confirmedArn };
    } else {
      state.role = await convergeRole({
        roles: state.aws.iamRoles,
        plan,
        adopt: state.adopt,
        event: state.event,
        oidcProviderAgeMs: state.oidcProviderAgeMs,
        expectNew: neverHadRole(workload),
        // A resync's read may be shared by the pass's reconciles, where the store shares one.
        ...(state.resync ? { read: { resyncPass: state.resync.number } } : {}),
      });
      // Only a read (or a write) confirms: a skipped read does not extend the confirmation.
      if (plan.managed && state.role.roleArn && state.role.report.condition.status === 'True') state.ctx.confirmedRoles.confirm(plan.name, digest, state.role.roleArn);
    }
    // A role of the workload's own: the managed one may be deleted below, so it is confirmed no more.
    if (!plan.managed) state.ctx.confirmedRoles.forget(plan.managedRoleName);
    const released = await releaseManagedRole({
      roles: state.aws.iamRoles,
      plan: state.plan.aws.iamRole,
      event: state.event,
      previousArn: workload.status?.iamRoleArn,
      retain: workload.spec.deletionPolicy === 'Retain',
    });
    if (state.role.roleArn) state.fields.iamRoleArn = state.role.roleArn;
    if (!released) return [state.role.report];
    const { condition } = state.role.report;
    return [{ ...state.role.report, condition: { ...condition, message: `${condition.message}; ${released}` } }];
  },
  ready: (state) => Boolean(state.role?.roleArn),
  waiting: () => [],
  async delete(state) {
    state.ctx.confirmedRoles.forget(state.plan.aws.iamRole.name);
    state.ctx.confirmedRoles.forget(state.plan.aws.iamRole.managedRoleName);
    if (state.retain) return [partReady(CONDITION_IAM_ROLE, 'Retained', 'deletionPolicy Retain: the IAM role stays')];
    return [await deleteRole({ roles: state.aws.iamRoles, plan: state.plan.aws.iamRole, event: state.event })];
  },
};

/**
 * Whether the workload's status shows no role and no attempt at one (no ARN, no IAMRole in the
 * inventory, no IAMRoleReady condition): a new workload, whose role is created without a read
 * first. A role found taken (NotOwned) is recorded in the condition, so the operator does not try
 * to create a role someone else owns on every reconcile. Pure.
 */
export function neverHadRole(workload: FargateWorkload): boolean {
  const status = workload.status;
  if (!status) return true;
  return !status.iamRoleArn && !(status.awsResources ?? []).some((resource) => resource.kind === 'IAMRole') && !(status.conditions ?? []).some((condition) => condition.type === CONDITION_IAM_ROLE);
}

/** What a role confirmation holds for (pure): the whole role plan, and whether the workload adopts. */
export function roleDigest(plan: IrsaRolePlan, adopt: boolean): string {
  return JSON.stringify([plan, adopt]);
}

/** The Kubernetes children: applied from the caches' view, with the move step's pod label; availability and ingress read back. */
const childrenPart: Dependent<WorkloadState> = {
  name: 'Children',
  dependsOn: ['Profile', 'IAMRole'],
  async converge(state) {
    const { ctx, workload, plan, profile } = state;
    const planned = profile ? profile.adjust(plan.kubernetes) : plan.kubernetes;
    const applied = await applyChildren(ctx.objects, planned, ctx.children.observe(workload), state.event);
    const name = workload.metadata.name ?? '';
    const availability = deploymentAvailability(applied.current.get(`Deployment/${name}`) as DeploymentState | undefined);
    const ingress = ingressReadiness(Boolean(workload.spec.ingress), applied.current.get(`Ingress/${name}`) as IngressState | undefined);
    state.fields.replicas = availability.replicas;
    state.fields.readyReplicas = availability.readyReplicas;
    if (ingress.hostname) state.fields.loadBalancer = { hostname: ingress.hostname };
    return [combineNetworkReports(state.preflight, applied.network), availability.report, ingress.report, ...applied.refused];
  },
  // The children are deleted explicitly (cleanup then knows they are gone, whatever the garbage
  // collector's pace; their pods go through it, with their ReplicaSet). A move's source is in the
  // status; a profile only the Deployment names (the app team's to write) is said to be ignored.
  async delete(state) {
    const { ctx, workload, plan } = state;
    const children = ctx.children.observe(workload);
    const deployment = children.children.find((child) => child.kind === 'Deployment');
    const released = profilesToRelease(plan.aws.fargateProfile.name, workload);
    for (const name of new Set([profileInUse(deployment), deployment?.metadata?.annotations?.[MOVING_FROM_ANNOTATION]])) {
      if (name !== undefined && !released.includes(name)) state.event('Warning', 'MoveSourceIgnored', ignoredMoveSourceMessage(name));
    }
    await deleteChildren(ctx.objects, children);
    return [partReady(CONDITION_AVAILABLE, 'Deleted', 'the workload\'s Kubernetes children are deleted')];
  },
  waiting(dependency, state) {
    const why = `waits for ${WAITS_FOR[dependency] ?? dependency}`;
    return [
      combineNetworkReports(state.preflight, partWaiting(CONDITION_NETWORK, waitingFor(dependency), `the SecurityGroupPolicy ${why}`)),
      partWaiting(CONDITION_AVAILABLE, waitingFor(dependency), `the Deployment ${why}`),
      partWaiting(CONDITION_INGRESS, waitingFor(dependency), `the Ingress ${why}`),
    ];
  },
};

/** The workload's parts, in dependency order. */
export const WORKLOAD_PARTS: readonly Dependent<WorkloadState>[] = [profilePart, rolePart, childrenPart];

/**
 * The profiles a deleted workload lets go of: the planned one and those its status records, each
 * once. Not those only its Deployment names mid-move (pod label, moving-from annotation): the app
 * team can write the Deployment, not the status, and a move records its source in status itself.
 */
export function profilesToRelease(plannedName: string, workload: FargateWorkload): string[] {
  return [...new Set([plannedName, ...recordedProfiles(workload)].filter((name): name is string => Boolean(name)))];
}

/** The profiles the workload's status records: its inventory, and the profile field (status of an earlier release). */
export function recordedProfiles(workload: FargateWorkload): string[] {
  const inventory = (workload.status?.awsResources ?? []).filter((resource) => resource.kind === 'FargateProfile').map((resource) => resource.name);
  const reported = workload.status?.fargateProfile?.name;
  return [...new Set([...inventory, ...(reported ? [reported] : [])])];
}
