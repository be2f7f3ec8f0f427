/**
 * Opt-in (`--iam-role-reads=account`): the reconciles of a resync pass share one read of the
 * account's roles (GetAccountAuthorizationDetails, paginated) instead of three reads per role
 * (GetRole, ListAttachedRolePolicies, ListRolePolicies). The price is a permission IAM cannot
 * confine to some roles: the operator may then read every IAM entity's policies in the account
 * (README, "IAM setup for the operator").
 *
 * A shared read answers a reconcile of pass N only when it was started for pass N or a later one
 * (so it began after pass N did: passes are numbered, never timed, so a clock step cannot make an
 * old read look new) and the operator has not written the role since it began. Any other read, and
 * any role the shared read does not hold (not the operator's, created since, written since), is
 * read on its own. IAM is one per account: the state is shared by the stores of every region and
 * every set of clients ({@link PassSharedRoleReads}).
 */
import type { Clock } from '../controller/clock.js';
import type { IamRoleStore, ObservedRole, RoleAction, RolePolicies, RoleReadOptions, RoleSpec } from './iam-roles.js';
import { SharedReadIamRoleStore } from './shared-read-role-store.js';

/** Reads the roles that matter in one call, paginated: the account's (the operator's own, with their policies), or one role path's. */
export type SharedRolesReader<T extends { name: string } = ObservedRole> = () => Promise<T[]>;

/** A failed shared read answers its pass's asks this long before it is tried again (a throttle is not multiplied by the fleet). */
export const FAILED_READ_HELD_MS = 10_000;

interface SharedRead<T> {
  /** The resync pass it was started for. */
  pass: number;
  /** Roles by name; a role written since the read began is taken out (writtenSince while it runs). */
  roles: Map<string, T> | undefined;
  answer: Promise<Map<string, T>>;
  writtenSince: Set<string>;
}

/**
 * What the shared reads of one set of roles know: the newest finished read, the reads still
 * running, and the last failure. One per operator for the account (handed to every region's
 * {@link AccountSnapshotIamRoleStore}), or one per role path (src/aws/staggered-role-reads.ts).
 */
export class PassSharedRoleReads<T extends { name: string } = ObservedRole> {
  private latest: SharedRead<T> | undefined;
  private readonly running = new Set<SharedRead<T>>();
  private failure: { pass: number; at: number; error: unknown } | undefined;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** The roles of a read started for `pass` or later: the latest, one running, or a new one by `read`. */
  rolesFor(pass: number, read: SharedRolesReader<T>): Promise<Map<string, T>> {
    if (this.latest?.roles && this.latest.pass >= pass) return Promise.resolve(this.latest.roles);
    for (const shared of this.running) if (shared.pass >= pass) return shared.answer;
    // A clock stepped back (negative age) ends the hold rather than stretching it.
    const failedAgo = this.failure ? this.clock.now() - this.failure.at : -1;
    if (this.failure && this.failure.pass >= pass && failedAgo >= 0 && failedAgo < FAILED_READ_HELD_MS) return Promise.reject(this.failure.error);
    const shared: SharedRead<T> = { pass, roles: undefined, writtenSince: new Set(), answer: Promise.resolve(new Map()) };
    shared.answer = read().then(
      (roles) => {
        this.running.delete(shared);
        shared.roles = new Map(roles.filter((role) => !shared.writtenSince.has(role.name)).map((role) => [role.name, role]));
        // Only a read for a later pass replaces the latest: one started earlier may predate writes.
        if (!this.latest || this.latest.pass < shared.pass) this.latest = shared;
        return shared.roles;
      },
      (error: unknown) => {
        this.running.delete(shared);
        this.failure = { pass, at: this.clock.now(), error };
        throw error;
      },
    );
    this.running.add(shared);
    return shared.answer;
  }

  /** A write to the role has ended: no read that may have begun before it answers for the role. */
  written(name: string): void {
    this.latest?.roles?.delete(name);
    for (const shared of this.running) shared.writtenSince.add(name);
  }
}

/** {@link IamRoleStore} whose resync reads come from a read of the account's roles shared by the pass. */
export class AccountSnapshotIamRoleStore extends SharedReadIamRoleStore {
  constructor(
    inner: IamRoleStore,
    private readonly readAccountRoles: SharedRolesReader,
    private readonly snapshots: PassSharedRoleReads,
  ) {
    super(inner);
  }

  async getRole(name: string, options?: RoleReadOptions): Promise<ObservedRole | undefined> {
    if (options?.resyncPass === undefined) return this.inner.getRole(name);
    // A failed shared read fails the reconcile: the condition then names the call and its error
    // (an AccessDenied names the permission the mode needs), rather than paying 3 reads unseen.
    const shared = (await this.snapshots.rolesFor(options.resyncPass, this.readAccountRoles)).get(name);
    if (!shared) return this.inner.getRole(name);
    // A copy: the answer is the pass's, not the asker's to change.
    return this.shared(structuredClone(shared));
  }

  createRole(spec: RoleSpec): Promise<ObservedRole> {
    return this.writing(spec.name, () => this.inner.createRole(spec), () => true);
  }

  converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]> {
    // A converge that wrote nothing leaves the shared answer true.
    return this.writing(spec.name, () => this.inner.converge(spec, observed), (actions) => actions.length > 0);
  }

  deleteRole(name: string, expected?: RolePolicies): Promise<boolean> {
    return this.writing(name, () => this.inner.deleteRole(name, expected), () => true);
  }

  /** Runs a write; once it has ended having written (or failed, when it may have), the role is read on its own. */
  private async writing<T>(name: string, write: () => Promise<T>, wrote: (result: T) => boolean): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (err) {
      this.snapshots.written(name);
      throw err;
    }
    if (wrote(result)) this.snapshots.written(name);
    return result;
  }
}
