/**
 * Fargate profile creates and deletes through the cluster's serial lane: observe the cluster
 * when the lane's view is stale, ask the lane, make the EKS call only when granted, and feed
 * ResourceInUse answers and failures back. What reconcilers call instead of the store's
 * create/delete; every method returns at once with an outcome the caller requeues on.
 */
import { classifyAwsError } from './error-classifier.js';
import type { FargateProfileSpec, FargateProfileStore, ObservedProfile } from './fargate-profiles.js';
import { isInTransition } from './fargate-profiles.js';
import type { LaneDecision, LaneOperation, LaneWaiter, ProfileLane } from './profile-lane.js';

/**
 * True when a profile as described ends the operation holding the lane: a create ends at ACTIVE or
 * CREATE_FAILED, a delete when the profile is gone or DELETE_FAILED (pure).
 */
export function settles(holding: 'CREATING' | 'DELETING', profile: Pick<ObservedProfile, 'status'> | undefined): boolean {
  if (holding === 'CREATING') return profile?.status === 'ACTIVE' || profile?.status === 'CREATE_FAILED';
  return profile === undefined || profile.status === 'DELETE_FAILED';
}

/** Not granted: wait (the decision says behind what) and requeue after `requeueAfterMs`. */
export interface LaneWait {
  started: false;
  decision: Extract<LaneDecision, { granted: false }>;
}

/** The EKS call was made: the profile is now CREATING / DELETING (or, for a delete, already gone). */
export interface LaneStarted {
  started: true;
  /** The created profile; undefined for a delete. */
  profile?: ObservedProfile;
  /** For a delete: false when the profile was already gone. */
  existed?: boolean;
}

export type LaneOutcome = LaneWait | LaneStarted;

/** Creates and deletes profiles one at a time per cluster. */
export class LanedProfileOperations {
  constructor(
    private readonly lane: ProfileLane,
    private readonly store: FargateProfileStore,
    /** Called with the next waiter when an operation ends, so its owner can be enqueued at once. */
    private readonly wake: (clusterName: string, waiter: LaneWaiter) => void = () => {},
  ) {}

  /** Starts creating the profile when the lane grants it. `owner` names the requester (e.g. the workload key). */
  async create(spec: FargateProfileSpec, owner: string): Promise<LaneOutcome> {
    return this.run(spec.clusterName, 'create', spec.name, owner, async () => ({
      started: true,
      profile: await this.store.create(spec),
    }));
  }

  /** Starts deleting the profile when the lane grants it. */
  async delete(clusterName: string, profileName: string, owner: string): Promise<LaneOutcome> {
    return this.run(clusterName, 'delete', profileName, owner, async () => {
      const existed = await this.store.delete(clusterName, profileName);
      // Already gone: nothing holds the lane.
      if (!existed) this.complete(clusterName, profileName);
      return { started: true, existed };
    });
  }

  /**
   * Describes the profile and frees the lane when its operation is over (ACTIVE, failed, gone).
   * Reconcilers poll their profile with this while it is CREATING / DELETING.
   */
  async poll(clusterName: string, profileName: string): Promise<ObservedProfile | undefined> {
    const profile = await this.store.describe(clusterName, profileName);
    const inFlight = this.lane.snapshot(clusterName).inFlight;
    const held = inFlight?.profile === profileName ? inFlight.status : undefined;
    if (!profile || !isInTransition(profile.status)) {
      // Another reconcile may have been granted an operation on this profile while the describe
      // was on its way: what it saw (ACTIVE before a delete landed, nothing before a create
      // landed) does not end that operation, and freeing the lane then would let a second one start.
      if (held === undefined || settles(held, profile)) this.complete(clusterName, profileName);
    }
    return profile;
  }

  /** The requester no longer waits (its workload was deleted or no longer needs the operation). */
  withdraw(clusterName: string, owner: string): void {
    this.lane.withdraw(clusterName, owner);
  }

  private complete(clusterName: string, profileName: string): void {
    const next = this.lane.complete(clusterName, profileName);
    if (next) this.wake(clusterName, next);
  }

  private async run(
    clusterName: string,
    operation: LaneOperation,
    profileName: string,
    owner: string,
    call: () => Promise<LaneStarted>,
  ): Promise<LaneOutcome> {
    if (this.lane.needsObservation(clusterName)) this.lane.observe(clusterName, await this.store.list(clusterName));
    const decision =
      operation === 'create'
        ? this.lane.requestCreate(clusterName, profileName, owner)
        : this.lane.requestDelete(clusterName, profileName, owner);
    if (!decision.granted) return { started: false, decision };
    try {
      return await call();
    } catch (err) {
      const classified = classifyAwsError(err);
      if (classified.reason === 'ResourceInUse') {
        const wait = this.lane.resourceInUse(clusterName, operation, profileName, owner, classified.message);
        if (!wait.granted) return { started: false, decision: wait };
      }
      // The call did not start an operation (rejected, or the name is taken): the lane is free.
      this.complete(clusterName, profileName);
      throw err;
    }
  }
}
