/** The transitional states EKS keeps a Fargate profile in and moto skips. */
export type TransitionStatus = 'CREATING' | 'DELETING';

/** The profile of a cluster that is in flight. */
export interface InFlightProfile {
  profile: string;
  status: TransitionStatus;
}

interface Transition extends InFlightProfile {
  /** CREATING ends by itself at this time; DELETING ends when it is released. */
  until?: number;
}

/**
 * Which Fargate profile of each cluster is CREATING or DELETING. Clusters are keyed by the
 * caller (region and name). Time is passed in, so the rules are plain functions of the clock.
 */
export class ProfileLifecycle {
  private readonly transitions = new Map<string, Transition>();

  /** The profile of the cluster that blocks another create or delete, if any. */
  inFlight(clusterKey: string, now: number): InFlightProfile | undefined {
    const transition = this.transitions.get(clusterKey);
    if (!transition) return undefined;
    if (transition.until !== undefined && now >= transition.until) {
      this.transitions.delete(clusterKey);
      return undefined;
    }
    return { profile: transition.profile, status: transition.status };
  }

  /** The status EKS would show for this profile now, when it differs from moto's. */
  statusOf(clusterKey: string, profile: string, now: number): TransitionStatus | undefined {
    const transition = this.inFlight(clusterKey, now);
    return transition?.profile === profile ? transition.status : undefined;
  }

  /** A profile was created: it shows CREATING until `until`. */
  startCreating(clusterKey: string, profile: string, until: number): void {
    this.transitions.set(clusterKey, { profile, status: 'CREATING', until });
  }

  /** A profile's delete was accepted: it shows DELETING until {@link release}. */
  startDeleting(clusterKey: string, profile: string): void {
    this.transitions.set(clusterKey, { profile, status: 'DELETING' });
  }

  /** The operation on this profile is over (held delete done, or the call failed): the cluster is free. */
  release(clusterKey: string, profile: string): void {
    if (this.transitions.get(clusterKey)?.profile === profile) this.transitions.delete(clusterKey);
  }
}
