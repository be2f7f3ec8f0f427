/**
 * The per-cluster serial lane for Fargate profile creates and deletes (design, section 3). EKS
 * allows one profile per cluster in CREATING or DELETING; a second call gets
 * ResourceInUseException. Reconcilers ask the lane before such a call and requeue when it says
 * no, so no worker ever waits minutes for a profile.
 *
 * The lane holds no truth of its own: what is in flight comes from what it granted, from what an
 * observation of the cluster's profiles shows (another actor, or this operator before a restart,
 * may have started an operation) and from ResourceInUse answers. A lane that has not observed a
 * cluster grants nothing there. Waiting requesters are served first come, first served, and each
 * can say what it waits behind and where it stands.
 *
 * Pure: time comes from the injected clock.
 */

/** The operation a requester wants to start. */
export type LaneOperation = 'create' | 'delete';

/** The states in which a profile holds its cluster's lane. */
export type TransitionStatus = 'CREATING' | 'DELETING';

/** A profile as an observation reports it (ObservedProfile fits). */
export interface LaneProfileState {
  name: string;
  status: string;
}

/** The operation holding a cluster's lane. */
export interface InFlightOperation {
  profile: string;
  status: TransitionStatus;
  /** Granted by this lane, seen in an observation, or learnt from a ResourceInUse answer. */
  source: 'granted' | 'observed' | 'resource-in-use';
  /** Who was granted it (source `granted` only). */
  owner?: string;
  since: number;
}

/** A requester in the queue. */
export interface LaneWaiter {
  operation: LaneOperation;
  profile: string;
  /** Everyone who asked for this operation on this profile (a Shared profile has many). */
  owners: string[];
  firstAskedAt: number;
  lastAskedAt: number;
}

/** The answer to a request. */
export type LaneDecision =
  | { granted: true }
  | {
      granted: false;
      /** `unobserved`: observe the cluster first; `in-flight`: a profile holds the lane; `queued`: others asked first. */
      reason: 'unobserved' | 'in-flight' | 'queued';
      /** What the requester waits behind; for `queued`, the first requester in line and what it will start. */
      waitingBehind?: { profile: string; status: TransitionStatus };
      /** 1-based place in the queue; 0 when not queued (unobserved, or the operation is the one in flight). */
      position: number;
      requeueAfterMs: number;
    };

/** Tunables, all in milliseconds. */
export interface ProfileLaneOptions {
  now?: () => number;
  /** Requeue while a profile is CREATING (creation takes 30 s to 6 min). */
  creatingRequeueMs?: number;
  /** Requeue while a profile is DELETING (deletion takes up to 20 min). */
  deletingRequeueMs?: number;
  /** Requeue while the lane is free but earlier requesters are served first. */
  queuedRequeueMs?: number;
  /** A waiter that has not asked again for this long has gone away and leaves the queue. */
  waiterTtlMs?: number;
  /** A grant that no observation confirms for this long is dropped (its caller crashed before reporting). */
  grantTtlMs?: number;
  /** How old an observation may be before {@link ProfileLane.needsObservation} asks for a new one. */
  observationMaxAgeMs?: number;
}

interface ClusterLane {
  inFlight?: InFlightOperation;
  queue: LaneWaiter[];
  observedAt?: number;
}

const DEFAULTS: Required<Omit<ProfileLaneOptions, 'now'>> = {
  creatingRequeueMs: 5_000,
  deletingRequeueMs: 10_000,
  queuedRequeueMs: 1_000,
  waiterTtlMs: 60_000,
  grantTtlMs: 120_000,
  observationMaxAgeMs: 5_000,
};

/** Statuses after which a create or delete is over and the lane is free again. */
const CREATE_DONE = new Set(['ACTIVE', 'CREATE_FAILED']);
const DELETE_DONE = new Set(['DELETE_FAILED']);

/** EKS: "Cannot create Fargate Profile x because cluster c currently has Fargate profile y in status CREATING". */
const RESOURCE_IN_USE_BLOCKER = /Fargate\s+profile\s+'?([^'\s]+?)'?\s+in\s+(?:status\s+)?'?(CREATING|DELETING)/i;

/** The profile and status a ResourceInUseException message names, if it names them. */
export function blockerFromMessage(message: string): { profile: string; status: TransitionStatus } | undefined {
  const match = RESOURCE_IN_USE_BLOCKER.exec(message);
  if (!match?.[1] || !match[2]) return undefined;
  return { profile: match[1], status: match[2].toUpperCase() as TransitionStatus };
}

function transitionOf(operation: LaneOperation): TransitionStatus {
  return operation === 'create' ? 'CREATING' : 'DELETING';
}

/** The serial lanes of every cluster, keyed by EKS cluster name. */
export class ProfileLane {
  private readonly lanes = new Map<string, ClusterLane>();
  private readonly options: Required<Omit<ProfileLaneOptions, 'now'>>;
  private readonly now: () => number;

  constructor(options: ProfileLaneOptions = {}) {
    const { now, ...rest } = options;
    this.now = now ?? Date.now;
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  }

  /** Asks to start creating a profile. On `granted`, make the CreateFargateProfile call and report its end. */
  requestCreate(clusterName: string, profileName: string, owner: string): LaneDecision {
    return this.request(clusterName, 'create', profileName, owner);
  }

  /** Asks to start deleting a profile. On `granted`, make the DeleteFargateProfile call and report its end. */
  requestDelete(clusterName: string, profileName: string, owner: string): LaneDecision {
    return this.request(clusterName, 'delete', profileName, owner);
  }

  /**
   * True when the cluster has never been observed, or its last observation is too old to grant
   * on. While a profile is in flight the state is moving and no one but its own caller reports
   * its end, so then an observation is old after one requeue interval.
   */
  needsObservation(clusterName: string): boolean {
    const lane = this.lanes.get(clusterName);
    if (lane?.observedAt === undefined) return true;
    const maxAge = lane.inFlight
      ? Math.min(this.options.observationMaxAgeMs, this.requeueFor(lane.inFlight.status))
      : this.options.observationMaxAgeMs;
    return this.now() - lane.observedAt > maxAge;
  }

  /**
   * Updates the lane from the cluster's profiles as listed and described: a profile in CREATING
   * or DELETING holds the lane whoever started it; an operation this lane granted ends when its
   * profile is ACTIVE / CREATE_FAILED (create) or gone / DELETE_FAILED (delete).
   */
  observe(clusterName: string, profiles: readonly LaneProfileState[]): void {
    const lane = this.lane(clusterName);
    const now = this.now();
    lane.observedAt = now;
    const moving = profiles.find((profile) => profile.status === 'CREATING' || profile.status === 'DELETING');
    if (moving) {
      const status = moving.status as TransitionStatus;
      const same = lane.inFlight?.profile === moving.name && lane.inFlight.status === status;
      lane.inFlight = {
        profile: moving.name,
        status,
        source: 'observed',
        ...(same && lane.inFlight?.owner ? { owner: lane.inFlight.owner } : {}),
        since: same && lane.inFlight ? lane.inFlight.since : now,
      };
      return;
    }
    const inFlight = lane.inFlight;
    if (!inFlight) return;
    if (inFlight.source !== 'granted') {
      delete lane.inFlight;
      return;
    }
    // A grant whose call has not landed yet looks like "nothing happened": only a settled status,
    // or a grant too old to still be on its way, ends it.
    const current = profiles.find((profile) => profile.name === inFlight.profile);
    const settled =
      inFlight.status === 'CREATING'
        ? current !== undefined && CREATE_DONE.has(current.status)
        : current === undefined || DELETE_DONE.has(current.status);
    if (settled || now - inFlight.since > this.options.grantTtlMs) delete lane.inFlight;
  }

  /**
   * The operation on this profile is over (ACTIVE, gone, failed) or the granted call failed:
   * frees the lane if this profile holds it. Returns the waiter to serve next, so the caller can
   * wake it at once instead of at its next requeue.
   */
  complete(clusterName: string, profileName: string): LaneWaiter | undefined {
    const lane = this.lane(clusterName);
    if (lane.inFlight?.profile === profileName) delete lane.inFlight;
    this.prune(lane);
    return lane.inFlight ? undefined : lane.queue[0];
  }

  /**
   * EKS answered ResourceInUseException to a granted call: someone else's operation holds the
   * cluster. The lane records the blocker the message names, drops the grant, puts the
   * requester back at the head of the queue, and wants a fresh observation before the next grant.
   */
  resourceInUse(clusterName: string, operation: LaneOperation, profileName: string, owner: string, message: string): LaneDecision {
    const lane = this.lane(clusterName);
    const now = this.now();
    const blocker = blockerFromMessage(message);
    lane.inFlight = {
      profile: blocker?.profile ?? 'unknown',
      status: blocker?.status ?? 'CREATING',
      source: 'resource-in-use',
      since: now,
    };
    delete lane.observedAt;
    const existing = lane.queue.find((waiter) => waiter.operation === operation && waiter.profile === profileName);
    if (existing) {
      if (!existing.owners.includes(owner)) existing.owners.push(owner);
      existing.lastAskedAt = now;
    } else {
      lane.queue.unshift({ operation, profile: profileName, owners: [owner], firstAskedAt: now, lastAskedAt: now });
    }
    return this.waiting(lane, 'in-flight', this.positionOf(lane, operation, profileName));
  }

  /** The requester no longer needs an operation (its workload is gone or changed): leaves the queue. */
  withdraw(clusterName: string, owner: string): void {
    const lane = this.lane(clusterName);
    for (const waiter of lane.queue) waiter.owners = waiter.owners.filter((o) => o !== owner);
    lane.queue = lane.queue.filter((waiter) => waiter.owners.length > 0);
  }

  /** The clusters this lane has seen a request or an observation for. */
  clusters(): string[] {
    return [...this.lanes.keys()];
  }

  /** The lane of a cluster as it stands, for status and metrics. */
  snapshot(clusterName: string): { inFlight?: InFlightOperation; queue: LaneWaiter[]; observedAt?: number } {
    const lane = this.lane(clusterName);
    this.prune(lane);
    return {
      ...(lane.inFlight ? { inFlight: { ...lane.inFlight } } : {}),
      queue: lane.queue.map((waiter) => ({ ...waiter, owners: [...waiter.owners] })),
      ...(lane.observedAt !== undefined ? { observedAt: lane.observedAt } : {}),
    };
  }

  private request(clusterName: string, operation: LaneOperation, profile: string, owner: string): LaneDecision {
    const lane = this.lane(clusterName);
    const now = this.now();
    this.prune(lane);
    if (lane.observedAt === undefined) {
      return { granted: false, reason: 'unobserved', position: 0, requeueAfterMs: 0 };
    }
    const inFlight = lane.inFlight;
    if (inFlight && inFlight.profile === profile && inFlight.status === transitionOf(operation)) {
      // Already happening (another owner of a Shared profile started it): wait for it to settle.
      return this.waiting(lane, 'in-flight', 0);
    }
    let waiter = lane.queue.find((w) => w.operation === operation && w.profile === profile);
    if (!waiter) {
      waiter = { operation, profile, owners: [], firstAskedAt: now, lastAskedAt: now };
      lane.queue.push(waiter);
    }
    if (!waiter.owners.includes(owner)) waiter.owners.push(owner);
    waiter.lastAskedAt = now;
    const position = lane.queue.indexOf(waiter) + 1;
    if (inFlight) return this.waiting(lane, 'in-flight', position);
    if (position > 1) return this.waiting(lane, 'queued', position);
    lane.queue.shift();
    lane.inFlight = { profile, status: transitionOf(operation), source: 'granted', owner, since: now };
    return { granted: true };
  }

  private waiting(lane: ClusterLane, reason: 'in-flight' | 'queued', position: number): LaneDecision {
    const inFlight = lane.inFlight;
    if (reason === 'in-flight' && inFlight) {
      return {
        granted: false,
        reason,
        waitingBehind: { profile: inFlight.profile, status: inFlight.status },
        position,
        requeueAfterMs: this.requeueFor(inFlight.status),
      };
    }
    const head = lane.queue[0];
    return {
      granted: false,
      reason: 'queued',
      ...(head ? { waitingBehind: { profile: head.profile, status: transitionOf(head.operation) } } : {}),
      position,
      requeueAfterMs: this.options.queuedRequeueMs,
    };
  }

  private requeueFor(status: TransitionStatus): number {
    return status === 'CREATING' ? this.options.creatingRequeueMs : this.options.deletingRequeueMs;
  }

  private positionOf(lane: ClusterLane, operation: LaneOperation, profile: string): number {
    return lane.queue.findIndex((w) => w.operation === operation && w.profile === profile) + 1;
  }

  /** Drops waiters that stopped asking, and grants too old to be confirmed. */
  private prune(lane: ClusterLane): void {
    const now = this.now();
    lane.queue = lane.queue.filter((waiter) => now - waiter.lastAskedAt <= this.options.waiterTtlMs);
    // A grant no observation ever saw in CREATING/DELETING: its call never landed and its caller
    // did not report back (crashed); a landed call would have been seen and become `observed`.
    if (lane.inFlight?.source === 'granted' && now - lane.inFlight.since > this.options.grantTtlMs) delete lane.inFlight;
  }

  private lane(clusterName: string): ClusterLane {
    let lane = this.lanes.get(clusterName);
    if (!lane) {
      lane = { queue: [] };
      this.lanes.set(clusterName, lane);
    }
    return lane;
  }
}
