/**
 * Each cluster's Fargate profile lane as the lane gauges report it (metrics.ts), read at each
 * scrape from the lane itself.
 */
import type { ProfileLane } from '../aws/profile-lane.js';
import type { LaneState } from './metrics.js';

/**
 * The lanes to report: every known cluster's, and a deleted FargateCluster's only while it still
 * holds an operation or a waiter, so that its series do not outlive it.
 */
export function laneStates(lane: ProfileLane, isKnownCluster: (cluster: string) => boolean): LaneState[] {
  const states: LaneState[] = [];
  for (const cluster of lane.clusters()) {
    const { inFlight, queue } = lane.snapshot(cluster);
    if (!inFlight && queue.length === 0 && !isKnownCluster(cluster)) continue;
    const oldest = Math.min(...queue.map((waiter) => waiter.firstAskedAt));
    states.push({
      cluster,
      ...(inFlight ? { inFlight: { status: inFlight.status, sinceMs: inFlight.since } } : {}),
      waiting: queue.length,
      ...(Number.isFinite(oldest) ? { oldestWaitSinceMs: oldest } : {}),
    });
  }
  return states;
}
