/**
 * Fargate profile descriptions, shared (read-cache.ts): every workload on a Shared profile
 * describes it in each reconcile, so concurrent describes of one profile make one call, and an
 * ACTIVE answer serves for a short time-to-live. A profile in transition (CREATING, DELETING) or
 * missing is always described afresh, so the lane and the pollers see it settle at once. Every
 * create, delete and tag through this store drops the profile's answer.
 */
import type { Clock } from '../controller/clock.js';
import type { FargateProfileSpec, FargateProfileStore, ObservedProfile } from './fargate-profiles.js';
import { ReadCache } from './read-cache.js';

const profileKey = (clusterName: string, profileName: string): string => `${clusterName}/${profileName}`;

/** {@link FargateProfileStore} whose describes of ACTIVE profiles are shared for `ttlMs`. */
export class CachedFargateProfileStore implements FargateProfileStore {
  private readonly described: ReadCache<ObservedProfile | undefined>;
  /** Profile ARN to cache key, for tag(), which names the profile by ARN. */
  private readonly keysByArn = new Map<string, string>();

  constructor(private readonly store: FargateProfileStore, options: { ttlMs: number; clock: Pick<Clock, 'now'> }) {
    this.described = new ReadCache<ObservedProfile | undefined>({ ...options, keep: (profile) => profile?.status === 'ACTIVE' });
  }

  get counts(): { hits: number; misses: number } {
    return this.described.counts;
  }

  describe(clusterName: string, profileName: string): Promise<ObservedProfile | undefined> {
    this.described.prune();
    const key = profileKey(clusterName, profileName);
    return this.described.get(key, async () => {
      const profile = await this.store.describe(clusterName, profileName);
      if (profile?.arn) this.keysByArn.set(profile.arn, key);
      else this.keysByArn.forEach((known, arn) => known === key && this.keysByArn.delete(arn));
      return profile;
    });
  }

  listNames(clusterName: string): Promise<string[]> {
    return this.store.listNames(clusterName);
  }

  /** A fresh look at the whole cluster: the profiles' shared answers are dropped (one deleted out of band is seen at once). */
  async list(clusterName: string): Promise<ObservedProfile[]> {
    this.described.invalidatePrefix(`${clusterName}/`);
    return this.store.list(clusterName);
  }

  async create(spec: FargateProfileSpec): Promise<ObservedProfile> {
    const key = profileKey(spec.clusterName, spec.name);
    this.described.invalidate(key);
    try {
      return await this.store.create(spec);
    } finally {
      this.described.invalidate(key);
    }
  }

  async delete(clusterName: string, profileName: string): Promise<boolean> {
    const key = profileKey(clusterName, profileName);
    this.described.invalidate(key);
    try {
      return await this.store.delete(clusterName, profileName);
    } finally {
      this.described.invalidate(key);
    }
  }

  async tag(profileArn: string, tags: Record<string, string>): Promise<void> {
    try {
      await this.store.tag(profileArn, tags);
    } finally {
      const key = this.keysByArn.get(profileArn);
      if (key) this.described.invalidate(key);
    }
  }
}
