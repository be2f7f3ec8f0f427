/**
 * The workload's IRSA role as a dependent part: create it, correct drift in trust policy,
 * attached policies, inline policy and boundary, delete it on cleanup. A role the workload brings
 * (`iam.roleArn`) is only referred to, never written. A role with the wanted name that lacks the
 * operator's tags is left alone unless the workload asks to adopt it; one the operator tagged for
 * another workload (or cluster, or component) is never adopted.
 */
import { TAG_CLUSTER, TAG_NAME, TAG_NAMESPACE } from '../../api/constants.js';
import { classifyAwsError, describeClassified, mayBePropagationLag } from '../../aws/error-classifier.js';
import { diffRole, PolicyNotFoundError, replacementReason, type IamRoleStore, type ObservedRole, type RoleAction, type RolePolicies, type RoleReadOptions } from '../../aws/iam-roles.js';
import { adoptionRefusal, isOwnedBy } from '../../aws/ownership.js';
import type { IrsaRolePlan } from '../../plan/index.js';
import { CONDITION_IAM_ROLE, CREATED_REASON, createdMessage, partReady, partStalled, type PartEvent, type PartReport } from '../part-report.js';

/**
 * The tags that prove a role is this workload's: cluster, namespace and name. The uid tag is left
 * out: a workload deleted with Retain and created again owns the role it planned.
 */
export function roleOwnershipTags(plannedTags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(plannedTags).filter(([key]) => key === TAG_CLUSTER || key === TAG_NAMESPACE || key === TAG_NAME));
}

/** What the part needs. */
export interface RolePartInput {
  roles: IamRoleStore;
  plan: IrsaRolePlan;
  adopt: boolean;
  event: PartEvent;
  /** Age of the cluster's IAM OIDC provider, which the trust policy names (read only when IAM calls it invalid). */
  oidcProviderAgeMs?: () => Promise<number | undefined>;
  /** How fresh the role's read must be (a resync's may be shared). */
  read?: RoleReadOptions;
  /**
   * The workload's status records no role yet: the role most likely does not exist, so CreateRole
   * is sent without a GetRole first (one call and one round trip less per new workload). When it
   * does exist, IAM answers EntityAlreadyExists having changed nothing, and the role is read and
   * judged (ownership included) as any other.
   */
  expectNew?: boolean;
}

/**
 * A create-first answer that says nothing about whether the role is there: a taken name, or a
 * refusal (a deny on CreateRole, a quota) that a role already made and owned would not need. The
 * role is then read and judged as always; when it is missing, the read path creates it and any
 * refusal is reported from there.
 */
function readAfterRefusedCreate(err: unknown): boolean {
  const { kind, reason } = classifyAwsError(err);
  return kind === 'conflict' || reason === 'AccessDenied' || reason === 'QuotaExceeded';
}

/** The report, and the ARN the ServiceAccount is annotated with when the role is usable. */
export interface RolePartResult {
  report: PartReport;
  roleArn?: string;
}

/** Makes the IRSA role exist as planned (or accepts the workload's own role). */
export async function convergeRole(input: RolePartInput): Promise<RolePartResult> {
  const { roles, plan } = input;
  if (!plan.managed) {
    return { report: partReady(CONDITION_IAM_ROLE, 'UserProvided', `the workload's own role ${plan.arn} is used as given`), roleArn: plan.arn };
  }
  const create = async (): Promise<RolePartResult> => {
    const created = await roles.createRole(plan);
    input.event('Normal', CREATED_REASON, createdMessage([`IAM role ${plan.name}`]));
    return { report: partReady(CONDITION_IAM_ROLE, 'Converged'), roleArn: created.arn || plan.arn };
  };
  try {
    if (input.expectNew && !input.adopt) {
      try {
        return await create();
      } catch (err) {
        if (!readAfterRefusedCreate(err)) throw err;
      }
    }
    // The planned path: a store that lists roles by path (staggered reads) lists this one.
    let observed = await roles.getRole(plan.name, input.read && { ...input.read, path: plan.path });
    // A read shared by a resync pass may be a pass old: it may say that nothing needs doing, but
    // the role is read on its own before anything is judged on it (ownership) or written.
    if (observed && roles.fromSharedRead?.(observed) && needsAction(plan, observed)) observed = await roles.getRole(plan.name);
    if (!observed) return await create();
    const owned = isOwnedBy(observed, roleOwnershipTags(plan.tags));
    const refusal = owned ? undefined : adoptionRefusal(observed.tags, plan.tags);
    if (!owned && refusal) {
      return { report: partStalled(CONDITION_IAM_ROLE, 'NotOwned', `IAM role ${plan.name} is not this workload's: ${refusal}; it is left untouched`) };
    }
    if (!owned && !input.adopt) {
      return {
        report: partStalled(
          CONDITION_IAM_ROLE,
          'NotOwned',
          `IAM role ${plan.name} exists without the operator's ownership tags; it is left untouched. Annotate the workload with fargate.eksops.dev/adopt: "true" to adopt it`,
        ),
      };
    }
    const replace = replacementReason(plan, observed);
    if (replace) {
      // IAM cannot move a role: the owned role is replaced by one at the planned path.
      await roles.deleteRole(plan.name, observed);
      const created = await roles.createRole(plan);
      input.event('Normal', 'IAMRoleReplaced', `replaced IAM role ${plan.name}: ${replace}`);
      return { report: partReady(CONDITION_IAM_ROLE, 'Converged'), roleArn: created.arn || plan.arn };
    }
    const actions = await roles.converge(plan, observed);
    if (actions.length > 0) {
      input.event('Normal', owned ? 'IAMRoleDriftCorrected' : 'IAMRoleAdopted', `IAM role ${plan.name}: ${describeActions(actions)}`);
    }
    return { report: partReady(CONDITION_IAM_ROLE, 'Converged'), roleArn: observed.arn || plan.arn };
  } catch (err) {
    if (err instanceof PolicyNotFoundError) {
      const message = policyNotFoundMessage(plan.name, err);
      input.event('Warning', 'PolicyNotFound', message);
      return { report: partStalled(CONDITION_IAM_ROLE, 'PolicyNotFound', message) };
    }
    // "Invalid principal" for a young OIDC provider means IAM does not see it yet: retried quietly within the window.
    const identityAgeMs = mayBePropagationLag(err) && input.oidcProviderAgeMs ? await input.oidcProviderAgeMs() : undefined;
    const classified = classifyAwsError(err, identityAgeMs === undefined ? {} : { identityAgeMs });
    if (classified.reason === 'IamPropagation') throw err;
    input.event('Warning', 'IAMRoleFailed', `IAM role ${plan.name}: ${describeClassified(classified)}`);
    if (classified.kind !== 'terminal') throw err;
    return { report: partStalled(CONDITION_IAM_ROLE, classified.reason ?? 'IAMRoleRejected', `IAM role ${plan.name}: ${describeClassified(classified)}`) };
  }
}

/** Whether the role as observed would be refused, replaced or written to (pure). */
function needsAction(plan: IrsaRolePlan, observed: ObservedRole): boolean {
  return !isOwnedBy(observed, roleOwnershipTags(plan.tags)) || replacementReason(plan, observed) !== undefined || diffRole(plan, observed).length > 0;
}

/** The policies the plan gives the role: what its delete expects to remove (pure). */
export function plannedPolicies(plan: IrsaRolePlan): RolePolicies {
  return {
    attachedPolicyArns: [...plan.managedPolicyArns],
    inlinePolicies: plan.inlinePolicy === undefined ? {} : { [plan.inlinePolicyName]: plan.inlinePolicy },
  };
}

/** Says which policy is missing and whose spec names it. */
export function policyNotFoundMessage(roleName: string, err: PolicyNotFoundError): string {
  const fix =
    err.use === 'managed'
      ? 'correct or remove it in spec.iam.managedPolicyArns'
      : "the FargateCluster's spec.iam.permissionsBoundaryArn must name an existing policy";
  return `IAM role ${roleName}: ${err.message} in this account; ${fix}. Retried when the spec changes`;
}

/** The writes made, briefly: "attachPolicy arn:..., detachPolicy arn:...". */
export function describeActions(actions: readonly RoleAction[]): string {
  return actions
    .map((action) => {
      switch (action.kind) {
        case 'attachPolicy':
        case 'detachPolicy':
          return `${action.kind} ${action.policyArn}`;
        case 'putInlinePolicy':
        case 'deleteInlinePolicy':
          return `${action.kind} ${action.policyName}`;
        default:
          return action.kind;
      }
    })
    .join(', ');
}

/**
 * The name of the role the operator managed for the workload before it brought its own
 * (`iam.roleArn`), when its status still names that one; else undefined (pure).
 */
export function managedRoleToRelease(plan: IrsaRolePlan, previousArn: string | undefined): string | undefined {
  if (plan.managed || !previousArn || previousArn === plan.arn) return undefined;
  return previousArn.slice(previousArn.lastIndexOf('/') + 1) === plan.managedRoleName ? plan.managedRoleName : undefined;
}

/**
 * The workload switched to a role of its own (`iam.roleArn`) while the operator had managed one
 * for it (its status still names that one): the managed role, with its trust and policies, is
 * deleted when it is the operator's, or kept under deletionPolicy Retain. Nothing is read unless
 * the status shows such a switch, so a steady state costs no call.
 */
export async function releaseManagedRole(input: Omit<RolePartInput, 'adopt'> & { previousArn: string | undefined; retain: boolean }): Promise<string | undefined> {
  const { roles, plan } = input;
  if (!managedRoleToRelease(plan, input.previousArn)) return undefined;
  if (input.retain) return `the IAM role ${plan.managedRoleName} the operator made before is kept (deletionPolicy Retain)`;
  const observed = await roles.getRole(plan.managedRoleName);
  if (!observed || !isOwnedBy(observed, roleOwnershipTags(plan.tags))) return undefined;
  await roles.deleteRole(plan.managedRoleName, observed);
  input.event('Normal', 'IAMRoleDeleted', `deleted IAM role ${plan.managedRoleName}: the workload uses its own role ${plan.arn} now`);
  return `deleted the IAM role ${plan.managedRoleName} the operator made before`;
}

/** Deletes the managed IRSA role when it is the operator's; ready once it is gone or is not ours to delete. */
export async function deleteRole(input: Omit<RolePartInput, 'adopt'>): Promise<PartReport> {
  const { roles, plan } = input;
  if (!plan.managed) return partReady(CONDITION_IAM_ROLE, 'UserProvided', 'the workload\'s own role is left as it is');
  // Ownership needs only the tags (one read); the role is then deleted with the policies its plan
  // gives it, and IAM's DeleteConflict (a policy attached besides) makes the store list them.
  const head = await roles.getRoleHead(plan.name);
  if (!head) return partReady(CONDITION_IAM_ROLE, 'Deleted', `IAM role ${plan.name} is gone`);
  if (!isOwnedBy(head, roleOwnershipTags(plan.tags))) {
    return partReady(CONDITION_IAM_ROLE, 'Kept', `IAM role ${plan.name} is not tagged as the operator's and is kept`);
  }
  if (await roles.deleteRole(plan.name, plannedPolicies(plan))) input.event('Normal', 'IAMRoleDeleted', `deleted IAM role ${plan.name}`);
  return partReady(CONDITION_IAM_ROLE, 'Deleted', `IAM role ${plan.name} is gone`);
}
