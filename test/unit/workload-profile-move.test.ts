import { PROFILE_LABEL } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { profilesToRelease } from '../../src/operator/reconcilers/fargate-workload-cleanup.js';
import {
  decideProfileMove,
  keepsMovingFrom,
  moveSource,
  MOVING_FROM_ANNOTATION,
  rolloutComplete,
  withMoveStep,
  type LiveDeploymentFacts,
} from '../../src/operator/workload/profile-move.js';

const OLD = 'fw-shared-aaaa';
const NEW = 'fw-shared-bbbb';

function live(podProfile: string | undefined, movingFrom?: string, complete = false): LiveDeploymentFacts {
  return { podProfile, movingFrom, rolloutComplete: complete };
}

describe('decideProfileMove', () => {
  it('without a Deployment there is nothing to move: the pods start on the planned profile', () => {
    expect(decideProfileMove({ desired: NEW, deployment: undefined, desiredActive: false })).toEqual({ kind: 'none', podProfile: NEW });
  });

  it('is no move when the pods already use the planned profile and no old one is remembered', () => {
    expect(decideProfileMove({ desired: NEW, deployment: live(NEW, undefined, true), desiredActive: true })).toEqual({ kind: 'none', podProfile: NEW });
    expect(decideProfileMove({ desired: NEW, deployment: live(NEW, NEW, true), desiredActive: true }).kind).toBe('none');
  });

  it('keeps the pods on the old profile while the new one is missing or CREATING', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(OLD), desiredActive: false });
    expect(step).toEqual({ kind: 'creating', podProfile: OLD, from: OLD, message: `creating profile ${NEW} for the move from ${OLD}` });
    expect(keepsMovingFrom(step)).toBe(false);
  });

  it('relabels the pods once the new profile is ACTIVE, remembering the old one', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(OLD, undefined, true), desiredActive: true });
    expect(step).toEqual({ kind: 'moving', podProfile: NEW, from: OLD, message: `moving pods to ${NEW}` });
    expect(keepsMovingFrom(step)).toBe(true);
  });

  it('waits for the rollout before touching the old profile, whatever else is known', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, false), desiredActive: true, oldExists: true, oldUsers: [] });
    expect(step.kind).toBe('moving');
    expect(step.podProfile).toBe(NEW);
  });

  it('keeps the old profile when another workload still uses it, and the move is over', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, true), desiredActive: true, oldExists: true, oldUsers: ['b/api'], oldPods: 1 });
    expect(step).toEqual({ kind: 'keeping', podProfile: NEW, from: OLD, message: `moved from ${OLD}; it is kept: still used by b/api` });
    expect(keepsMovingFrom(step)).toBe(false);
  });

  it('waits while pods of ours still run on the old profile', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, true), desiredActive: true, oldExists: true, oldUsers: [], oldPods: 2 });
    expect(step.kind).toBe('moving');
    expect(step.kind !== 'none' && step.message).toContain(`2 pod(s) still run on ${OLD}`);
    expect(keepsMovingFrom(step)).toBe(true);
  });

  it('deletes the old profile once the rollout is complete and nothing uses it', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, true), desiredActive: true, oldExists: true, oldUsers: [], oldPods: 0 });
    expect(step).toEqual({ kind: 'deleting', podProfile: NEW, from: OLD, message: `deleting old profile ${OLD}` });
    expect(keepsMovingFrom(step)).toBe(true);
  });

  it('is done when the old profile is gone', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, true), desiredActive: true, oldExists: false });
    expect(step.kind).toBe('done');
    expect(keepsMovingFrom(step)).toBe(false);
  });

  it('moves back without waiting when the spec returns to the old profile mid-move', () => {
    // Pods still labelled OLD, the spec wants OLD again: no move at all.
    expect(decideProfileMove({ desired: OLD, deployment: live(OLD), desiredActive: true }).kind).toBe('none');
  });
});

describe('moveSource', () => {
  it('is the pod label when it differs from the plan, else the remembered old profile', () => {
    expect(moveSource(NEW, undefined)).toBeUndefined();
    expect(moveSource(NEW, live(OLD))).toBe(OLD);
    expect(moveSource(NEW, live(NEW, OLD))).toBe(OLD);
    expect(moveSource(NEW, live(NEW))).toBeUndefined();
    expect(moveSource(NEW, live(undefined))).toBeUndefined();
  });
});

describe('rolloutComplete', () => {
  const base = { metadata: { generation: 3 }, spec: { replicas: 2 } };
  it('needs the current generation observed, every pod updated, no old pods and enough available', () => {
    expect(rolloutComplete({ ...base, status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } })).toBe(true);
    expect(rolloutComplete({ ...base, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } })).toBe(false);
    // Surge: an old pod is still there.
    expect(rolloutComplete({ ...base, status: { observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 3 } })).toBe(false);
    expect(rolloutComplete({ ...base, status: { observedGeneration: 3, replicas: 2, updatedReplicas: 1, availableReplicas: 2 } })).toBe(false);
    expect(rolloutComplete({ ...base, status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 1 } })).toBe(false);
    expect(rolloutComplete({ ...base })).toBe(false);
  });
});

describe('withMoveStep', () => {
  const planned = {
    metadata: { name: 'web', annotations: { keep: 'me' } },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'web', [PROFILE_LABEL]: NEW, 'eks.amazonaws.com/fargate-profile': NEW } } } },
  };

  it('overrides only the pod profile labels (ours and EKS\'s) and adds the moving-from annotation while it is needed', () => {
    const creating = withMoveStep(planned, decideProfileMove({ desired: NEW, deployment: live(OLD), desiredActive: false }));
    expect(creating.spec.template.metadata.labels).toEqual({ app: 'web', [PROFILE_LABEL]: OLD, 'eks.amazonaws.com/fargate-profile': OLD });
    expect(creating.metadata.annotations).toEqual({ keep: 'me' });
    const moving = withMoveStep(planned, decideProfileMove({ desired: NEW, deployment: live(OLD), desiredActive: true }));
    expect(moving.spec.template.metadata.labels[PROFILE_LABEL]).toBe(NEW);
    expect(moving.metadata.annotations).toEqual({ keep: 'me', [MOVING_FROM_ANNOTATION]: OLD });
    expect(moving.spec.replicas).toBe(2);
  });

  it('leaves the planned Deployment as it is when there is no move', () => {
    expect(withMoveStep(planned, { kind: 'none', podProfile: NEW })).toEqual(planned);
    // The plan is not changed in place.
    expect(planned.spec.template.metadata.labels[PROFILE_LABEL]).toBe(NEW);
  });
});

describe('profilesToRelease mid-move', () => {
  it('lets go of the profiles the Deployment still names, each once', () => {
    const workload = { apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateWorkload', metadata: { name: 'web' }, spec: { template: { spec: { containers: [] } } }, status: { fargateProfile: { name: NEW, status: 'ACTIVE' } } } as unknown as FargateWorkload;
    expect(profilesToRelease(NEW, workload, [OLD, undefined])).toEqual([NEW, OLD]);
    expect(profilesToRelease(NEW, workload, [NEW, OLD])).toEqual([NEW, OLD]);
    expect(profilesToRelease(NEW, workload)).toEqual([NEW]);
  });
});
