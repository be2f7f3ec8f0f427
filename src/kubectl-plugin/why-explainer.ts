/**
 * `why`: a workload part by part (pure), in the order the operator converges them (cluster, spec,
 * network, Fargate profile, IAM role, Deployment, pods, Ingress), each with its state and, when it
 * is not ready, the condition's reason and message and the next step for that reason
 * (next-steps.ts; an unknown reason falls back to the message, which the operator words as an
 * instruction). The pods have no condition of their own: their phase, readiness and latest
 * Warning event say it.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { findCondition } from '../kube/conditions.js';
import { clusterNameOfWorkload } from '../operator/cluster/workload-cluster.js';
import { CONDITION_AVAILABLE, CONDITION_IAM_ROLE, CONDITION_INGRESS, CONDITION_NETWORK, CONDITION_PROFILE } from '../operator/part-report.js';
import { nextStepFor, REASON_PODS_NOT_READY, REASON_PODS_PENDING } from './next-steps.js';
import { healthOf, isStaleCondition, REASON_GENERATION_NOT_OBSERVED, REASON_NOT_RECONCILED, type Health } from './workload-health.js';
import { podIsReady, podPhase, type WorkloadChildren } from './workload-tree.js';

export type PartName = 'cluster' | 'spec' | 'network' | 'fargateProfile' | 'iamRole' | 'deployment' | 'pods' | 'ingress';
export type PartState = 'Ready' | 'Waiting' | 'Stalled' | 'Unknown' | 'NotRequested';

/** One part of the workload: the `why -o json` parts[] shape. */
export interface PartExplanation {
  part: PartName;
  /** What the part is here: "FargateCluster demo", "Fargate profile fw-x (CREATING)", ... */
  subject: string;
  state: PartState;
  reason: string | null;
  message: string;
  /** What to do; null when the part is ready or waits for nothing a person does. */
  nextStep: string | null;
}

/** The `why -o json` shape. */
export interface WhyReport {
  namespace: string;
  name: string;
  ready: boolean;
  health: Health;
  parts: PartExplanation[];
  /** The part that keeps the workload from Ready; null when Ready. */
  cause: PartName | null;
  /** The cause's next step; null when Ready. */
  nextStep: string | null;
}

/** What `why` reads for one workload. */
export interface WhyInput {
  workload: FargateWorkload;
  /** Every FargateCluster, or undefined when they could not be read (`clustersError` says why). */
  clusters: readonly FargateCluster[] | undefined;
  clustersError?: string;
  children: WorkloadChildren;
  /** Events about the workload's pods (any order). */
  podEvents: readonly CoreV1Event[];
}

/** Workload reasons about its FargateCluster rather than a part (workload-cluster.ts). */
const CLUSTER_REASONS = new Set(['WaitingForCluster', 'NoFargateCluster', 'ClusterAmbiguous', 'ClusterNameChanged']);
/** Reasons that only wait for another part: that part is the cause, not this one. */
const DEPENDENCY_WAITS = new Set(['WaitingForProfile', 'WaitingForIAMRole', 'Progressing', 'DeploymentMissing']);

interface Part {
  part: PartName;
  subject: string;
}

function notReady(part: Part, state: 'Waiting' | 'Stalled' | 'Unknown', reason: string | null, message: string): PartExplanation {
  return { ...part, state, reason, message, nextStep: nextStepFor(reason ?? undefined) ?? (message || null) };
}

function ready(part: Part, reason: string | null, message: string, state: 'Ready' | 'NotRequested' = 'Ready'): PartExplanation {
  return { ...part, state, reason, message, nextStep: null };
}

function unknown(part: Part, message: string): PartExplanation {
  return { ...part, state: 'Unknown', reason: null, message, nextStep: null };
}

/** A part reported by one of the workload's conditions. */
function conditionPart(part: Part, type: string, workload: FargateWorkload, health: Health): PartExplanation {
  const condition = findCondition(workload.status?.conditions, type);
  if (!condition) return unknown(part, health.state === 'Stalled' ? 'not reached: the operator stops before it while the workload is Stalled' : `not reported yet (${type})`);
  if (isStaleCondition(condition, workload)) {
    return unknown(part, `not looked at in the latest reconcile, which stopped before it; earlier: ${condition.reason}${condition.message ? `: ${condition.message}` : ''}`);
  }
  if (condition.status === 'True') return ready(part, condition.reason, condition.message, condition.reason === 'NotRequested' ? 'NotRequested' : 'Ready');
  const stalled = health.state === 'Stalled' && health.reason === condition.reason;
  return notReady(part, stalled ? 'Stalled' : condition.status === 'Unknown' ? 'Unknown' : 'Waiting', condition.reason, condition.message);
}

function clusterPart(input: WhyInput, health: Health): PartExplanation {
  const { workload, clusters } = input;
  const name = clusterNameOfWorkload(workload, (clusters ?? []).map((cluster) => cluster.metadata.name ?? ''));
  const part: Part = { part: 'cluster', subject: name ? `FargateCluster ${name}` : 'FargateCluster' };
  const clusterReason = health.state !== 'Ready' && CLUSTER_REASONS.has(health.reason);
  if (clusterReason && health.state === 'Stalled') return notReady(part, 'Stalled', health.reason, health.message);
  const cluster = clusters?.find((candidate) => candidate.metadata.name === name);
  const clusterHealth = cluster ? healthOf(cluster) : undefined;
  // A cluster that is not Ready says why in its own conditions: the root cause of WaitingForCluster.
  if (clusterHealth && clusterHealth.state !== 'Ready') {
    return notReady(part, clusterHealth.state === 'Stalled' ? 'Stalled' : 'Waiting', clusterHealth.reason, clusterHealth.message);
  }
  if (clusterReason) return notReady(part, 'Waiting', health.reason, health.message);
  if (!clusters) return unknown(part, `cannot read FargateClusters: ${input.clustersError ?? 'unknown error'}`);
  if (!name) return unknown(part, 'no FargateCluster chosen yet');
  if (!cluster || !clusterHealth) return notReady(part, 'Waiting', 'WaitingForCluster', `FargateCluster ${name} does not exist`);
  return ready(part, clusterHealth.reason, `Ready in ${cluster.spec.region}`);
}

function specPart(workload: FargateWorkload, health: Health, clusterPartState: PartState): PartExplanation {
  const part: Part = { part: 'spec', subject: `spec (generation ${workload.metadata.generation ?? '?'})` };
  const refusedChild = (workload.status?.conditions ?? []).some((c) => c.reason === 'InvalidSpec' && c.type !== 'Ready' && c.type !== 'Stalled' && !isStaleCondition(c, workload));
  if (health.state === 'Stalled' && health.reason === 'InvalidSpec' && !refusedChild) return notReady(part, 'Stalled', health.reason, health.message);
  if (health.reason === REASON_NOT_RECONCILED || health.reason === REASON_GENERATION_NOT_OBSERVED) return notReady(part, 'Waiting', health.reason, health.message);
  if (health.state !== 'Ready' && CLUSTER_REASONS.has(health.reason)) return unknown(part, 'checked against the FargateCluster\'s guard rails once the cluster is known');
  if (clusterPartState === 'Unknown') return unknown(part, 'not checked yet');
  return ready(part, null, 'valid, within the FargateCluster\'s guard rails');
}

/** The newest Warning event of a pod, if any. */
function latestWarning(pod: V1Pod, events: readonly CoreV1Event[]): string | undefined {
  const time = (event: CoreV1Event): number => new Date(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp ?? 0).getTime();
  const ofPod = events
    .filter((event) => event.type === 'Warning' && event.involvedObject?.uid === pod.metadata?.uid)
    .sort((a, b) => time(a) - time(b));
  return ofPod.at(-1)?.message;
}

/** Why a pod is not ready: its containers' waiting reasons, else its Ready condition's message. */
function notReadyDetail(pod: V1Pod): string {
  const waiting = (pod.status?.containerStatuses ?? []).flatMap((status) =>
    status.state?.waiting?.reason ? [`${status.name} ${status.state.waiting.reason}${status.state.waiting.message ? ` (${status.state.waiting.message})` : ''}`] : [],
  );
  if (waiting.length > 0) return waiting.join(', ');
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready')?.message ?? 'not ready';
}

function podsPart(input: WhyInput): PartExplanation {
  const { pods, deployment } = input.children;
  const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const part: Part = { part: 'pods', subject: `${live.length} ${live.length === 1 ? 'pod' : 'pods'}` };
  if (live.length === 0) {
    return deployment ? notReady(part, 'Waiting', null, 'the Deployment has no pods yet') : unknown(part, 'no pods: the Deployment does not exist yet');
  }
  const pending = live.filter((pod) => podPhase(pod) === 'Pending');
  if (pending.length > 0) {
    const detail = pending.map((pod) => {
      const why = latestWarning(pod, input.podEvents) ?? (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status !== 'True')?.message;
      return `${pod.metadata?.name ?? ''} Pending${pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''}${why ? `: ${why}` : ''}`;
    });
    return notReady(part, 'Waiting', REASON_PODS_PENDING, detail.join('; '));
  }
  const unready = live.filter((pod) => !podIsReady(pod));
  if (unready.length > 0) {
    return notReady(part, 'Waiting', REASON_PODS_NOT_READY, unready.map((pod) => `${pod.metadata?.name ?? ''} ${podPhase(pod)}: ${notReadyDetail(pod)}`).join('; '));
  }
  return ready(part, null, `Running and ready on ${live.map((pod) => pod.spec?.nodeName ?? '?').join(', ')}`);
}

/** The workload explained part by part. */
export function explainWorkload(input: WhyInput): WhyReport {
  const { workload, children } = input;
  const status = workload.status ?? {};
  const health = healthOf(workload);
  const cluster = clusterPart(input, health);
  const profile = status.fargateProfile;
  const groups = workload.spec.networking?.securityGroupIds ?? [];
  const deployment = children.deployment;
  const hostname = children.ingress?.status?.loadBalancer?.ingress?.[0]?.hostname ?? status.loadBalancer?.hostname;
  const name = workload.metadata.name ?? '';
  const parts: PartExplanation[] = [
    cluster,
    specPart(workload, health, cluster.state),
    conditionPart({ part: 'network', subject: groups.length > 0 ? `subnets, security groups ${groups.join(', ')}` : 'subnets' }, CONDITION_NETWORK, workload, health),
    conditionPart({ part: 'fargateProfile', subject: profile ? `Fargate profile ${profile.name} (${profile.status})` : 'Fargate profile' }, CONDITION_PROFILE, workload, health),
    conditionPart({ part: 'iamRole', subject: status.iamRoleArn ? `IAM role ${status.iamRoleArn}` : 'IAM role' }, CONDITION_IAM_ROLE, workload, health),
    conditionPart(
      { part: 'deployment', subject: deployment ? `Deployment ${name} (${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1} ready)` : `Deployment ${name} (not created)` },
      CONDITION_AVAILABLE,
      workload,
      health,
    ),
    podsPart(input),
    workload.spec.ingress || children.ingress
      ? conditionPart({ part: 'ingress', subject: hostname ? `Ingress ${name} (${hostname})` : `Ingress ${name}` }, CONDITION_INGRESS, workload, health)
      : ready({ part: 'ingress', subject: 'Ingress' }, 'NotRequested', 'the workload asks for no ingress', 'NotRequested'),
  ];
  if (health.state === 'Ready') return { namespace: workload.metadata.namespace ?? '', name, ready: true, health, parts, cause: null, nextStep: null };
  const blocking = parts.filter((part) => part.state === 'Stalled' || part.state === 'Waiting');
  const cause =
    blocking.find((part) => part.state === 'Stalled') ??
    blocking.find((part) => part.reason === health.reason && !DEPENDENCY_WAITS.has(part.reason)) ??
    blocking.find((part) => !DEPENDENCY_WAITS.has(part.reason ?? '')) ??
    blocking[0];
  return {
    namespace: workload.metadata.namespace ?? '',
    name,
    ready: false,
    health,
    parts,
    cause: cause?.part ?? null,
    nextStep: cause?.nextStep ?? nextStepFor(health.reason) ?? health.message,
  };
}
