import { describe, expect, it } from '@jest/globals';
import { TAG_CLUSTER } from '../../src/api/constants.js';
import { AccountSnapshotIamRoleStore } from '../../src/aws/account-role-snapshot.js';
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

/** A store over the fake account whose account-wide read is counted and can be held open. */
function harness() {
  const account = new FakeAwsAccount({ policies: [S3_READ, ADMIN] });
  const clock = new ManualClock(1_000_000);
  const inner = account.services(new ProfileLane({ now: () => clock.now() })).iamRoles;
  let hold: Promise<void> | undefined;
  const readAccountRoles = async (): Promise<ObservedRole[]> => {
    account.call('iam:GetAccountAuthorizationDetails');
    // The answer is what the account held when the call was served, even if it arrives later.
    const roles = [...account.roles.values()].filter((role) => TAG_CLUSTER in role.tags).map((role) => structuredClone(role));
    if (hold) await hold;
    return roles;
  };
  const store = new AccountSnapshotIamRoleStore(inner, readAccountRoles, clock);
  const count = (operation: string): number => account.calls.filter((call) => call === `iam:${operation}`).length;
  const holdNextRead = (): (() => void) => {
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = () => { hold = undefined; resolve(); }));
    return release;
  };
  return { account, clock, inner, store, count, holdNextRead };
}

async function seeded(names: string[]) {
  const h = harness();
  for (const name of names) await h.inner.createRole(spec(name));
  h.account.calls.length = 0;
  return h;
}

describe('AccountSnapshotIamRoleStore', () => {
  it('answers the reads of one resync pass from one account-wide read, as a per-role read would', async () => {
    const { store, inner, clock, count } = await seeded(['a', 'b', 'c']);
    const pass = clock.now();
    clock.advance(10);
    const shared = await Promise.all(['a', 'b', 'c'].map((name) => store.getRole(name, { sharedSince: pass })));
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
    expect(count('GetRole')).toBe(0);
    for (const [i, name] of ['a', 'b', 'c'].entries()) expect(shared[i]).toEqual(await inner.getRole(name));
    // Later in the same pass: still the same read.
    clock.advance(5_000);
    await store.getRole('a', { sharedSince: pass });
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('reads the account again for the next pass, and reads a role on its own when no pass asks', async () => {
    const { store, clock, count } = await seeded(['a']);
    await store.getRole('a', { sharedSince: clock.now() });
    clock.advance(120_000);
    await store.getRole('a', { sharedSince: clock.now() });
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
    expect(count('GetRole')).toBe(0);
    await store.getRole('a');
    expect(count('GetRole')).toBe(1);
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it('shares one read between the reconciles that ask while it runs', async () => {
    const { store, clock, count, holdNextRead } = await seeded(['a', 'b']);
    const release = holdNextRead();
    const reads = [store.getRole('a', { sharedSince: clock.now() }), store.getRole('b', { sharedSince: clock.now() })];
    release();
    expect((await Promise.all(reads)).map((role) => role?.name)).toEqual(['a', 'b']);
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('does not answer for a role written after the read began: that one is read on its own', async () => {
    const { store, account, clock, count } = await seeded(['a', 'b']);
    const pass = clock.now();
    const before = await store.getRole('a', { sharedSince: pass });
    await store.converge({ ...spec('a'), managedPolicyArns: [S3_READ, ADMIN] }, before!);
    const after = await store.getRole('a', { sharedSince: pass });
    expect(after?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('GetRole')).toBe(1);
    // The role left alone is still answered from the shared read.
    await store.getRole('b', { sharedSince: pass });
    expect(count('GetRole')).toBe(1);
    expect(account.calls.filter((call) => call === 'iam:GetAccountAuthorizationDetails')).toHaveLength(1);
  });

  it('does not answer for a role whose write ended while the read was running (the read may predate it)', async () => {
    const { store, inner, clock, count, holdNextRead } = await seeded(['a']);
    const pass = clock.now();
    const release = holdNextRead();
    const pending = store.getRole('a', { sharedSince: pass });
    // The account answered (without ADMIN) before this write; the answer arrives after it.
    await store.converge({ ...spec('a'), managedPolicyArns: [S3_READ, ADMIN] }, (await inner.getRole('a'))!);
    release();
    expect((await pending)?.attachedPolicyArns).toEqual([S3_READ, ADMIN]);
    expect(count('GetAccountAuthorizationDetails')).toBe(1);
  });

  it('reads a role the shared read does not hold on its own: created since, gone, or not the operator\'s', async () => {
    const { store, account, clock, count, inner } = await seeded(['a']);
    const pass = clock.now();
    await store.getRole('a', { sharedSince: pass });
    await inner.createRole({ ...spec('untagged'), tags: {} });
    expect((await store.getRole('untagged', { sharedSince: pass }))?.name).toBe('untagged');
    expect(await store.getRole('never-made', { sharedSince: pass })).toBeUndefined();
    expect(count('GetRole')).toBe(2);
    // Created through the store: its shared answer (none) is not trusted.
    await store.createRole(spec('new'));
    expect((await store.getRole('new', { sharedSince: pass }))?.attachedPolicyArns).toEqual([S3_READ]);
    expect(count('GetRole')).toBe(3);
    // Deleted through the store: not answered as existing.
    await store.deleteRole('a');
    expect(await store.getRole('a', { sharedSince: pass })).toBeUndefined();
    expect(account.roles.has('a')).toBe(false);
  });

  it('fails the read when the account-wide read fails, and tries it again on the next ask', async () => {
    const { store, account, clock, count } = await seeded(['a']);
    account.faults.push({ operation: 'iam:GetAccountAuthorizationDetails', count: 1, error: () => Object.assign(new Error('User is not authorized to perform: iam:GetAccountAuthorizationDetails'), { name: 'AccessDenied' }) });
    await expect(store.getRole('a', { sharedSince: clock.now() })).rejects.toThrow('iam:GetAccountAuthorizationDetails');
    expect((await store.getRole('a', { sharedSince: clock.now() }))?.name).toBe('a');
    expect(count('GetAccountAuthorizationDetails')).toBe(2);
  });

  it('a policy without the account-wide read stalls the role part, naming the action to grant', async () => {
    const { store, account, clock } = await seeded(['a']);
    account.faults.push({
      operation: 'iam:GetAccountAuthorizationDetails',
      error: () => Object.assign(new Error('User: arn:aws:iam::123456789012:user/operator is not authorized to perform: iam:GetAccountAuthorizationDetails'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    });
    const plan = { ...spec('a'), managed: true, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/a`, managedRoleName: 'a' } as unknown as IrsaRolePlan;
    const result = await convergeRole({ roles: store, plan, adopt: false, event: () => undefined, read: { sharedSince: clock.now() } });
    expect(result.report.condition).toMatchObject({ status: 'False', reason: 'AccessDenied', message: expect.stringContaining('iam:GetAccountAuthorizationDetails') });
    expect(result.report.stalled).toBe(true);
  });

  it('lets a resync find and correct drift made behind the operator\'s back from the shared read', async () => {
    const { store, account, clock, count } = await seeded(['a']);
    account.roles.get('a')!.attachedPolicyArns.push(ADMIN);
    const plan = { ...spec('a'), managed: true, arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/eksops/a`, managedRoleName: 'a' } as unknown as IrsaRolePlan;
    const events: string[] = [];
    const result = await convergeRole({ roles: store, plan, adopt: false, event: (_type, reason) => events.push(reason), read: { sharedSince: clock.now() } });
    expect(result.report.condition.status).toBe('True');
    expect(account.roles.get('a')!.attachedPolicyArns).toEqual([S3_READ]);
    expect(events).toEqual(['IAMRoleDriftCorrected']);
    expect(count('GetRole')).toBe(0);
    expect(count('DetachRolePolicy')).toBe(1);
  });
});
