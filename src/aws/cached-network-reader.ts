/**
 * The network preflight's EC2 reads, shared (read-cache.ts): the workloads of a cluster ask about
 * the same few subnets, so one set of Describe calls answers them all for the time-to-live. A
 * network fixed outside the operator (a NAT gateway, endpoints, DNS) is seen once the answer
 * expires; the TTL is the NetworkReady recheck period, so a waiting workload sees it on its next look
 * after that.
 */
import type { Clock } from '../controller/clock.js';
import type { Ec2NetworkReader, NetworkFacts, NetworkQuery } from './ec2-network.js';
import { ReadCache } from './read-cache.js';

/** The cache key of a query: the same subnets, security groups and VPC in any order (pure). */
export function networkQueryKey(query: NetworkQuery): string {
  const sorted = (ids: readonly string[] | undefined) => [...new Set(ids ?? [])].sort();
  return JSON.stringify([sorted(query.subnetIds), sorted(query.securityGroupIds), query.vpcId ?? '']);
}

/** {@link Ec2NetworkReader} that answers repeated queries from a shared cache. */
export class CachedEc2NetworkReader implements Ec2NetworkReader {
  private readonly cache: ReadCache<NetworkFacts>;

  constructor(private readonly reader: Ec2NetworkReader, options: { ttlMs: number; clock: Pick<Clock, 'now'> }) {
    this.cache = new ReadCache<NetworkFacts>(options);
  }

  get counts(): { hits: number; misses: number } {
    return this.cache.counts;
  }

  describeNetwork(query: NetworkQuery): Promise<NetworkFacts> {
    this.cache.prune();
    return this.cache.get(networkQueryKey(query), () => this.reader.describeNetwork(query));
  }
}
