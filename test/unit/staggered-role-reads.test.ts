import { describe, expect, it } from '@jest/globals';
import { TAG_CLUSTER } from '../../src/api/constants.js';
import type { IamRoleStore, RolePartReader, RoleSpec } from '../../src/aws/iam-roles.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { ROLE_PARTS, StaggeredIamRoleStore, StaggeredRoleReads } from '../../src/aws/staggered-role-reads.js';
import { ManualClock } from '../../src/controller/clock.js';
import { convergeRole } from '../../src/operator/workload/iam-role-part.js';
import type { IrsaRolePlan } from '../../src/plan/index.js';
import { FakeAwsAccount, FAKE_ACCOUNT } from '../support/fakes/fake-aws.js';

const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const BOUNDARY = `arn:aws:iam::${FAKE_ACCOUNT}:policy/eksops-boundary`;
const PATH = '/eksops/';
const OIDC = `arn:aws:iam::${FAKE_ACCOUNT}:oidc-provider/x`;

function spec(name: string): RoleSpec {
  return {
    name,
    path: PATH,
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: OIDC }, Action: 'sts:AssumeRoleWithWebIdentity' }] },
    managedPolicyArns: [S3_READ],
    inlinePolicyName: 'inline',
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }] },
    permissionsBoundary: BOUNDARY,
    tags: { [TAG_CLUSTER]: 'demo' },
  };
}

const plan = (name: string): IrsaRolePlan => ({ ...spec(name), managed: true, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/${name}`, managedRoleName: name }) as unknown as IrsaRolePlan;

type Inner = IamRoleStore & RolePartReader;

/** A staggered store over the fake account; `reads` logs each read of the inner store by kind (whole, listing, or a part). */
function harness() {
  const account = new FakeAwsAccount({ policies: [S3_READ, ADMIN, BOUNDARY] });
  const clock = new ManualClock(1_000_000);
  const fake = account.services(new ProfileLane({ now: () => clock.now() })).iamRoles as Inner;
  const reads: string[] = [];
  const holds = new Map<string, Promise<void>>();
  const logged =
    <A extends unknown[], R>(kind: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      reads.push(kind);
      const answer = call(...args);
      const hold = holds.get(kind);
      if (hold) await hold;
      return answer;
    };
  const inner: Inner = {
    ...fake,
    getRole: logged('whole', (name: string) => fake.getRole(name)),
    getRoleHead: logged('head', (name: string) => fake.getRoleHead(name)),
    attachedPoliciesOf: logged('attached', (name: string) => fake.attachedPoliciesOf(name)),
    inlinePoliciesOf: logged('inline', (name: string) => fake.inlinePoliciesOf(name)),
    listRolesUnder: logged('listing', (path: string) => fake.listRolesUnder(path)),
    createRole: (role) => fake.createRole(role),
    converge: (role, observed) => fake.converge(role, observed),
    deleteRole: (name, expected) => fake.deleteRole(name, expected),
    rolesTrusting: (principal) => fake.rolesTrusting(principal),
    roleNamesUnder: (path) => fake.roleNamesUnder(path),
  };
  const state = new StaggeredRoleReads(clock);
  const store = new StaggeredIamRoleStore(inner, state);
  const events: string[] = [];
  const converge = (name: string, pass: number) =>
    convergeRole({ roles: store, plan: plan(name), adopt: false, event: (_type, reason) => events.push(reason), read: { resyncPass: pass } });
  /** Holds the answers of one kind of read until the returned function is called. */
  const hold = (kind: string): (() => void) => {
    let release = (): void => undefined;
    holds.set(kind, new Promise((resolve) => (release = resolve as () => void)));
    return () => {
      holds.delete(kind);
      release();
    };
  };
  const writes = () => account.calls.filter((call) => /:(Create|Delete|Put|Attach|Detach|Update|Tag)/.test(call));
  return { account, clock, fake, inner, state, store, reads, events, converge, hold, writes };
}

/** Roles created through the store (so remembered), with the reads so far cleared. */
async function created(names: string[]) {
  const h = harness();
  for (const name of names) await h.store.createRole(spec(name));
  h.reads.length = 0;
  h.account.calls.length = 0;
  return h;
}

describe('StaggeredIamRoleStore', () => {
  it('reads one part of each role per pass, in turn, and every trust policy from one listing per pass', async () => {
    const { store, reads, account } = await created(['a', 'b', 'c']);
    for (let pass = 1; pass <= ROLE_PARTS.length; pass++) {
      reads.length = 0;
      account.calls.length = 0;
      for (const name of ['a', 'b', 'c']) {
        const role = await store.getRole(name, { resyncPass: pass, path: PATH });
        expect(role).toMatchObject({ name, trustPolicy: spec(name).trustPolicy, attachedPolicyArns: [S3_READ], permissionsBoundary: BOUNDARY, tags: spec(name).tags });
        expect(store.fromSharedRead(role!)).toBe(true);
      }
      // One listing for the three, and one read each: the part whose turn it is.
      expect(reads).toEqual(['listing', ROLE_PARTS[pass - 1], ROLE_PARTS[pass - 1], ROLE_PARTS[pass - 1]]);
    }
    // Three passes read every part of every role once.
    reads.length = 0;
    await store.getRole('a', { resyncPass: 4, path: PATH });
    expect(reads).toEqual(['listing', 'head']);
    expect(account.calls.filter((call) => call.startsWith('iam:') && !/^iam:(ListRoles|GetRole|ListAttachedRolePolicies|ListRolePolicies|GetRolePolicy)$/.test(call))).toEqual([]);
  });

  it('reads a role whole without a pass, and remembers it for the passes after', async () => {
    const { store, reads, fake } = harness();
    await fake.createRole(spec('a'));
    expect(await store.getRole('a')).toMatchObject({ name: 'a', attachedPolicyArns: [S3_READ] });
    expect(reads).toEqual(['whole']);
    // Nothing remembered of a role the store has not seen: the first pass reads it whole.
    await fake.createRole(spec('b'));
    reads.length = 0;
    await store.getRole('b', { resyncPass: 1, path: PATH });
    await store.getRole('a', { resyncPass: 1, path: PATH });
    expect(reads).toEqual(['listing', 'whole', 'head']);
  });

  it.each([
    ['a detached policy', 'attached', (role: { attachedPolicyArns: string[] }) => (role.attachedPolicyArns = []), ['AttachRolePolicy']],
    ['an attached one', 'attached', (role: { attachedPolicyArns: string[] }) => role.attachedPolicyArns.push(ADMIN), ['DetachRolePolicy']],
    ['a changed inline policy', 'inline', (role: { inlinePolicies: Record<string, unknown> }) => (role.inlinePolicies['inline'] = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), ['PutRolePolicy']],
    ['an added inline policy', 'inline', (role: { inlinePolicies: Record<string, unknown> }) => (role.inlinePolicies['extra'] = { Statement: [] }), ['DeleteRolePolicy']],
    ['a removed boundary', 'head', (role: { permissionsBoundary?: string }) => delete role.permissionsBoundary, ['PutRolePermissionsBoundary']],
    ['a tag of someone else\'s', 'head', (role: { tags: Record<string, string> }) => (role.tags[TAG_CLUSTER + '-x'] = 'y'), []],
  ] as const)("finds %s within three passes, and reads the role whole before correcting it", async (_what, part, drift, fix) => {
    const { account, converge, reads, events } = await created(['a']);
    drift(account.roles.get('a') as never);
    let found = 0;
    for (let pass = 1; pass <= ROLE_PARTS.length && found === 0; pass++) {
      reads.length = 0;
      account.calls.length = 0;
      expect((await converge('a', pass)).report.condition.status).toBe('True');
      if (account.calls.some((call) => /:(Attach|Detach|Put|Delete)/.test(call))) found = pass;
    }
    if (fix.length === 0) {
      // A tag of someone else's is no drift: nothing is written in any pass.
      expect(found).toBe(0);
      return;
    }
    expect(found).toBe(ROLE_PARTS.indexOf(part) + 1);
    // The part's read showed it; the role was read whole before anything was written.
    expect(reads).toEqual(['listing', part, 'whole']);
    expect(account.calls.filter((call) => !/^iam:(ListRoles|GetRole|ListAttachedRolePolicies|ListRolePolicies|GetRolePolicy)$/.test(call))).toEqual(fix.map((operation) => `iam:${operation}`));
    expect(events).toEqual(['IAMRoleDriftCorrected']);
  });

  it('ownership tags taken off with a policy attached: the part that shows the policy leads to a whole read, which refuses the role (NotOwned) and writes nothing', async () => {
    const { account, converge, reads, writes, events } = await created(['a']);
    await converge('a', 1);
    // Pass 2 reads the attached policies; the remembered tags still say the operator's.
    account.roles.get('a')!.tags = {};
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    reads.length = 0;
    account.calls.length = 0;
    const result = await converge('a', 2);
    expect(reads).toEqual(['listing', 'attached', 'whole']);
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(writes()).toEqual([]);
    expect(events).toEqual([]);
    expect(account.roles.get('a')!.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
  });

  it('a read that a delete of another role overlapped is not kept when the role has no write on record: it is read whole next, never the same part again on an old entry', async () => {
    const { store, reads, hold, fake } = await created(['b']);
    // a was made by someone else's hand (or before a restart): read whole, no write on record.
    await fake.createRole(spec('a'));
    await store.getRole('a');
    await store.getRole('a', { resyncPass: 1, path: PATH });
    // a's part read of pass 2 (attached policies) runs while b is deleted.
    const release = hold('attached');
    const read = store.getRole('a', { resyncPass: 2, path: PATH });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await store.deleteRole('b');
    release();
    await read;
    reads.length = 0;
    await store.getRole('a', { resyncPass: 3, path: PATH });
    expect(reads).toEqual(['listing', 'whole']);
    reads.length = 0;
    await store.getRole('a', { resyncPass: 4, path: PATH });
    expect(reads).toEqual(['listing', 'head']);
  });

  it('forgets the roles no pass has read for three passes, and the writes on record of roles it does not remember', async () => {
    const { store, state, fake } = await created(['a', 'b']);
    await fake.createRole(spec('c'));
    // c read whole by an event-driven reconcile, b converged with a write (forgotten), a read each pass.
    await store.getRole('c');
    await store.converge(spec('b'), { ...(await fake.getRole('b'))!, attachedPolicyArns: [] });
    expect(state.size).toEqual({ remembered: 2, written: 2 });
    for (let pass = 1; pass <= 4; pass++) await store.getRole('a', { resyncPass: pass, path: PATH });
    expect(state.recall('a')).toBeDefined();
    expect(state.recall('c')).toBeUndefined();
    expect(state.size).toEqual({ remembered: 1, written: 1 });
  });

  it('a retry in the same pass after a correction reads the role whole', async () => {
    const { account, converge, reads } = await created(['a']);
    await converge('a', 1);
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    await converge('a', 2);
    reads.length = 0;
    await converge('a', 2);
    expect(reads).toEqual(['whole']);
  });

  it('finds a changed trust policy in the next pass, whichever part it reads', async () => {
    const { account, converge, events } = await created(['a']);
    await converge('a', 1);
    account.roles.get('a')!.trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
    account.calls.length = 0;
    await converge('a', 2);
    expect(account.calls).toContain('iam:UpdateAssumeRolePolicy');
    expect(account.roles.get('a')!.trustPolicy).toEqual(spec('a').trustPolicy);
    expect(events).toEqual(['IAMRoleDriftCorrected']);
  });

  it('a role made again under its name (another RoleId) is read whole, and refused when not the operator\'s', async () => {
    const { account, fake, converge, reads, writes } = await created(['a']);
    account.roles.delete('a');
    await fake.createRole({ ...spec('a'), tags: {} });
    account.calls.length = 0;
    const result = await converge('a', 1);
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(reads).toEqual(['listing', 'whole']);
    expect(writes()).toEqual([]);
  });

  it('a role gone since it was remembered is read whole, then made again', async () => {
    const { account, converge, reads } = await created(['a']);
    account.roles.delete('a');
    expect((await converge('a', 1)).report.condition.status).toBe('True');
    expect(reads).toEqual(['listing', 'whole']);
    expect(account.calls).toContain('iam:CreateRole');
  });

  it('a role gone between the listing and its part is read whole', async () => {
    const { account, store, reads } = await created(['a', 'b']);
    await store.getRole('b', { resyncPass: 1, path: PATH });
    account.roles.delete('a');
    reads.length = 0;
    expect(await store.getRole('a', { resyncPass: 1, path: PATH })).toBeUndefined();
    expect(reads).toEqual(['head', 'whole']);
  });

  it('a correction forgets the role (the next pass reads it whole); a converge that writes nothing does not', async () => {
    const { account, converge, reads, state } = await created(['a']);
    await converge('a', 1);
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    await converge('a', 2);
    expect(account.roles.get('a')!.attachedPolicyArns).toEqual([S3_READ]);
    reads.length = 0;
    await converge('a', 3);
    expect(reads).toEqual(['listing', 'whole']);
    reads.length = 0;
    await converge('a', 4);
    expect(reads).toEqual(['listing', 'head']);
    // The correction's record went with the new pass: a is remembered from a read, not a write.
    expect(state.size).toEqual({ remembered: 1, written: 0 });
  });

  it('does not remember a part read that a write overlapped', async () => {
    const { account, store, state, hold, reads } = await created(['a']);
    await store.getRole('a', { resyncPass: 1, path: PATH });
    // The part read of pass 2 (attached policies) is answered, then held while the role is corrected.
    const release = hold('attached');
    const read = store.getRole('a', { resyncPass: 2, path: PATH });
    await new Promise<void>((resolve) => setImmediate(resolve));
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    const observed = (await account.services(new ProfileLane({ now: () => 0 })).iamRoles.getRole('a'))!;
    await store.converge(spec('a'), observed);
    release();
    await read;
    expect(state.recall('a')).toBeUndefined();
    reads.length = 0;
    await store.getRole('a', { resyncPass: 3, path: PATH });
    expect(reads).toEqual(['listing', 'whole']);
  });

  it('deleting a role leaves nothing of it, and a read its delete overlapped is not remembered', async () => {
    const { store, state, fake, hold } = await created(['a', 'b']);
    expect(state.recall('a')).toBeDefined();
    await store.deleteRole('a');
    expect(state.recall('a')).toBeUndefined();
    expect(state.size).toEqual({ remembered: 1, written: 1 });
    // A whole read of c begins and c is deleted while it runs: what the read found is not kept.
    await fake.createRole(spec('c'));
    const release = hold('whole');
    const read = store.getRole('c');
    await new Promise<void>((resolve) => setImmediate(resolve));
    await store.deleteRole('c');
    release();
    await read;
    expect(state.recall('c')).toBeUndefined();
    expect(state.size).toEqual({ remembered: 1, written: 1 });
  });

  it('shares the listing of a pass between the stores of every region, and lists again for the next pass', async () => {
    const { inner, state, store, reads } = await created(['a', 'b']);
    const other = new StaggeredIamRoleStore(inner, state);
    await store.getRole('a', { resyncPass: 1, path: PATH });
    await other.getRole('b', { resyncPass: 1, path: PATH });
    await other.getRole('b', { resyncPass: 2, path: PATH });
    expect(reads.filter((read) => read === 'listing')).toHaveLength(2);
  });

  it('a failed listing fails the role part, naming the call', async () => {
    const { account, converge, writes } = await created(['a']);
    account.faults.push({ operation: 'iam:ListRoles', error: () => Object.assign(new Error('User is not authorized to perform: iam:ListRoles'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }) });
    const result = await converge('a', 1);
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'AccessDenied', message: expect.stringContaining('iam:ListRoles') });
    expect(writes()).toEqual([]);
  });
});
