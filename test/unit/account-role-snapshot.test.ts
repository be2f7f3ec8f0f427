import { describe, expect, it } from '@jest/globals';
import { TAG_CLUSTER } from '../../src/api/constants.js';
import { PassSharedRoleReads, AccountSnapshotIamRoleStore, FAILED_READ_HELD_MS } from '../../src/aws/account-role-snapshot.js';
import type { ObservedRole, RoleSpec } from '../../src/aws/iam-roles.js';
import { ManualClock } from '../../src/controller/clock.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { convergeRole } from '../../src/operator/workload/iam-role-part.js';
import type { IrsaRolePlan } from '../../src/plan/index.js';
import { FakeAwsAccount, FAKE_ACCOUNT } from '../support/fakes/fake-aws.js';

const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

function spec(name: string): RoleSpec {
  return {
    name,
    path: '/eksops/',
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/x' }, Action: 'sts:AssumeRoleWithWebIdentity' }] },
    managedPolicyArns: [S3_READ],
    inlinePolicyName: 'inline',
    tags: { [TAG_CLUSTER]: 'demo' },
  };
}

/** A store over the fake account whose account-wide reads are counted and can be held open, each on its own. */
function harness() {
  const account = new FakeAwsAccount({ policies: [S3_READ, ADMIN] });
  const clock = new ManualClock(1_000_000);
  const inner = account.services(new ProfileLane({ now: () => clock.now() })).iamRoles;
  let nextHold: Promise<void> | undefined;
  const readAccountRoles = async (): Promise<ObservedRole[]> => {
    const hold = nextHold;
    nextHold = undefined;
    account.call('iam:GetAccountAuthorizationDetails');
    // The answer is what the account held when the call was served, even if it arrives later.
    const roles = [...account.roles.values()].filter((role) => TAG_CLUSTER in role.tags).map((role) => structuredClone(role));
    if (hold) await hold;
    return roles;
  };
  const snapshots = new PassSharedRoleReads(clock);
  const store = new AccountSnapshotIamRoleStore(inner, readAccountRoles, snapshots);
  /** A second store over the same account and shared reads (another region, or new clients). */
  const other = new AccountSnapshotIamRoleStore(inner, readAccountRoles, snapshots);
  const count = (operation: string): number => account.calls.filter((call) => call === `iam:${operation}`).length;
  /** Holds the next account read's answer until the returned function is called. */
  const holdNextRead = (): (() => void) => {
    let release = (): void => undefined;
    nextHold = new Promise((resolve) => (release = resolve as () => void));
    return release;
  };
  return { account, clock, inner, store, other, count, holdNextRead };
}

async function seeded(names: string[]) {
  const h = harness();
  for (const name of names) await h.inner.createRole(spec(name));
  h.account.calls.length = 0;
  return h;
}

const plan = (name: string): IrsaRolePlan => ({ ...spec(name), managed: true, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/${name}`, managedRoleName: name }) as unknown as IrsaRolePlan;

describe('AccountSnapshotIamRoleStore', () => {
  it('answers the reads of one resync pass from one account-wide read, as a per-role read would', async () => {
    const { store, inner, count } = await seeded(['a', 'b', 'c']);
    const shared = await Promise.all(['a', 'b', 'c'].map((name) => store.getRole(name, { resyncPass: 1 })));
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
    expect(count('GetRole')).toBe(0);
    for (const [i, name] of ['a', 'b', 'c'].entries()) expect(shared[i]).toEqual(await inner.getRole(name));
    // Later in the same pass (a retry), and from an earlier pass's retry: still the same read.
    await store.getRole('a', { resyncPass: 1 });
    await store.getRole('b', { resyncPass: 0 });
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
    // An answer is a copy: changing it changes nothing the next asker sees.
    shared[0]!.attachedPolicyArns.push(ADMIN);
    expect((await store.getRole('a', { resyncPass: 1 }))?.attachedPolicyArns).toEqual([S3_READ]);
  });

  it('reads the account again for the next pass, whatever the clock says, and reads a role on its own when no pass asks', async () => {
    const { store, clock, count } = await seeded(['a']);
    await store.getRole('a', { resyncPass: 1 });
    // A clock stepped back does not make the older read do for the next pass.
    clock.advance(-60_000);
    await store.getRole('a', { resyncPass: 2 });
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
    expect(count('GetRole')).toBe(0);
    await store.getRole('a');
    expect(count('GetRole')).toBe(1);
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it('shares one read between the reconciles that ask while it runs, and between the stores of every region', async () => {
    const { store, other, count, holdNextRead } = await seeded(['a', 'b']);
    const release = holdNextRead();
    const reads = [store.getRole('a', { resyncPass: 1 }), other.getRole('b', { resyncPass: 1 })];
    release();
    expect((await Promise.all(reads)).map((role) => role?.name)).toEqual(['a', 'b']);
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('does not answer for a role written after the read began: that one is read on its own', async () => {
    const { store, count } = await seeded(['a', 'b']);
    const before = await store.getRole('a', { resyncPass: 1 });
    await store.converge({ ...spec('a'), managedPolicyArns: [S3_READ, ADMIN] }, before!);
    const after = await store.getRole('a', { resyncPass: 1 });
    expect(after?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('GetRole')).toBe(1);
    // The role left alone is still answered from the shared read, and a converge that wrote nothing keeps it so.
    const b = await store.getRole('b', { resyncPass: 1 });
    expect(await store.converge(spec('b'), b!)).toEqual([]);
    await store.getRole('b', { resyncPass: 1 });
    expect(count('GetRole')).toBe(1);
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('does not answer for a role whose write ended while the read was running (the read may predate it)', async () => {
    const { store, inner, count, holdNextRead } = await seeded(['a']);
    const release = holdNextRead();
    const pending = store.getRole('a', { resyncPass: 1 });
    // The account answered (without ADMIN) before this write; the answer arrives after it.
    await store.converge({ ...spec('a'), managedPolicyArns: [S3_READ, ADMIN] }, (await inner.getRole('a'))!);
    release();
    expect((await pending)?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('a read of an earlier pass that ends after a later one began neither answers for a role written meanwhile nor becomes the latest', async () => {
    const { store, other, inner, count, holdNextRead } = await seeded(['a']);
    const releaseFirst = holdNextRead();
    const first = store.getRole('a', { resyncPass: 1 });
    const releaseSecond = holdNextRead();
    const second = other.getRole('a', { resyncPass: 2 });
    // Written while both reads run (both were served before it): neither may answer for the role.
    await store.converge({ ...spec('a'), managedPolicyArns: [S3_READ, ADMIN] }, (await inner.getRole('a'))!);
    releaseSecond();
    expect((await second)?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    releaseFirst();
    expect((await first)?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    // Pass 1's later-ending read did not replace pass 2's: a retry of pass 2 is answered from pass 2's.
    expect((await store.getRole('a', { resyncPass: 2 }))?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it("reads a role the shared read does not hold on its own: created since, gone, or not the operator's", async () => {
    const { store, account, count, inner } = await seeded(['a']);
    await store.getRole('a', { resyncPass: 1 });
    await inner.createRole({ ...spec('untagged'), tags: {} });
    expect((await store.getRole('untagged', { resyncPass: 1 }))?.name).toBe('untagged');
    expect(await store.getRole('never-made', { resyncPass: 1 })).toBeUndefined();
    expect(count('GetRole')).toBe(2);
    // Created through the store: its shared answer (none) is not trusted.
    await store.createRole(spec('new'));
    expect((await store.getRole('new', { resyncPass: 1 }))?.attachedPolicyArns).toEqual([S3_READ]);
    expect(count('GetRole')).toBe(3);
    // Deleted through the store: not answered as existing.
    await store.deleteRole('a');
    expect(await store.getRole('a', { resyncPass: 1 })).toBeUndefined();
    expect(account.roles.has('a')).toBe(false);
  });

  it("answers a pass's asks with its failed read for a while (a throttle is not multiplied by the fleet), then tries again", async () => {
    const { store, account, clock, count } = await seeded(['a', 'b']);
    account.faults.push({ operation: 'iam:GetAccountAuthorizationDetails', count: 1, error: () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }) });
    await expect(store.getRole('a', { resyncPass: 1 })).rejects.toThrow('Rate exceeded');
    await expect(store.getRole('b', { resyncPass: 1 })).rejects.toThrow('Rate exceeded');
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
    clock.advance(FAILED_READ_HELD_MS);
    expect((await store.getRole('a', { resyncPass: 1 }))?.name).toBe('a');
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it('a policy without the account-wide read stalls the role part, naming the action to grant', async () => {
    const { store, account } = await seeded(['a']);
    account.faults.push({
      operation: 'iam:GetAccountAuthorizationDetails',
      error: () => Object.assign(new Error('User: arn:aws:iam::123456789012:user/operator is not authorized to perform: iam:GetAccountAuthorizationDetails'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    });
    const result = await convergeRole({ roles: store, plan: plan('a'), adopt: false, event: () => undefined, read: { resyncPass: 1 } });
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'AccessDenied', message: expect.stringContaining('iam:GetAccountAuthorizationDetails') });
    expect(result.report.stalled).toBe(true);
  });

  it("finds drift made behind the operator's back in the shared read, and reads the role on its own before correcting it", async () => {
    const { store, account, count } = await seeded(['a', 'b']);
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    const events: string[] = [];
    const converge = (name: string) => convergeRole({ roles: store, plan: plan(name), adopt: false, event: (_type, reason) => events.push(reason), read: { resyncPass: 1 } });
    expect((await converge('a')).report.condition.status).toBe('True');
    expect(account.roles.get('a')!.attachedPolicyArns).toEqual([S3_READ]);
    expect(events).toEqual(['IAMRoleDriftCorrected']);
    expect(count('GetRole')).toBe(1);
    expect(count('DetachRolePolicy')).toBe(1);
    // A role without drift: the shared read alone.
    expect((await converge('b')).report.condition.status).toBe('True');
    expect(count('GetRole')).toBe(1);
  });

  it('reads a role the shared read does not hold once: an untagged one is refused (NotOwned) on that one read', async () => {
    const { store, account, inner, count } = await seeded(['a']);
    await inner.createRole({ ...spec('platform'), tags: {} });
    account.calls.length = 0;
    const result = await convergeRole({ roles: store, plan: plan('platform'), adopt: false, event: () => undefined, read: { resyncPass: 1 } });
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
    expect(count('GetRole')).toBe(1);
  });

  it('a clock stepped back ends the hold of a failed read instead of stretching it', async () => {
    const { store, account, clock, count } = await seeded(['a']);
    account.faults.push({ operation: 'iam:GetAccountAuthorizationDetails', count: 1, error: () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }) });
    await expect(store.getRole('a', { resyncPass: 1 })).rejects.toThrow('Rate exceeded');
    clock.advance(-3_600_000);
    expect((await store.getRole('a', { resyncPass: 1 }))?.name).toBe('a');
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it('judges ownership on a fresh read: tags taken off since the shared read leave the role untouched (NotOwned)', async () => {
    const { store, account, count } = await seeded(['a']);
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    await store.getRole('a', { resyncPass: 1 });
    // After the shared read: the platform takes the role over (ownership tags off).
    account.roles.get('a')!.tags = {};
    const result = await convergeRole({ roles: store, plan: plan('a'), adopt: false, event: () => undefined, read: { resyncPass: 1 } });
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'NotOwned' });
    expect(account.roles.get('a')!.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('DetachRolePolicy')).toBe(0);
  });
});
