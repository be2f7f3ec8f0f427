/**
 * Moving a workload to another Fargate profile without downtime (design, section 3): the new
 * profile is created and ACTIVE first, then the pod label changes (a rolling update with
 * maxUnavailable 0 moves the pods), then the old profile is deleted once nothing uses it. Pure:
 * the decision for one reconcile from what the live Deployment and EKS show.
 *
 * The live Deployment is the memory of a move: its pod template label names the profile the pods
 * use, and the MOVING_FROM_ANNOTATION on it names the profile still to let go of once the label
 * has changed, so a restarted operator picks the move up where it was. The app team can write
 * both, so a name they give counts only when the workload's status (the operator's record, a
 * subresource app teams cannot write) names it too, and the old profile is deleted only when its
 * tags make it a workload profile of the workload's namespace, or a Shared one.
 */
import { API_GROUP, EKS_FARGATE_PROFILE_LABEL, PROFILE_LABEL, TAG_CLUSTER, TAG_COMPONENT, TAG_NAME, TAG_NAMESPACE } from '../../api/constants.js';

/** On the workload's Deployment while a move has changed the pod label but not yet released the old profile. */
export const MOVING_FROM_ANNOTATION = `${API_GROUP}/moving-from-profile`;

/** What a move decision reads of the live Deployment. */
export interface LiveDeploymentFacts {
  /** The pod template's profile label. */
  podProfile: string | undefined;
  /** The MOVING_FROM_ANNOTATION, if set. */
  movingFrom: string | undefined;
  rolloutComplete: boolean;
}

/** What one move decision needs. */
export interface MoveInput {
  /** The profile the plan wants. */
  desired: string;
  /** The live Deployment; undefined when it does not exist yet. */
  deployment: LiveDeploymentFacts | undefined;
  /** The desired profile is ACTIVE. */
  desiredActive: boolean;
  /** The old profile still exists in EKS (undefined when not observed). */
  oldExists?: boolean;
  /** Other workloads that still use the old profile: it stays (a Shared profile serves many). */
  oldUsers?: readonly string[];
  /** Pods of the operator's still running on the old profile: deleting it would kill them. */
  oldPods?: number;
  /** Why the old profile is not the workload's to delete (see releaseRefusal): it stays. */
  oldRefusal?: string;
}

/** The step of the move this reconcile is at; `podProfile` is the label the Deployment gets. */
export type MoveStep =
  | { kind: 'none'; podProfile: string }
  | { kind: 'creating'; podProfile: string; from: string; message: string }
  | { kind: 'moving'; podProfile: string; from: string; message: string }
  | { kind: 'keeping'; podProfile: string; from: string; message: string }
  | { kind: 'deleting'; podProfile: string; from: string; message: string }
  | { kind: 'done'; podProfile: string; from: string; message: string };

/** The profile the old side of a move is on, when a move is under way: what to observe in EKS. */
export function moveSource(desired: string, deployment: LiveDeploymentFacts | undefined): string | undefined {
  if (!deployment) return undefined;
  if (deployment.podProfile !== undefined && deployment.podProfile !== desired) return deployment.podProfile;
  if (deployment.movingFrom !== undefined && deployment.movingFrom !== desired) return deployment.movingFrom;
  return undefined;
}

/**
 * The Deployment's facts with only the profiles the workload's status records (or the planned
 * one): a pod label or move annotation naming any other is the app team's word alone, and is
 * dropped (returned in `ignored`, to be said), so it moves nothing and deletes nothing. Pure.
 */
export function recordedMoveFacts(
  facts: LiveDeploymentFacts,
  desired: string,
  recorded: readonly string[],
): { facts: LiveDeploymentFacts; ignored: string[] } {
  const trusted = (name: string | undefined): boolean => name === undefined || name === desired || recorded.includes(name);
  const ignored = [...new Set([facts.podProfile, facts.movingFrom].filter((name): name is string => !trusted(name)))];
  return {
    facts: { ...facts, podProfile: trusted(facts.podProfile) ? facts.podProfile : undefined, movingFrom: trusted(facts.movingFrom) ? facts.movingFrom : undefined },
    ignored,
  };
}

/** What releaseRefusal reads of a profile in EKS. */
export interface ReleasedProfileFacts {
  tags: Record<string, string>;
  selectors: readonly { namespace: string }[];
}

/** The workload letting go of a profile: its cluster, namespace and name. */
export interface ProfileReleaser {
  clusterName: string;
  namespace: string;
  name: string;
}

/**
 * Why a workload may not delete a profile it no longer plans (a move's source, an earlier plan's),
 * or undefined when it may once nothing uses it: the profile must be tagged a workload profile
 * (component fargate-profile) of the workload's cluster, and be either Shared (no namespace or
 * name tag; those go only when no workload uses them) or select pods of the workload's namespace
 * alone, tagged for that namespace and, if for a workload, for this one. So the CoreDNS profile,
 * another cluster component's or another namespace's is never deleted by a workload. Pure.
 */
export function releaseRefusal(profile: ReleasedProfileFacts, releaser: ProfileReleaser): string | undefined {
  const { tags } = profile;
  if (tags[TAG_CLUSTER] !== releaser.clusterName) return `it is not tagged as the operator's for cluster ${releaser.clusterName}`;
  if (tags[TAG_COMPONENT] !== 'fargate-profile') return `it is not a workload's profile (${TAG_COMPONENT}: ${tags[TAG_COMPONENT] ?? 'none'})`;
  const namespace = tags[TAG_NAMESPACE];
  const name = tags[TAG_NAME];
  if (namespace === undefined && name === undefined) return undefined;
  if (namespace !== releaser.namespace) return `it is tagged for namespace ${namespace ?? 'none'}, not ${releaser.namespace}`;
  if (name !== undefined && name !== releaser.name) return `it is tagged for FargateWorkload ${namespace}/${name}`;
  const others = profile.selectors.map((selector) => selector.namespace).filter((selected) => selected !== releaser.namespace);
  if (others.length > 0) return `it selects pods of namespace ${[...new Set(others)].join(', ')}, not only of ${releaser.namespace}`;
  return undefined;
}

/** Decides the move step (see the module comment). */
export function decideProfileMove(input: MoveInput): MoveStep {
  const { desired, deployment } = input;
  const from = moveSource(desired, deployment);
  if (!deployment || from === undefined) return { kind: 'none', podProfile: desired };
  if (deployment.podProfile === from) {
    // The pods stay where they run until the new profile can take them.
    if (!input.desiredActive) return { kind: 'creating', podProfile: from, from, message: `creating profile ${desired} for the move from ${from}` };
    return { kind: 'moving', podProfile: desired, from, message: `moving pods to ${desired}` };
  }
  if (!deployment.rolloutComplete) return { kind: 'moving', podProfile: desired, from, message: `moving pods to ${desired}` };
  if (input.oldExists === false) return { kind: 'done', podProfile: desired, from, message: `moved from ${from}; it is gone` };
  if (input.oldRefusal !== undefined) return { kind: 'keeping', podProfile: desired, from, message: `moved from ${from}; it is kept: ${input.oldRefusal}` };
  const users = input.oldUsers ?? [];
  if (users.length > 0) return { kind: 'keeping', podProfile: desired, from, message: `moved from ${from}; it is kept: still used by ${users.join(', ')}` };
  const pods = input.oldPods ?? 0;
  if (pods > 0) return { kind: 'moving', podProfile: desired, from, message: `moving pods to ${desired}: ${pods} pod(s) still run on ${from}` };
  return { kind: 'deleting', podProfile: desired, from, message: `deleting old profile ${from}` };
}

/** True while the step still needs the MOVING_FROM_ANNOTATION on the Deployment. */
export function keepsMovingFrom(step: MoveStep): boolean {
  return step.kind === 'moving' || step.kind === 'deleting';
}

/** A Deployment's status and generation, as rollout completion reads them. */
export interface DeploymentRollout {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/**
 * The Deployment controller has rolled the current template out: it saw this generation, every
 * pod is of the new template (no old ReplicaSet pods left) and as many are available as wanted.
 */
export function rolloutComplete(deployment: DeploymentRollout): boolean {
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation;
  if (generation === undefined || (status.observedGeneration ?? -1) < generation) return false;
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  return updated >= wanted && (status.replicas ?? 0) === updated && (status.availableReplicas ?? 0) >= wanted;
}

/** The planned Deployment with the pod label of the move step and the annotation that remembers the move. */
export function withMoveStep<T extends { metadata: { annotations?: Record<string, string> }; spec: { template: { metadata?: { labels?: Record<string, string> } } } }>(
  planned: T,
  step: MoveStep,
): T {
  const annotations = { ...planned.metadata.annotations };
  if (step.kind !== 'none' && keepsMovingFrom(step)) annotations[MOVING_FROM_ANNOTATION] = step.from;
  const template = planned.spec.template;
  return {
    ...planned,
    metadata: { ...planned.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: {
      ...planned.spec,
      template: { ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, [PROFILE_LABEL]: step.podProfile, [EKS_FARGATE_PROFILE_LABEL]: step.podProfile } } },
    },
  };
}
