/**
 * Everything applying one FargateWorkload would change, from what `diff` read (pure): the
 * workload object, its Fargate profile (created, replaced, or left behind by a move and deleted
 * once unused), its IRSA role (statement by statement), and its Kubernetes children. Each
 * decision is the operator's own (src/operator/workload/*), so the diff says what the operator
 * would do, not what a generic comparison guesses.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, PROFILE_LABEL, TAG_DELETION_POLICY } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { profileDifferences, type ObservedProfile } from '../aws/fargate-profiles.js';
import type { ObservedRole } from '../aws/iam-roles.js';
import { adoptionRefusal, isOwnedBy } from '../aws/ownership.js';
import { keyOfObject } from '../kube/object-key.js';
import type { PartReport } from '../operator/part-report.js';
import { managedRoleToRelease, roleOwnershipTags } from '../operator/workload/iam-role-part.js';
import { releaseRefusal } from '../operator/workload/profile-move.js';
import { profileOwnershipTags, remainingProfileUsers } from '../operator/workload/profile-usage.js';
import { profileUsers } from '../operator/workload/profile-users.js';
import { profilesToRelease } from '../operator/workload/workload-workflow.js';
import type { FargateProfilePlan, WorkloadPlan } from '../plan/index.js';
import { roleChange } from './iam-role-changes.js';
import { childChanges, manifestChange, type ObservedChildObjects } from './object-changes.js';
import type { DiffProblem, ObjectDiff, ResourceChange } from './resource-change.js';

/** What `diff` read for one workload, besides the plan. */
export interface ObservedWorkload {
  /** The workload as the files give it (namespace filled in), with the live uid and status. */
  desired: FargateWorkload;
  live?: FargateWorkload;
  /** Every live workload (with `desired` in place of the live one) and cluster: who else uses a profile. */
  workloads: readonly FargateWorkload[];
  clusters: readonly FargateCluster[];
  /** EKS's answer for each profile name read: the planned one and the ones the workload runs on now (profilesToRelease). */
  profiles: ReadonlyMap<string, ObservedProfile | undefined>;
  /** The managed IRSA role as IAM holds it (undefined: it does not exist). */
  role?: ObservedRole;
  /** The managed role the workload had before it brought its own (spec.iam.roleArn), if it still exists. */
  releasedRole?: ObservedRole;
  children: ObservedChildObjects;
  /** The network preflight's report (NetworkReady). */
  network: PartReport;
}

function profileCreate(plan: FargateProfilePlan): ResourceChange {
  return {
    layer: 'aws',
    kind: 'FargateProfile',
    name: plan.name,
    action: 'create',
    fields: [
      { path: 'subnets', to: plan.subnets },
      { path: 'selectors', to: plan.selectors },
      { path: 'podExecutionRoleArn', to: plan.podExecutionRoleArn },
    ],
    statements: [],
  };
}

/** The planned profile's change or problem, the operator's way (convergeLanedProfile in src/operator/laned-profile.ts). */
function plannedProfile(plan: FargateProfilePlan, current: ObservedProfile | undefined, adopt: boolean, label: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  if (!current) return { changes: [profileCreate(plan)], problems: [] };
  if (current.status === 'DELETING') return { changes: [{ ...profileCreate(plan), note: 'again, once its deletion (DELETING now) ends' }], problems: [] };
  if (!isOwnedBy(current, profileOwnershipTags(plan.tags))) {
    const refusal = adopt ? adoptionRefusal(current.tags, plan.tags) : `it exists without the operator's ownership tags`;
    if (refusal !== undefined) return { changes: [], problems: [{ object: label, stalled: true, reason: 'NotOwned', message: `Fargate profile ${plan.name} is left untouched: ${refusal}` }] };
  }
  if (current.status === 'CREATE_FAILED' || current.status === 'DELETE_FAILED') {
    return { changes: [], problems: [{ object: label, stalled: true, reason: current.status === 'CREATE_FAILED' ? 'ProfileCreateFailed' : 'ProfileDeleteFailed', message: `Fargate profile ${plan.name} is ${current.status}` }] };
  }
  const problems: DiffProblem[] = [];
  const differences = profileDifferences(plan, current);
  // Profiles are immutable and pods may run on it: the operator reports the difference and leaves it.
  if (differences.length > 0) problems.push({ object: label, stalled: false, reason: 'ProfileImmutable', message: `Fargate profile ${plan.name} differs from the plan: ${differences.join('; ')}; it is left as it is` });
  const wantedPolicy = plan.tags[TAG_DELETION_POLICY];
  const tagged = wantedPolicy === undefined || current.tags[TAG_DELETION_POLICY] === wantedPolicy;
  const tag = { path: `tags[${TAG_DELETION_POLICY}]`, ...(current.tags[TAG_DELETION_POLICY] === undefined ? {} : { from: current.tags[TAG_DELETION_POLICY] }), to: wantedPolicy };
  return { changes: tagged ? [] : [{ layer: 'aws', kind: 'FargateProfile', name: plan.name, action: 'change', fields: [tag], statements: [] }], problems };
}

/**
 * The planned profile's change, and the deletes of the ones the workload leaves (a move's source,
 * an earlier plan's): only the operator's (cluster tag), once no other workload uses it, and never
 * under deletionPolicy Retain.
 */
function profileChanges(plan: WorkloadPlan, observed: ObservedWorkload, label: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const planned = plan.aws.fargateProfile;
  const adopt = observed.desired.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  const result = plannedProfile(planned, observed.profiles.get(planned.name), adopt, label);
  if (observed.desired.spec.deletionPolicy === 'Retain' || !observed.live) return result;
  const users = profileUsers(observed.workloads, observed.clusters);
  const releaser = { clusterName: planned.clusterName, namespace: observed.desired.metadata.namespace ?? '', name: observed.desired.metadata.name ?? '' };
  for (const name of profilesToRelease(planned.name, observed.live)) {
    const old = observed.profiles.get(name);
    // Only a workload profile of this namespace (or a Shared one), as the operator decides (releaseRefusal).
    if (name === planned.name || !old || releaseRefusal(old, releaser) !== undefined) continue;
    if (remainingProfileUsers(name, planned.clusterName, keyOfObject(observed.desired), users).length > 0) continue;
    result.changes.push({ layer: 'aws', kind: 'FargateProfile', name, action: 'delete', fields: [], statements: [], note: `once the pods run on ${planned.name}` });
  }
  return result;
}

/** The IRSA role's change; a role of that name the operator does not own is a problem, never a change. */
function roleChanges(plan: WorkloadPlan, observed: ObservedWorkload, workloadLabel: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const role = plan.aws.iamRole;
  if (!role.managed) {
    const released = observed.releasedRole;
    if (!released || !managedRoleToRelease(role, observed.live?.status?.iamRoleArn)) return { changes: [], problems: [] };
    if (observed.desired.spec.deletionPolicy === 'Retain' || !isOwnedBy(released, roleOwnershipTags(role.tags))) return { changes: [], problems: [] };
    return {
      changes: [{ layer: 'aws', kind: 'IAMRole', name: released.name, action: 'delete', fields: [], statements: [], note: `the workload brings its own role ${role.arn}` }],
      problems: [],
    };
  }
  const adopt = observed.desired.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  if (observed.role && !isOwnedBy(observed.role, roleOwnershipTags(role.tags))) {
    const refusal = adopt ? adoptionRefusal(observed.role.tags, role.tags) : undefined;
    if (!adopt || refusal !== undefined) {
      const message = refusal !== undefined ? `IAM role ${role.name} is left untouched: ${refusal}` : `IAM role ${role.name} exists and the operator did not create it; annotate the workload ${ADOPT_ANNOTATION}: "true" to adopt it`;
      return { changes: [], problems: [{ object: workloadLabel, stalled: true, reason: 'NotOwned', message }] };
    }
  }
  const change = roleChange(role, observed.role);
  return { changes: change ? [change] : [], problems: [] };
}

/** The network preflight's verdict, when it is not ready, as a problem. */
function networkProblems(network: PartReport, workloadLabel: string): DiffProblem[] {
  if (network.condition.status === 'True') return [];
  return [{ object: workloadLabel, stalled: Boolean(network.stalled), reason: network.condition.reason, message: network.condition.message }];
}

/** Everything applying the workload would change (pure). */
export function workloadDiff(plan: WorkloadPlan, observed: ObservedWorkload): ObjectDiff {
  const label = `FargateWorkload ${keyOfObject(observed.desired)}`;
  const object = manifestChange('FargateWorkload', observed.desired as unknown as KubernetesObject, observed.live as unknown as KubernetesObject | undefined);
  const network = networkProblems(observed.network, label);
  // A network only a spec change fixes stops the operator before any AWS write (Stalled).
  if (network.some((problem) => problem.stalled)) return { object: label, changes: object ? [object] : [], problems: network };
  const profile = profileChanges(plan, observed, label);
  const role = roleChanges(plan, observed, label);
  // The children wait for the profile and the role (workload-workflow.ts): a stalled one holds them back.
  const blocked = [...profile.problems, ...role.problems].some((problem) => problem.stalled);
  const children = blocked ? { changes: [], problems: [] } : childChanges(plan.kubernetes, observed.children, observed.live?.metadata.uid, label);
  // The diff shows where the operator converges to; a move gets there in steps (profile-move.ts).
  const planned = plan.aws.fargateProfile.name;
  const moves = profile.changes.some((change) => change.kind === 'FargateProfile' && change.action === 'create' && change.name === planned);
  for (const change of children.changes) {
    if (moves && change.kind === 'Deployment' && change.fields.some((field) => field.path.includes(PROFILE_LABEL))) {
      change.note = `the pods move to ${planned} once it is ACTIVE, a rolling update that never goes below the wanted replicas`;
    }
  }
  return {
    object: label,
    changes: [...(object ? [object] : []), ...profile.changes, ...role.changes, ...children.changes],
    problems: [...network, ...profile.problems, ...role.problems, ...children.problems],
  };
}
