/**
 * What the stores whose resync reads are shared or put together have in common
 * (src/aws/account-role-snapshot.ts, src/aws/staggered-role-reads.ts): they mark the answers that
 * may be a pass old, so that `convergeRole` reads the role on its own before judging or writing,
 * and pass every other read through to the store they wrap.
 */
import type { IamRoleStore, ObservedRole, RoleAction, RoleHead, RolePolicies, RoleReadOptions, RoleSpec } from './iam-roles.js';

export abstract class SharedReadIamRoleStore<Inner extends IamRoleStore = IamRoleStore> implements IamRoleStore {
  /** The answers that came from a shared or remembered read (each known by identity). */
  private readonly sharedAnswers = new WeakSet<ObservedRole>();

  constructor(protected readonly inner: Inner) {}

  abstract getRole(name: string, options?: RoleReadOptions): Promise<ObservedRole | undefined>;
  abstract createRole(spec: RoleSpec): Promise<ObservedRole>;
  abstract converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]>;
  abstract deleteRole(name: string, expected?: RolePolicies): Promise<boolean>;

  fromSharedRead(role: ObservedRole): boolean {
    return this.sharedAnswers.has(role);
  }

  getRoleHead(name: string): Promise<RoleHead | undefined> {
    return this.inner.getRoleHead(name);
  }

  rolesTrusting(federatedPrincipal: string): Promise<string[]> {
    return this.inner.rolesTrusting(federatedPrincipal);
  }

  roleNamesUnder(pathPrefix: string): Promise<string[]> {
    return this.inner.roleNamesUnder(pathPrefix);
  }

  /** Marks an answer as one that may be a pass old, and returns it. */
  protected shared(role: ObservedRole): ObservedRole {
    this.sharedAnswers.add(role);
    return role;
  }
}
