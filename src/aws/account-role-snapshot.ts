/**
 * Opt-in (`--iam-role-reads=account`): the reconciles of a resync pass share one read of the
 * account's roles (GetAccountAuthorizationDetails, paginated) instead of three reads per role
 * (GetRole, ListAttachedRolePolicies, ListRolePolicies). The price is a permission IAM cannot
 * confine to some roles: the operator may then read every IAM entity's policies in the account
 * (README, "IAM setup for the operator").
 *
 * A read answers a role only when it is as fresh as the asker needs (`sharedSince`: begun at or
 * after the resync pass started) and the operator has not written the role since that read began.
 * Any other read, and any role the shared read does not hold (not the operator's, created since,
 * written since), is read on its own, so the snapshot never answers with something older than a
 * per-role read would have seen at the start of the pass.
 */
import type { Clock } from '../controller/clock.js';
import type { IamRoleStore, ObservedRole, RoleHead, RolePolicies, RoleReadOptions, RoleSpec, RoleAction } from './iam-roles.js';

/** Reads the account's roles that matter (the operator's own), with their policies. */
export type AccountRolesReader = () => Promise<ObservedRole[]>;

interface SharedRead {
  /** When the read began (the operator's clock). */
  startedAt: number;
  /** Roles by name; a role written since the read began is taken out. */
  roles: Map<string, ObservedRole>;
}

interface PendingRead {
  startedAt: number;
  answer: Promise<Map<string, ObservedRole>>;
  /** Roles written while the read ran: its answer for them may predate the write. */
  writtenSince: Set<string>;
}

/** {@link IamRoleStore} whose resync reads come from one shared read of the account's roles. */
export class AccountSnapshotIamRoleStore implements IamRoleStore {
  private latest: SharedRead | undefined;
  private pending: PendingRead | undefined;

  constructor(
    private readonly inner: IamRoleStore,
    private readonly readAccountRoles: AccountRolesReader,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async getRole(name: string, options?: RoleReadOptions): Promise<ObservedRole | undefined> {
    if (options?.sharedSince === undefined) return this.inner.getRole(name);
    // A failed shared read fails the reconcile: the condition then names the call and its error
    // (an AccessDenied says the permission the mode needs), rather than paying 3 reads unseen.
    const roles = await this.rolesSince(options.sharedSince);
    return roles.get(name) ?? this.inner.getRole(name);
  }

  getRoleHead(name: string): Promise<RoleHead | undefined> {
    return this.inner.getRoleHead(name);
  }

  createRole(spec: RoleSpec): Promise<ObservedRole> {
    return this.writing(spec.name, () => this.inner.createRole(spec));
  }

  converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]> {
    return this.writing(spec.name, () => this.inner.converge(spec, observed));
  }

  deleteRole(name: string, expected?: RolePolicies): Promise<boolean> {
    return this.writing(name, () => this.inner.deleteRole(name, expected));
  }

  rolesTrusting(federatedPrincipal: string): Promise<string[]> {
    return this.inner.rolesTrusting(federatedPrincipal);
  }

  roleNamesUnder(pathPrefix: string): Promise<string[]> {
    return this.inner.roleNamesUnder(pathPrefix);
  }

  /** The roles of a read begun at or after `since`: the latest, the one running, or a new one. */
  private rolesSince(since: number): Promise<Map<string, ObservedRole>> {
    if (this.latest && this.latest.startedAt >= since) return Promise.resolve(this.latest.roles);
    if (this.pending && this.pending.startedAt >= since) return this.pending.answer;
    const pending: PendingRead = { startedAt: this.clock.now(), writtenSince: new Set(), answer: Promise.resolve(new Map()) };
    pending.answer = this.readAccountRoles().then(
      (roles) => {
        const byName = new Map(roles.filter((role) => !pending.writtenSince.has(role.name)).map((role) => [role.name, role]));
        if (this.pending === pending) this.pending = undefined;
        if (!this.latest || this.latest.startedAt <= pending.startedAt) this.latest = { startedAt: pending.startedAt, roles: byName };
        return byName;
      },
      (err: unknown) => {
        if (this.pending === pending) this.pending = undefined;
        throw err;
      },
    );
    this.pending = pending;
    return pending.answer;
  }

  /**
   * A write to a role: once it has ended (however), no shared read that may predate it answers
   * for that role again; reads begun after it do.
   */
  private async writing<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.latest?.roles.delete(name);
      this.pending?.writtenSince.add(name);
    }
  }
}
