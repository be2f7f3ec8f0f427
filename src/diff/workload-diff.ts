/**
 * Everything applying one FargateWorkload would change, from what `diff` read (pure): the
 * workload object, its Fargate profile (created, replaced, or left behind by a move and deleted
 * once unused), its IRSA role (statement by statement), and its Kubernetes children. Each
 * decision is the operator's own (src/operator/workload/*), so the diff says what the operator
 * would do, not what a generic comparison guesses.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { profileDifferences, type ObservedProfile } from '../aws/fargate-profiles.js';
import type { ObservedRole } from '../aws/iam-roles.js';
import { isOwnedBy } from '../aws/ownership.js';
import { keyOfObject } from '../kube/object-key.js';
import type { PartReport } from '../operator/part-report.js';
import { profileInUse } from '../operator/workload/child-state.js';
import { roleOwnershipTags } from '../operator/workload/iam-role-part.js';
import { remainingProfileUsers } from '../operator/workload/profile-usage.js';
import { profileUsers } from '../operator/workload/profile-users.js';
import { recordedProfiles } from '../operator/workload/workload-workflow.js';
import type { FargateProfilePlan, WorkloadPlan } from '../plan/index.js';
import { roleChange } from './iam-role-changes.js';
import { childChanges, manifestChange, objectName, type ObservedChildObjects } from './object-changes.js';
import type { DiffProblem, ObjectDiff, ResourceChange } from './resource-change.js';

/** What `diff` read for one workload, besides the plan. */
export interface ObservedWorkload {
  /** The workload as the files give it (namespace filled in), with the live uid and status. */
  desired: FargateWorkload;
  live?: FargateWorkload;
  /** Every live workload (with `desired` in place of the live one) and cluster: who else uses a profile. */
  workloads: readonly FargateWorkload[];
  clusters: readonly FargateCluster[];
  /** EKS's answer for each profile name read: the planned one and the ones the workload runs on now. */
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

/** The profiles a workload runs on now: its status's, and its Deployment's pod label (mid-move). */
function profilesInUse(observed: ObservedWorkload, deploymentKey: string): string[] {
  const fromDeployment = profileInUse(observed.children.byKey.get(deploymentKey) ?? undefined);
  return [...new Set([...(observed.live ? recordedProfiles(observed.live) : []), ...(fromDeployment ? [fromDeployment] : [])])];
}

/** The planned profile's change, and the deletes of the ones the workload leaves. */
function profileChanges(plan: WorkloadPlan, observed: ObservedWorkload, workloadLabel: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const planned = plan.aws.fargateProfile;
  const changes: ResourceChange[] = [];
  const problems: DiffProblem[] = [];
  const current = observed.profiles.get(planned.name);
  if (!current) {
    changes.push(profileCreate(planned));
  } else {
    const differences = profileDifferences(planned, current);
    if (differences.length > 0) changes.push({ ...profileCreate(planned), action: 'replace', note: `${differences.join('; ')}; EKS cannot change a profile` });
    if (current.status === 'CREATE_FAILED' || current.status === 'DELETE_FAILED') {
      problems.push({ object: workloadLabel, stalled: true, reason: 'ProfileFailed', message: `Fargate profile ${planned.name} is ${current.status}` });
    }
  }
  if (observed.desired.spec.deletionPolicy === 'Retain') return { changes, problems };
  const users = profileUsers(observed.workloads, observed.clusters);
  const key = keyOfObject(observed.desired);
  for (const name of profilesInUse(observed, `Deployment/${observed.desired.metadata.name ?? ''}`)) {
    if (name === planned.name || !observed.profiles.get(name)) continue;
    if (remainingProfileUsers(name, planned.clusterName, key, users).length > 0) continue;
    changes.push({ layer: 'aws', kind: 'FargateProfile', name, action: 'delete', fields: [], statements: [], note: `once the pods run on ${planned.name}` });
  }
  return { changes, problems };
}

/** The IRSA role's change; a role of that name the operator does not own is a problem, never a change. */
function roleChanges(plan: WorkloadPlan, observed: ObservedWorkload, workloadLabel: string): { changes: ResourceChange[]; problems: DiffProblem[] } {
  const role = plan.aws.iamRole;
  if (!role.managed) {
    const released = observed.releasedRole;
    if (!released || observed.desired.spec.deletionPolicy === 'Retain' || !isOwnedBy(released, roleOwnershipTags(role.tags))) return { changes: [], problems: [] };
    return {
      changes: [{ layer: 'aws', kind: 'IAMRole', name: released.name, action: 'delete', fields: [], statements: [], note: `the workload brings its own role ${role.arn}` }],
      problems: [],
    };
  }
  const adopt = observed.desired.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  if (observed.role && !adopt && !isOwnedBy(observed.role, roleOwnershipTags(role.tags))) {
    return {
      changes: [],
      problems: [{ object: workloadLabel, stalled: true, reason: 'NotOwned', message: `IAM role ${role.name} exists and the operator did not create it; annotate the workload ${ADOPT_ANNOTATION}: "true" to adopt it` }],
    };
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
  const label = `FargateWorkload ${objectName(observed.desired)}`;
  const object = manifestChange('FargateWorkload', observed.desired as unknown as KubernetesObject, observed.live as unknown as KubernetesObject | undefined);
  const network = networkProblems(observed.network, label);
  // A network only a spec change fixes stops the operator before any AWS write (Stalled).
  if (network.some((problem) => problem.stalled)) return { object: label, changes: object ? [object] : [], problems: network };
  const profile = profileChanges(plan, observed, label);
  const role = roleChanges(plan, observed, label);
  const children = childChanges(plan.kubernetes, observed.children, observed.live?.metadata.uid, label);
  return {
    object: label,
    changes: [...(object ? [object] : []), ...profile.changes, ...role.changes, ...children.changes],
    problems: [...network, ...profile.problems, ...role.problems, ...children.problems],
  };
}
