import { PROFILE_LABEL } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { profilesToRelease } from '../../src/operator/reconcilers/fargate-workload-cleanup.js';
import {
  decideProfileMove,
  keepsMovingFrom,
  moveSource,
  MOVING_FROM_ANNOTATION,
  recordedMoveFacts,
  releaseRefusal,
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

  it('keeps the old profile, and ends the move, when it is not the workload\'s to delete', () => {
    const step = decideProfileMove({ desired: NEW, deployment: live(NEW, OLD, true), desiredActive: true, oldExists: true, oldUsers: [], oldPods: 0, oldRefusal: 'it is tagged for namespace team-a, not shop' });
    expect(step).toEqual({ kind: 'keeping', podProfile: NEW, from: OLD, message: `moved from ${OLD}; it is kept: it is tagged for namespace team-a, not shop` });
    expect(keepsMovingFrom(step)).toBe(false);
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

describe('recordedMoveFacts', () => {
  it('keeps the pod label and move annotation only for the planned profile or one the status records', () => {
    expect(recordedMoveFacts(live(OLD, undefined, true), NEW, [NEW, OLD])).toEqual({ facts: live(OLD, undefined, true), ignored: [] });
    expect(recordedMoveFacts(live(NEW, OLD), NEW, [OLD])).toEqual({ facts: live(NEW, OLD), ignored: [] });
    // The app team's word alone: dropped, and said.
    expect(recordedMoveFacts(live(NEW, 'fw-coredns'), NEW, [NEW])).toEqual({ facts: live(NEW, undefined), ignored: ['fw-coredns'] });
    expect(recordedMoveFacts(live('fw-other', 'fw-other', true), NEW, [NEW])).toEqual({ facts: live(undefined, undefined, true), ignored: ['fw-other'] });
    expect(moveSource(NEW, recordedMoveFacts(live('fw-other', OLD), NEW, [OLD]).facts)).toBe(OLD);
  });
});

describe('releaseRefusal', () => {
  const releaser = { clusterName: 'prod', namespace: 'shop', name: 'web' };
  const tags = (extra: Record<string, string>) => ({ 'fargate.eksops.dev/cluster': 'prod', 'fargate.eksops.dev/component': 'fargate-profile', ...extra });
  const shop = [{ namespace: 'shop' }];

  it('lets a workload delete a Shared profile, its namespace\'s and its own Dedicated one', () => {
    expect(releaseRefusal({ tags: tags({}), selectors: [{ namespace: '*' }] }, releaser)).toBeUndefined();
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/namespace': 'shop' }), selectors: shop }, releaser)).toBeUndefined();
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/namespace': 'shop', 'fargate.eksops.dev/name': 'web', 'fargate.eksops.dev/uid': 'old-uid' }), selectors: shop }, releaser)).toBeUndefined();
  });

  it('refuses the CoreDNS profile, another cluster\'s, another namespace\'s or workload\'s, and one selecting other namespaces', () => {
    expect(releaseRefusal({ tags: { 'fargate.eksops.dev/cluster': 'prod', 'fargate.eksops.dev/component': 'coredns-profile' }, selectors: [{ namespace: 'kube-system' }] }, releaser)).toBe(
      "it is not a workload's profile (fargate.eksops.dev/component: coredns-profile)",
    );
    expect(releaseRefusal({ tags: { team: 'platform' }, selectors: shop }, releaser)).toBe("it is not tagged as the operator's for cluster prod");
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/cluster': 'staging' }), selectors: shop }, releaser)).toBe("it is not tagged as the operator's for cluster prod");
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/namespace': 'team-a' }), selectors: [{ namespace: 'team-a' }] }, releaser)).toBe('it is tagged for namespace team-a, not shop');
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/namespace': 'shop', 'fargate.eksops.dev/name': 'api' }), selectors: shop }, releaser)).toBe('it is tagged for FargateWorkload shop/api');
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/name': 'web' }), selectors: shop }, releaser)).toBe('it is tagged for namespace none, not shop');
    expect(releaseRefusal({ tags: tags({ 'fargate.eksops.dev/namespace': 'shop' }), selectors: [{ namespace: 'shop' }, { namespace: 'kube-*' }] }, releaser)).toBe(
      'it selects pods of namespace kube-*, not only of shop',
    );
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
  const workload = (status: FargateWorkload['status']) =>
    ({ apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateWorkload', metadata: { name: 'web' }, spec: { template: { spec: { containers: [] } } }, status }) as unknown as FargateWorkload;

  it('lets go of the move source the status records, each once', () => {
    const moving = workload({ fargateProfile: { name: NEW, status: 'ACTIVE' }, awsResources: [{ kind: 'FargateProfile', name: NEW, state: 'ACTIVE' }, { kind: 'FargateProfile', name: OLD, state: 'InUse' }] });
    expect(profilesToRelease(NEW, moving)).toEqual([NEW, OLD]);
  });

  it('is what the status records, whatever the Deployment names (the app team can write it, not the status)', () => {
    const settled = workload({ fargateProfile: { name: NEW, status: 'ACTIVE' } });
    expect(profilesToRelease(NEW, settled)).toEqual([NEW]);
  });
});
