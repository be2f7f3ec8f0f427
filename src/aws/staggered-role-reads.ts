/**
 * The default way a resync reads the IRSA roles (`--iam-role-reads=staggered`): one read per role
 * per pass, with no permission beyond the per-role reads and ListRoles the operator already holds.
 *
 * - **Every pass**: the trust policy, path, identity (RoleId) and existence of each role, from one
 *   ListRoles of the role's path (1,000 roles a call), shared by the pass's reconciles
 *   ({@link PassSharedRoleReads}).
 * - **One part per pass, in turn** ({@link ROLE_PARTS}): tags and permissions boundary (GetRole),
 *   attached policies (ListAttachedRolePolicies), inline policies (ListRolePolicies and a
 *   GetRolePolicy each). So each part is read at least every third pass.
 * - The parts not read this pass are the role's last read or the operator's own create,
 *   remembered per role as compact JSON. A role with nothing remembered, another RoleId than
 *   remembered (deleted and made again under its name), or missing from the listing is read whole.
 * - The answer only says that nothing needs doing: when it shows drift, no ownership or a path to
 *   replace, `convergeRole` reads the role whole before anything is judged on it or written
 *   ({@link SharedReadIamRoleStore.fromSharedRead}), so nothing is written or adopted on remembered
 *   parts. A write other than a create forgets the role, and so does a read a write may have
 *   overlapped: the next pass reads it whole.
 *
 * IAM is one per account: the state ({@link StaggeredRoleReads}) is shared by the stores of every
 * region and every set of clients.
 */
import type { Clock } from '../controller/clock.js';
import { PassSharedRoleReads } from './account-role-snapshot.js';
import { SharedReadIamRoleStore } from './shared-read-role-store.js';
import { diffRole, type IamRoleStore, type ListedRole, type ObservedRole, type RoleAction, type RolePartReader, type RolePolicies, type RoleReadOptions, type RoleSpec } from './iam-roles.js';

/** The parts of a role read in turn, one per resync pass. */
export const ROLE_PARTS = ['head', 'attached', 'inline'] as const;
export type RolePart = (typeof ROLE_PARTS)[number];

/** What is remembered of a role besides what the listing tells every pass. */
type RememberedParts = Pick<ObservedRole, 'permissionsBoundary' | 'tags' | 'attachedPolicyArns' | 'inlinePolicies'>;

interface RememberedRole {
  id: string;
  /** {@link RememberedParts} as JSON: a thousand roles' documents held compact. */
  parts: string;
  /** The index in {@link ROLE_PARTS} of the part the next pass reads. */
  next: number;
  /** The latest resync pass when it was last read or used. */
  pass: number;
}

/** A role not read or used for more passes than this is forgotten (a deleted workload's, an execution role's). */
export const REMEMBERED_PASSES = 3;

/** What the staggered reads of one account know. One per operator, handed to every region's store. */
export class StaggeredRoleReads {
  private readonly remembered = new Map<string, RememberedRole>();
  private readonly listings = new Map<string, PassSharedRoleReads<ListedRole>>();
  /** Counts the beginnings and ends of writes: a read that a write to its role overlapped is not remembered. */
  private sequence = 0;
  /** The sequence number of the last beginning or end of a write, by role (only roles not deleted since). */
  private readonly lastWrite = new Map<string, number>();
  /** Stands for the entries taken out (roles deleted, entries pruned): no read begun before it is remembered. */
  private prunedAt = 0;
  private latestPass = 0;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** The shared ListRoles reads of one role path. */
  listing(path: string): PassSharedRoleReads<ListedRole> {
    let listing = this.listings.get(path);
    if (!listing) {
      listing = new PassSharedRoleReads<ListedRole>(this.clock);
      this.listings.set(path, listing);
    }
    return listing;
  }

  recall(name: string): RememberedRole | undefined {
    return this.remembered.get(name);
  }

  /**
   * A reconcile of resync pass `pass` asks. The first to ask for a new pass forgets the roles no
   * pass has read or used for {@link REMEMBERED_PASSES} passes, and the writes on record of roles
   * not remembered, so that the state holds only the roles the resyncs read.
   */
  passAsked(pass: number): void {
    if (pass <= this.latestPass) return;
    this.latestPass = pass;
    for (const [name, role] of this.remembered) if (role.pass < pass - REMEMBERED_PASSES) this.remembered.delete(name);
    let pruned = false;
    for (const name of this.lastWrite.keys()) {
      if (this.remembered.has(name)) continue;
      this.lastWrite.delete(name);
      pruned = true;
    }
    if (pruned) this.prunedAt = ++this.sequence;
  }

  /** Where a read begins, for {@link remember}. */
  now(): number {
    return this.sequence;
  }

  /**
   * Keeps what a read begun at `since` found; `next` is the part the next pass reads. A read that
   * a write to the role may have overlapped forgets the role instead, so that the next pass reads
   * it whole (never the same part again on an old entry).
   */
  remember(role: ObservedRole, next: number, since: number): void {
    if ((this.lastWrite.get(role.name) ?? this.prunedAt) > since || !role.id) {
      this.remembered.delete(role.name);
      return;
    }
    const parts: RememberedParts = {
      ...(role.permissionsBoundary ? { permissionsBoundary: role.permissionsBoundary } : {}),
      tags: role.tags,
      attachedPolicyArns: role.attachedPolicyArns,
      inlinePolicies: role.inlinePolicies,
    };
    this.remembered.set(role.name, { id: role.id, parts: JSON.stringify(parts), next: next % ROLE_PARTS.length, pass: this.latestPass });
  }

  forget(name: string): void {
    this.remembered.delete(name);
  }

  /** A write to the role begins or ends: reads that overlap it are neither remembered nor shared. */
  written(name: string): void {
    this.lastWrite.set(name, ++this.sequence);
    this.remembered.delete(name);
    for (const listing of this.listings.values()) listing.written(name);
  }

  /** The role's delete has ended: nothing is kept of it (so that churn does not grow the state). */
  deleted(name: string): void {
    this.written(name);
    this.lastWrite.delete(name);
    this.prunedAt = this.sequence;
  }

  /** Roles remembered, and roles with a write on record (tests). */
  get size(): { remembered: number; written: number } {
    return { remembered: this.remembered.size, written: this.lastWrite.size };
  }
}

/** {@link IamRoleStore} whose resync reads are a shared listing and one part of the role in turn. */
export class StaggeredIamRoleStore extends SharedReadIamRoleStore<IamRoleStore & RolePartReader> {
  constructor(
    inner: IamRoleStore & RolePartReader,
    private readonly state: StaggeredRoleReads,
  ) {
    super(inner);
  }

  async getRole(name: string, options?: RoleReadOptions): Promise<ObservedRole | undefined> {
    const path = options?.path;
    if (options?.resyncPass === undefined || path === undefined) return this.readWhole(name);
    this.state.passAsked(options.resyncPass);
    const since = this.state.now();
    // A failed listing fails the reconcile: its condition names the call and the error, rather
    // than the pass paying a whole read per role unseen.
    const listed = (await this.state.listing(path).rolesFor(options.resyncPass, () => this.listRemembered(path))).get(name);
    const remembered = this.state.recall(name);
    if (!listed?.id || !remembered || listed.id !== remembered.id) return this.readWhole(name);
    const parts = JSON.parse(remembered.parts) as RememberedParts;
    const part = ROLE_PARTS[remembered.next] ?? 'head';
    const read = await this.readPart(name, part, remembered.id, parts);
    if (!read) return this.readWhole(name);
    // The listing's trust policy is the pass's, shared by its reconciles: each answer gets a copy.
    // A role made again under its name between the listing and this read is another RoleId only in
    // the head part; the other two may show the new role's policies for one pass, never written on.
    const role: ObservedRole = { ...listed, trustPolicy: structuredClone(listed.trustPolicy), ...parts };
    this.state.remember(role, remembered.next + 1, since);
    return this.shared(role);
  }

  async createRole(spec: RoleSpec): Promise<ObservedRole> {
    const created = await this.writing(spec.name, () => this.inner.createRole(spec));
    // What the create made is what a read would find: the next pass reads one part of it.
    this.state.remember(created, 0, this.state.now());
    return created;
  }

  converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]> {
    // A converge with nothing to write leaves what is remembered true.
    if (diffRole(spec, observed).length === 0) return this.inner.converge(spec, observed);
    return this.writing(spec.name, () => this.inner.converge(spec, observed));
  }

  async deleteRole(name: string, expected?: RolePolicies): Promise<boolean> {
    try {
      return await this.writing(name, () => this.inner.deleteRole(name, expected));
    } finally {
      this.state.deleted(name);
    }
  }

  /** The roles under the path that are remembered: only those can be answered from the listing (a path of "/" lists the whole account). */
  private async listRemembered(path: string): Promise<ListedRole[]> {
    return (await this.inner.listRolesUnder(path)).filter((role) => this.state.recall(role.name) !== undefined);
  }

  /** The role read whole, remembered for the passes after. */
  private async readWhole(name: string): Promise<ObservedRole | undefined> {
    const since = this.state.now();
    const role = await this.inner.getRole(name);
    if (role) this.state.remember(role, 0, since);
    else this.state.forget(name);
    return role;
  }

  /** Reads one part into `parts`; false when the role is gone or is another one than remembered. */
  private async readPart(name: string, part: RolePart, id: string, parts: RememberedParts): Promise<boolean> {
    switch (part) {
      case 'head': {
        const head = await this.inner.getRoleHead(name);
        if (!head || head.id !== id) return false;
        parts.tags = head.tags;
        if (head.permissionsBoundary) parts.permissionsBoundary = head.permissionsBoundary;
        else delete parts.permissionsBoundary;
        return true;
      }
      case 'attached': {
        const arns = await this.inner.attachedPoliciesOf(name);
        if (!arns) return false;
        parts.attachedPolicyArns = arns;
        return true;
      }
      case 'inline': {
        const inline = await this.inner.inlinePoliciesOf(name);
        if (!inline) return false;
        parts.inlinePolicies = inline;
        return true;
      }
    }
  }

  /** Runs a write; the role is forgotten when it begins and when it ends, so the next pass reads it whole. */
  private async writing<T>(name: string, write: () => Promise<T>): Promise<T> {
    this.state.written(name);
    try {
      return await write();
    } finally {
      this.state.written(name);
    }
  }
}
