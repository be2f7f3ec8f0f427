/**
 * IAM roles (the pod execution role, IRSA roles): observe one as a whole, create it, fix drift
 * with the fewest calls, delete it. The pure {@link diffRole} decides what to change; the store
 * only carries it out, so a steady state makes no IAM write.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  type CreateRoleCommandOutput,
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  type Role,
  type RoleDetail,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { asList } from '../api/policy-document.js';
import { isNotFound } from './error-classifier.js';
import { parsePolicyDocument, policyDocumentsEqual } from './policy-document.js';

/**
 * The desired role, as the planner describes it (`IamRolePlan`, `IrsaRolePlan` fit this shape).
 * Policy documents are JSON objects.
 */
export interface RoleSpec {
  name: string;
  path: string;
  trustPolicy: unknown;
  managedPolicyArns: readonly string[];
  inlinePolicyName: string;
  inlinePolicy?: unknown;
  permissionsBoundary?: string;
  tags: Record<string, string>;
}

/** A role as IAM holds it. */
export interface ObservedRole {
  name: string;
  arn: string;
  path: string;
  /** IAM's unique id (RoleId): a role deleted and made again under its name has a new one. */
  id?: string;
  /** Parsed JSON. */
  trustPolicy: unknown;
  permissionsBoundary?: string;
  tags: Record<string, string>;
  attachedPolicyArns: string[];
  /** Inline policy name -> parsed document. */
  inlinePolicies: Record<string, unknown>;
  createdAt?: Date;
}

/** A role without its policies: what GetRole alone tells (enough to judge ownership). */
export type RoleHead = Omit<ObservedRole, 'attachedPolicyArns' | 'inlinePolicies'>;

/** A role as ListRoles tells it: no tags, no permissions boundary, no policies. */
export type ListedRole = Pick<ObservedRole, 'name' | 'arn' | 'path' | 'id' | 'trustPolicy' | 'createdAt'>;

/**
 * A role's parts read one by one, each with one IAM read (src/aws/staggered-role-reads.ts). A
 * part of a role that no longer exists is `undefined`.
 */
export interface RolePartReader {
  /** The roles under an IAM path with their trust policies (ListRoles, paginated: 1,000 a call). */
  listRolesUnder(pathPrefix: string): Promise<ListedRole[]>;
  /** Tags, permissions boundary and trust policy (GetRole). */
  getRoleHead(name: string): Promise<RoleHead | undefined>;
  /** The attached managed policies' ARNs (ListAttachedRolePolicies). */
  attachedPoliciesOf(name: string): Promise<string[] | undefined>;
  /** The inline policies by name, with their documents (ListRolePolicies, GetRolePolicy each). */
  inlinePoliciesOf(name: string): Promise<Record<string, unknown> | undefined>;
}

/** One IAM write that brings a role closer to its spec. */
export type RoleAction =
  | { kind: 'tagRole'; tags: Record<string, string> }
  | { kind: 'updateTrustPolicy'; document: unknown }
  | { kind: 'putPermissionsBoundary'; policyArn: string }
  | { kind: 'deletePermissionsBoundary' }
  | { kind: 'attachPolicy'; policyArn: string }
  | { kind: 'detachPolicy'; policyArn: string }
  | { kind: 'putInlinePolicy'; policyName: string; document: unknown }
  | { kind: 'deleteInlinePolicy'; policyName: string };

/**
 * The writes that turn `observed` into `spec`, in the order they are made: ownership tags first,
 * then the permissions boundary, grants before removals. Only the ownership tags the spec names are written; other tags are the
 * users' own. Inline policies other than the spec's one are drift and are removed.
 */
export function diffRole(spec: RoleSpec, observed: ObservedRole): RoleAction[] {
  const actions: RoleAction[] = [];
  const changedTags = Object.fromEntries(Object.entries(spec.tags).filter(([key, value]) => observed.tags[key] !== value));
  if (Object.keys(changedTags).length > 0) actions.push({ kind: 'tagRole', tags: changedTags });
  // The boundary before any grant: the operator's policy lets it change trust and policies of a
  // role only once the role has the platform's boundary (src/plan/operator-policy.ts).
  if (spec.permissionsBoundary && spec.permissionsBoundary !== observed.permissionsBoundary) {
    actions.push({ kind: 'putPermissionsBoundary', policyArn: spec.permissionsBoundary });
  }
  if (!policyDocumentsEqual(spec.trustPolicy, observed.trustPolicy)) {
    actions.push({ kind: 'updateTrustPolicy', document: spec.trustPolicy });
  }
  const attached = new Set(observed.attachedPolicyArns);
  const wanted = new Set(spec.managedPolicyArns);
  for (const policyArn of [...wanted].sort()) {
    if (!attached.has(policyArn)) actions.push({ kind: 'attachPolicy', policyArn });
  }
  if (spec.inlinePolicy !== undefined) {
    const current = observed.inlinePolicies[spec.inlinePolicyName];
    if (current === undefined || !policyDocumentsEqual(spec.inlinePolicy, current)) {
      actions.push({ kind: 'putInlinePolicy', policyName: spec.inlinePolicyName, document: spec.inlinePolicy });
    }
  }
  for (const policyArn of [...attached].sort()) {
    if (!wanted.has(policyArn)) actions.push({ kind: 'detachPolicy', policyArn });
  }
  for (const policyName of Object.keys(observed.inlinePolicies).sort()) {
    if (policyName !== spec.inlinePolicyName || spec.inlinePolicy === undefined) {
      actions.push({ kind: 'deleteInlinePolicy', policyName });
    }
  }
  if (!spec.permissionsBoundary && observed.permissionsBoundary) actions.push({ kind: 'deletePermissionsBoundary' });
  return actions;
}

/**
 * Why the role cannot be converged in place, if it cannot: IAM cannot move a role to another
 * path, so a path change means delete and create (the caller decides when).
 */
export function replacementReason(spec: RoleSpec, observed: ObservedRole): string | undefined {
  return spec.path === observed.path ? undefined : `the role's path is ${observed.path}, the spec wants ${spec.path}; IAM cannot change a role's path`;
}

/**
 * A policy the role spec names does not exist in the account (IAM answers NoSuchEntity). Retrying
 * cannot help until the spec names an existing policy, so it is terminal and names the ARN.
 */
export class PolicyNotFoundError extends Error {
  readonly retryable = false;

  constructor(
    readonly policyArn: string,
    /** `managed`: an attached policy; `boundary`: the permissions boundary. */
    readonly use: 'managed' | 'boundary',
    options?: { cause?: unknown },
  ) {
    super(`${use === 'managed' ? 'managed policy' : 'permissions boundary policy'} ${policyArn} does not exist`, options);
    this.name = 'PolicyNotFoundError';
  }
}

/** Runs an IAM write that names a policy; NoSuchEntity there means the policy is missing. */
async function namingPolicy<T>(policyArn: string, use: PolicyNotFoundError['use'], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) throw new PolicyNotFoundError(policyArn, use, { cause: err });
    throw err;
  }
}

/** What stands between a role and its deletion: its attached policies and its inline ones (by name). */
export type RolePolicies = Pick<ObservedRole, 'attachedPolicyArns' | 'inlinePolicies'>;

/** How fresh a role read must be. */
export interface RoleReadOptions {
  /**
   * The number of the resync pass asking: the answer may come from a read of the account's roles
   * started for that pass or a later one, where the store shares one
   * (src/aws/account-role-snapshot.ts), or be put together from parts read in turn
   * (src/aws/staggered-role-reads.ts). Without it the role is read on its own.
   */
  resyncPass?: number;
  /** The role's planned path: a store that lists roles by path lists this one. */
  path?: string;
}

/** IAM role operations the reconcilers are handed. */
export interface IamRoleStore {
  /** The role, or undefined when it does not exist. */
  getRole(name: string, options?: RoleReadOptions): Promise<ObservedRole | undefined>;
  /**
   * Whether `role` (a getRole answer) came from a read shared by a resync pass, and so may be a
   * pass old; stores that share no read leave it out.
   */
  fromSharedRead?(role: ObservedRole): boolean;
  /** The role without its policies (one read), or undefined when it does not exist. */
  getRoleHead(name: string): Promise<RoleHead | undefined>;
  /** Creates the role with its trust policy, boundary and tags, then attaches and puts its policies. */
  createRole(spec: RoleSpec): Promise<ObservedRole>;
  /** Makes the writes {@link diffRole} finds and returns them (empty: nothing was written). */
  converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]>;
  /**
   * Detaches and deletes every policy, then the role; false when it was already gone. With the
   * policies the caller `expected` (a look just now, or the role's plan) they are not listed: one
   * it does not know of makes IAM refuse the delete (DeleteConflict), and then they are listed.
   * An expected policy the role does not hold is no error.
   */
  deleteRole(name: string, expected?: RolePolicies): Promise<boolean>;
  /** The names of the account's roles whose trust policy names `federatedPrincipal` (an OIDC provider's ARN). */
  rolesTrusting(federatedPrincipal: string): Promise<string[]>;
  /** The names of the roles under an IAM path (`/eksops/` also lists `/eksops/team/...`), sorted. */
  roleNamesUnder(pathPrefix: string): Promise<string[]>;
}

/** The federated principals (OIDC providers' ARNs) a trust policy names. */
export function federatedPrincipals(trustPolicy: unknown): string[] {
  return asList((trustPolicy as { Statement?: unknown } | undefined)?.Statement).flatMap((statement) => {
    const principal = (statement as { Principal?: { Federated?: unknown } } | undefined)?.Principal;
    return asList(principal?.Federated).filter((federated): federated is string => typeof federated === 'string');
  });
}

/** Whether a trust policy lets the federated principal (an OIDC provider) in. */
export function trustsFederated(trustPolicy: unknown, federatedPrincipal: string): boolean {
  return federatedPrincipals(trustPolicy).includes(federatedPrincipal);
}

function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Runs `call`; a not-found answer becomes `undefined`. */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function tagsOf(role: Role | RoleDetail): Record<string, string> {
  return Object.fromEntries((role.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/** A role as ListRoles, GetRole or GetAccountAuthorizationDetails describes it, without what only the last two tell. */
function listedRoleOf(role: Role | RoleDetail): ListedRole {
  return {
    name: role.RoleName ?? '',
    arn: role.Arn ?? '',
    path: role.Path ?? '/',
    ...(role.RoleId ? { id: role.RoleId } : {}),
    trustPolicy: role.AssumeRolePolicyDocument ? parsePolicyDocument(role.AssumeRolePolicyDocument) : undefined,
    ...(role.CreateDate ? { createdAt: role.CreateDate } : {}),
  };
}

/** A role as GetRole or GetAccountAuthorizationDetails describes it (one shape for both reads). */
function roleHeadOf(role: Role | RoleDetail): RoleHead {
  const boundary = role.PermissionsBoundary?.PermissionsBoundaryArn;
  return { ...listedRoleOf(role), ...(boundary ? { permissionsBoundary: boundary } : {}), tags: tagsOf(role) };
}

/** {@link IamRoleStore} on the AWS SDK. */
export class SdkIamRoleStore implements IamRoleStore, RolePartReader {
  constructor(private readonly iam: IAMClient) {}

  async getRole(name: string): Promise<ObservedRole | undefined> {
    const head = await this.getRoleHead(name);
    if (!head) return undefined;
    // The role exists: its attached and inline policies are read side by side (one round trip less).
    const [attachedPolicyArns, inlinePolicies] = await Promise.all([this.attachedPolicyArns(name), this.inlinePolicies(name)]);
    return { ...head, attachedPolicyArns, inlinePolicies };
  }

  async getRoleHead(name: string): Promise<RoleHead | undefined> {
    const role = (await unlessGone(() => this.iam.send(new GetRoleCommand({ RoleName: name }))))?.Role;
    return role && roleHeadOf(role);
  }

  /**
   * Every role of the account with its policies, in one paginated GetAccountAuthorizationDetails
   * (which needs read access to all of the account's IAM entities); only the roles whose tags
   * `keep` accepts are parsed and returned, so the rest of the account is not held in memory.
   */
  async accountRoles(keep: (tags: Record<string, string>) => boolean): Promise<ObservedRole[]> {
    const roles: ObservedRole[] = [];
    // IAM's largest page (its default is 100): a thousand roles in one call.
    for await (const page of paginateGetAccountAuthorizationDetails({ client: this.iam, pageSize: 1000 }, { Filter: ['Role'] })) {
      for (const detail of page.RoleDetailList ?? []) {
        if (!detail.RoleName || !keep(tagsOf(detail))) continue;
        const inlinePolicies: Record<string, unknown> = {};
        for (const policy of detail.RolePolicyList ?? []) {
          if (policy.PolicyName && policy.PolicyDocument) inlinePolicies[policy.PolicyName] = parsePolicyDocument(policy.PolicyDocument);
        }
        const attachedPolicyArns = (detail.AttachedManagedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : []));
        roles.push({ ...roleHeadOf(detail), attachedPolicyArns, inlinePolicies });
      }
    }
    return roles;
  }

  async rolesTrusting(federatedPrincipal: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListRoles({ client: this.iam }, {})) {
      for (const role of page.Roles ?? []) {
        const trust = role.AssumeRolePolicyDocument ? parsePolicyDocument(role.AssumeRolePolicyDocument) : undefined;
        if (role.RoleName && trustsFederated(trust, federatedPrincipal)) names.push(role.RoleName);
      }
    }
    return names.sort();
  }

  async roleNamesUnder(pathPrefix: string): Promise<string[]> {
    return (await this.listRolesUnder(pathPrefix)).map((role) => role.name).sort();
  }

  async listRolesUnder(pathPrefix: string): Promise<ListedRole[]> {
    const roles: ListedRole[] = [];
    // IAM's largest page (its default is 100).
    for await (const page of paginateListRoles({ client: this.iam, pageSize: 1000 }, { PathPrefix: pathPrefix })) {
      for (const role of page.Roles ?? []) if (role.RoleName) roles.push(listedRoleOf(role));
    }
    return roles;
  }

  attachedPoliciesOf(name: string): Promise<string[] | undefined> {
    return unlessGone(() => this.attachedPolicyArns(name));
  }

  inlinePoliciesOf(name: string): Promise<Record<string, unknown> | undefined> {
    return unlessGone(() => this.inlinePolicies(name));
  }

  async createRole(spec: RoleSpec): Promise<ObservedRole> {
    const create = (): Promise<CreateRoleCommandOutput> =>
      this.iam.send(
        new CreateRoleCommand({
          RoleName: spec.name,
          Path: spec.path,
          AssumeRolePolicyDocument: JSON.stringify(spec.trustPolicy),
          ...(spec.permissionsBoundary ? { PermissionsBoundary: spec.permissionsBoundary } : {}),
          Tags: tagList(spec.tags),
        }),
      );
    // The only entity CreateRole names besides the role is the boundary policy.
    const created = await (spec.permissionsBoundary ? namingPolicy(spec.permissionsBoundary, 'boundary', create) : create());
    const observed: ObservedRole = {
      name: spec.name,
      arn: created.Role?.Arn ?? '',
      path: created.Role?.Path ?? spec.path,
      ...(created.Role?.RoleId ? { id: created.Role.RoleId } : {}),
      trustPolicy: spec.trustPolicy,
      ...(spec.permissionsBoundary ? { permissionsBoundary: spec.permissionsBoundary } : {}),
      tags: { ...spec.tags },
      attachedPolicyArns: [],
      inlinePolicies: {},
      ...(created.Role?.CreateDate ? { createdAt: created.Role.CreateDate } : {}),
    };
    // The rest is the same as fixing drift on an empty role; a failure half-way is fixed by the next converge.
    await this.converge(spec, observed);
    return {
      ...observed,
      attachedPolicyArns: [...spec.managedPolicyArns],
      inlinePolicies: spec.inlinePolicy !== undefined ? { [spec.inlinePolicyName]: spec.inlinePolicy } : {},
    };
  }

  async converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]> {
    const actions = diffRole(spec, observed);
    for (const action of actions) await this.apply(spec.name, action);
    return actions;
  }

  async deleteRole(name: string, expected?: RolePolicies): Promise<boolean> {
    const policies = expected ?? (await unlessGone(() => this.policyNames(name)));
    if (policies === undefined) return false;
    // IAM deletes a role only without policies; the detaches and deletes have no order among them.
    await Promise.all([
      ...policies.attachedPolicyArns.map((policyArn) => unlessGone(() => this.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn })))),
      ...Object.keys(policies.inlinePolicies).map((policyName) => unlessGone(() => this.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName })))),
    ]);
    try {
      return (await unlessGone(() => this.iam.send(new DeleteRoleCommand({ RoleName: name })))) !== undefined;
    } catch (err) {
      // A policy the caller did not expect: listed and removed, then the role deleted.
      if (expected && err instanceof DeleteConflictException) return this.deleteRole(name);
      throw err;
    }
  }

  /** The role's attached policy ARNs and inline policy names, read side by side (documents left out). */
  private async policyNames(name: string): Promise<RolePolicies> {
    const [attachedPolicyArns, inlineNames] = await Promise.all([this.attachedPolicyArns(name), this.inlinePolicyNames(name)]);
    return { attachedPolicyArns, inlinePolicies: Object.fromEntries(inlineNames.map((policyName) => [policyName, undefined])) };
  }

  /** The role's inline policies by name, with their documents. */
  private async inlinePolicies(name: string): Promise<Record<string, unknown>> {
    const names = await this.inlinePolicyNames(name);
    const documents = await Promise.all(names.map((policyName) => unlessGone(() => this.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })))));
    const inlinePolicies: Record<string, unknown> = {};
    names.forEach((policyName, i) => {
      const document = documents[i]?.PolicyDocument;
      if (document) inlinePolicies[policyName] = parsePolicyDocument(document);
    });
    return inlinePolicies;
  }

  private async attachedPolicyArns(name: string): Promise<string[]> {
    const arns: string[] = [];
    for await (const page of paginateListAttachedRolePolicies({ client: this.iam }, { RoleName: name })) {
      for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) arns.push(policy.PolicyArn);
    }
    return arns;
  }

  private async inlinePolicyNames(name: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListRolePolicies({ client: this.iam }, { RoleName: name })) {
      names.push(...(page.PolicyNames ?? []));
    }
    return names;
  }

  private async apply(RoleName: string, action: RoleAction): Promise<void> {
    switch (action.kind) {
      case 'tagRole':
        await this.iam.send(new TagRoleCommand({ RoleName, Tags: tagList(action.tags) }));
        return;
      case 'updateTrustPolicy':
        await this.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(action.document) }));
        return;
      case 'putPermissionsBoundary':
        await namingPolicy(action.policyArn, 'boundary', () => this.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary: action.policyArn })));
        return;
      case 'deletePermissionsBoundary':
        await this.iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName }));
        return;
      case 'attachPolicy':
        await namingPolicy(action.policyArn, 'managed', () => this.iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: action.policyArn })));
        return;
      case 'detachPolicy':
        await unlessGone(() => this.iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: action.policyArn })));
        return;
      case 'putInlinePolicy':
        await this.iam.send(
          new PutRolePolicyCommand({ RoleName, PolicyName: action.policyName, PolicyDocument: JSON.stringify(action.document) }),
        );
        return;
      case 'deleteInlinePolicy':
        await unlessGone(() => this.iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: action.policyName })));
        return;
    }
  }
}
