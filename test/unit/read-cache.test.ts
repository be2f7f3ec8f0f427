import { ManualClock } from '../../src/controller/clock.js';
import { ReadCache } from '../../src/aws/read-cache.js';
import { CachedEc2NetworkReader, networkQueryKey } from '../../src/aws/cached-network-reader.js';
import { CachedFargateProfileStore } from '../../src/aws/cached-profile-store.js';
import type { NetworkFacts } from '../../src/aws/ec2-network.js';
import type { FargateProfileSpec, FargateProfileStore, ObservedProfile } from '../../src/aws/fargate-profiles.js';
import { Confirmations, trustedForMs } from '../../src/operator/confirmations.js';

/** A promise and the functions that settle it, for reads held in flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ReadCache', () => {
  it('makes one read for concurrent gets of a key, and answers from the cache until the TTL', async () => {
    const clock = new ManualClock(0);
    const cache = new ReadCache<number>({ ttlMs: 1000, clock });
    const held = deferred<number>();
    let reads = 0;
    const load = () => {
      reads++;
      return held.promise;
    };
    const gets = [cache.get('a', load), cache.get('a', load), cache.get('a', load)];
    held.resolve(7);
    expect(await Promise.all(gets)).toEqual([7, 7, 7]);
    expect(reads).toBe(1);
    clock.advance(999);
    expect(await cache.get('a', async () => (reads++, 8))).toBe(7);
    clock.advance(1);
    expect(await cache.get('a', async () => (reads++, 8))).toBe(8);
    expect(reads).toBe(2);
    expect(cache.counts).toEqual({ hits: 3, misses: 2 });
  });

  it('keeps no failed read: the next get reads again', async () => {
    const cache = new ReadCache<number>({ ttlMs: 1000, clock: new ManualClock(0) });
    await expect(cache.get('a', async () => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    expect(await cache.get('a', async () => 1)).toBe(1);
  });

  it('does not keep an answer that was on its way when the key was invalidated (it may predate a write)', async () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, clock: new ManualClock(0) });
    const held = deferred<string>();
    const before = cache.get('p', () => held.promise);
    cache.invalidate('p');
    // A get after the invalidation does not join the read that started before it.
    const after = cache.get('p', async () => 'after the write');
    held.resolve('before the write');
    expect(await before).toBe('before the write');
    expect(await after).toBe('after the write');
    expect(await cache.get('p', async () => 'third read')).toBe('after the write');
  });

  it('keeps no read that was overtaken by an invalidation, even after a later read settled and the cache was pruned', async () => {
    const clock = new ManualClock(0);
    const cache = new ReadCache<string>({ ttlMs: 1000, clock, keep: (value) => value === 'ACTIVE' });
    const slow = deferred<string>();
    const first = cache.get('p', () => slow.promise);
    cache.invalidate('p');
    // A later read sees the profile DELETING (not kept); pruning forgets nothing the first read needs.
    expect(await cache.get('p', async () => 'DELETING')).toBe('DELETING');
    cache.prune();
    slow.resolve('ACTIVE');
    expect(await first).toBe('ACTIVE');
    expect(await cache.get('p', async () => 'gone')).toBe('gone');
  });

  it('dates an answer from the start of its read: a slow read is not fresh for a whole TTL after it', async () => {
    const clock = new ManualClock(0);
    const cache = new ReadCache<number>({ ttlMs: 1000, clock });
    const slow = deferred<number>();
    const read = cache.get('a', () => slow.promise);
    clock.advance(900);
    slow.resolve(1);
    await read;
    clock.advance(100);
    expect(await cache.get('a', async () => 2)).toBe(2);
  });

  it('keeps only the answers `keep` accepts', async () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, clock: new ManualClock(0), keep: (value) => value === 'ACTIVE' });
    let reads = 0;
    await cache.get('p', async () => (reads++, 'CREATING'));
    await cache.get('p', async () => (reads++, 'ACTIVE'));
    await cache.get('p', async () => (reads++, 'ACTIVE'));
    expect(reads).toBe(2);
  });

  it('prunes expired answers', async () => {
    const clock = new ManualClock(0);
    const cache = new ReadCache<number>({ ttlMs: 10, clock });
    await cache.get('a', async () => 1);
    clock.advance(10);
    cache.prune();
    let reads = 0;
    await cache.get('a', async () => (reads++, 2));
    expect(reads).toBe(1);
  });
});

describe('CachedEc2NetworkReader', () => {
  const facts: NetworkFacts = { subnets: [], missingSubnetIds: [], routeTables: [], vpcs: [], vpcEndpoints: [], securityGroups: [], missingSecurityGroupIds: [] };

  it('keys a query by its sets, in any order', () => {
    expect(networkQueryKey({ subnetIds: ['b', 'a'], securityGroupIds: ['sg-2', 'sg-1'], vpcId: 'vpc-1' })).toBe(networkQueryKey({ subnetIds: ['a', 'b', 'a'], securityGroupIds: ['sg-1', 'sg-2'], vpcId: 'vpc-1' }));
    expect(networkQueryKey({ subnetIds: ['a'] })).not.toBe(networkQueryKey({ subnetIds: ['a'], securityGroupIds: ['sg-1'] }));
  });

  it('answers a thousand workloads on the same subnets with one read per TTL', async () => {
    const clock = new ManualClock(0);
    const queries: unknown[] = [];
    const reader = new CachedEc2NetworkReader({ describeNetwork: async (query) => (queries.push(query), facts) }, { ttlMs: 60_000, clock });
    await Promise.all(Array.from({ length: 1000 }, () => reader.describeNetwork({ subnetIds: ['subnet-a', 'subnet-b'], vpcId: 'vpc-1' })));
    expect(queries).toHaveLength(1);
    await reader.describeNetwork({ subnetIds: ['subnet-a'], vpcId: 'vpc-1' });
    expect(queries).toHaveLength(2);
    clock.advance(60_000);
    await reader.describeNetwork({ subnetIds: ['subnet-b', 'subnet-a'], vpcId: 'vpc-1' });
    expect(queries).toHaveLength(3);
  });
});

describe('CachedFargateProfileStore', () => {
  const profile = (status: string): ObservedProfile =>
    ({ name: 'shared', arn: 'arn:aws:eks:us-east-1:1:fargateprofile/c/shared/1', status, tags: {}, subnets: [], selectors: [], podExecutionRoleArn: '', healthIssues: [] }) as unknown as ObservedProfile;

  function store(states: (string | undefined)[]): { store: FargateProfileStore; describes: () => number; clock: ManualClock } {
    let describes = 0;
    const inner: FargateProfileStore = {
      describe: async () => {
        const status = states[Math.min(describes, states.length - 1)];
        describes++;
        return status === undefined ? undefined : profile(status);
      },
      listNames: async () => [],
      list: async () => [],
      create: async (spec: FargateProfileSpec) => ({ ...profile('CREATING'), name: spec.name }),
      delete: async () => true,
      tag: async () => undefined,
    };
    const clock = new ManualClock(0);
    return { store: new CachedFargateProfileStore(inner, { ttlMs: 10_000, clock }), describes: () => describes, clock };
  }

  it('describes a CREATING profile every time, and shares an ACTIVE one until the TTL', async () => {
    const { store: cached, describes, clock } = store(['CREATING', 'CREATING', 'ACTIVE', 'ACTIVE']);
    expect((await cached.describe('c', 'shared'))?.status).toBe('CREATING');
    expect((await cached.describe('c', 'shared'))?.status).toBe('CREATING');
    expect((await cached.describe('c', 'shared'))?.status).toBe('ACTIVE');
    for (let i = 0; i < 50; i++) expect((await cached.describe('c', 'shared'))?.status).toBe('ACTIVE');
    expect(describes()).toBe(3);
    clock.advance(10_000);
    await cached.describe('c', 'shared');
    expect(describes()).toBe(4);
  });

  it('describes again after its own delete and tag', async () => {
    const { store: cached, describes } = store(['ACTIVE']);
    await cached.describe('c', 'shared');
    await cached.describe('c', 'shared');
    expect(describes()).toBe(1);
    await cached.tag(profile('ACTIVE').arn, { a: 'b' });
    await cached.describe('c', 'shared');
    expect(describes()).toBe(2);
    await cached.delete('c', 'shared');
    await cached.describe('c', 'shared');
    expect(describes()).toBe(3);
  });

  it('never keeps a missing profile: a create elsewhere is seen on the next describe', async () => {
    const { store: cached, describes } = store([undefined, undefined, 'CREATING']);
    expect(await cached.describe('c', 'shared')).toBeUndefined();
    expect(await cached.describe('c', 'shared')).toBeUndefined();
    expect((await cached.describe('c', 'shared'))?.status).toBe('CREATING');
    expect(describes()).toBe(3);
  });
});

describe('Confirmations', () => {
  it('holds a confirmation for its digest until the TTL; a changed plan or 0 TTL reads again', () => {
    const clock = new ManualClock(0);
    const confirmed = new Confirmations(clock, 1000);
    confirmed.confirm('role', 'plan-1', 'arn:role');
    expect(confirmed.fresh('role', 'plan-1')).toBe('arn:role');
    expect(confirmed.fresh('role', 'plan-2')).toBeUndefined();
    // A mismatch forgets: the old plan is not confirmed either.
    expect(confirmed.fresh('role', 'plan-1')).toBeUndefined();
    confirmed.confirm('role', 'plan-1', 'arn:role');
    clock.advance(1000);
    expect(confirmed.fresh('role', 'plan-1')).toBeUndefined();
    const off = new Confirmations(clock, 0);
    off.confirm('role', 'plan-1', 'arn:role');
    expect(off.fresh('role', 'plan-1')).toBeUndefined();
  });

  it('trusts for 90% of the resync period, at most the ceiling', () => {
    expect(trustedForMs(600_000, 60_000)).toBe(60_000);
    expect(trustedForMs(3_000, 60_000)).toBe(2_700);
    expect(trustedForMs(600_000, Number.POSITIVE_INFINITY)).toBe(540_000);
  });
});
