/**
 * Pure decisions about a workload's Kubernetes children: which kinds it can have, whether a live
 * child already holds what the plan wants (so a steady state sends no apply at all), which live
 * children the plan no longer names, and what a missing API kind looks like.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, API_GROUP, PROFILE_LABEL } from '../../api/constants.js';
import { sha256Hex } from '../../plan/hash.js';
import type { KubeObject } from '../../plan/index.js';
import { apiStatusCode, kubeApiErrorSummary } from '../../kube/api-error.js';
import { CONDITION_AVAILABLE, CONDITION_INGRESS, CONDITION_NETWORK, partWaiting, type PartReport } from '../part-report.js';

/** Annotation on every child with a hash of the manifest last applied: a removed field changes it. */
export const APPLIED_HASH_ANNOTATION = `${API_GROUP}/applied-hash`;

/**
 * A kind of child: how the generic object API and the informers address it, and where its
 * failures show. The one registry of child kinds: the informers, the cache reads, the deletion
 * of children no longer planned and the ClusterRole test (test/unit/child-registry.test.ts) all
 * follow it.
 */
export interface ChildKind {
  apiVersion: string;
  kind: KubeObject['kind'];
  /** Plural resource name: the informer's collection path and the RBAC rule. */
  resource: string;
  /** The workload condition that shows this child's state and failures. */
  condition: string;
  /**
   * The activation condition of a kind served only where a CRD outside this project is installed:
   * the child is applied only while its kind is served, and meanwhile this report stands on its
   * condition (an absent kind is reported, not an error).
   */
  whenNotServed?: () => PartReport;
}

/** How often a workload whose SecurityGroupPolicy CRD is missing looks again (nothing else wakes it when the CRD appears). */
export const MISSING_CRD_REQUEUE_MS = 60_000;

/** NetworkReady while the cluster has no SecurityGroupPolicy CRD: looked at again, and woken when it is installed. */
function securityGroupPolicyCrdMissing(): PartReport {
  return partWaiting(
    CONDITION_NETWORK,
    'SecurityGroupPolicyCRDMissing',
    'the workload asks for security groups, but the cluster has no SecurityGroupPolicy CRD (vpcresources.k8s.aws/v1beta1): install the Amazon VPC CNI security-groups-for-pods support',
    MISSING_CRD_REQUEUE_MS,
  );
}

/**
 * Every kind the planner can produce, keyed by kind, in apply order: a new kind of child that is
 * added to KubeObject but not here fails to compile.
 */
const CHILD_KIND_TABLE: { readonly [K in KubeObject['kind']]: Omit<ChildKind, 'kind'> } = {
  ServiceAccount: { apiVersion: 'v1', resource: 'serviceaccounts', condition: CONDITION_AVAILABLE },
  SecurityGroupPolicy: { apiVersion: 'vpcresources.k8s.aws/v1beta1', resource: 'securitygrouppolicies', condition: CONDITION_NETWORK, whenNotServed: securityGroupPolicyCrdMissing },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments', condition: CONDITION_AVAILABLE },
  PodDisruptionBudget: { apiVersion: 'policy/v1', resource: 'poddisruptionbudgets', condition: CONDITION_AVAILABLE },
  Service: { apiVersion: 'v1', resource: 'services', condition: CONDITION_INGRESS },
  Ingress: { apiVersion: 'networking.k8s.io/v1', resource: 'ingresses', condition: CONDITION_INGRESS },
  HorizontalPodAutoscaler: { apiVersion: 'autoscaling/v2', resource: 'horizontalpodautoscalers', condition: CONDITION_AVAILABLE },
};

/** Every kind of child, in apply order. */
export const CHILD_KINDS: readonly ChildKind[] = Object.entries(CHILD_KIND_TABLE).map(([kind, rest]) => ({ kind: kind as KubeObject['kind'], ...rest }));

/** The registry entry of a kind. */
export function childKind(kind: KubeObject['kind']): ChildKind {
  return { kind, ...CHILD_KIND_TABLE[kind] };
}

/** The API group of an apiVersion ("" for the core group). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** The cluster-wide collection path of a kind, which its informer watches. */
export function collectionPath(child: Pick<ChildKind, 'apiVersion' | 'resource'>): string {
  return child.apiVersion.includes('/') ? `/apis/${child.apiVersion}/${child.resource}` : `/api/${child.apiVersion}/${child.resource}`;
}

/** Keys JSON objects by sorted keys, so equal manifests hash equally whatever their key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The manifest to apply: the planned one with the hash of itself as an annotation. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const hash = sha256Hex(stableJson(desired)).slice(0, 16);
  return { ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
}

/**
 * True when `live` holds every field `desired` sets, with the same value. Maps may hold more
 * keys (the API server adds defaults, others add labels); lists must have the same length.
 * Scalars compare as text: the API server stores quantities and numbers as it likes (`1` -> "1").
 */
export function holdsFields(live: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((item, i) => holdsFields(live[i], item));
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const liveMap = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([key, value]) => holdsFields(liveMap[key], value));
  }
  return live !== undefined && live !== null && String(live) === String(desired);
}

/**
 * Whether the child must be applied: it is missing, it was last applied from another manifest
 * (the hash differs: a field may have been removed from the plan), or someone changed a field
 * the plan sets. `desired` already carries its hash (see withAppliedHash).
 */
export function needsApply(desired: KubeObject, live: KubernetesObject | undefined): boolean {
  if (!live) return true;
  const hash = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== hash) return true;
  const { metadata, ...rest } = desired;
  return !holdsFields(live, { metadata: { labels: metadata.labels, annotations: metadata.annotations }, ...rest, apiVersion: undefined, kind: undefined });
}

/** True when the live child was last applied from this very manifest (`desired` carries its hash). */
export function sameManifest(desired: KubeObject, live: KubernetesObject): boolean {
  const hash = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  return hash !== undefined && live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash;
}

/** The top-level spec fields the plan sets whose live value no longer holds it, with the planned values. */
export function driftedSpecFields(desired: KubeObject, live: KubernetesObject): Record<string, unknown> {
  const planned = ('spec' in desired ? desired.spec : {}) as Record<string, unknown>;
  const current = ((live as { spec?: unknown }).spec ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(planned).filter(([field, value]) => !holdsFields(current[field], value)));
}

/** True when the child is controlled by the workload with this uid (a label alone is not proof). */
export function ownedBy(live: KubernetesObject, ownerUid: string | undefined): boolean {
  return controllerUid(live) === ownerUid && ownerUid !== undefined;
}

/**
 * Why an existing object of a planned child's kind and name is not the workload's to apply:
 * undefined when the workload may apply it (it controls it, or the object carries the adopt
 * annotation and no other controller). Never taking over what another owner made (a ServiceAccount
 * such as `default`, another workload's children, a Deployment made by hand) is what keeps one
 * team's workload from rewriting another's identity or deleting it with its own.
 */
export function notOwnedReason(live: KubernetesObject, workloadUid: string | undefined): string | undefined {
  const controller = (live.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true);
  if (controller && controller.uid === workloadUid && workloadUid !== undefined) return undefined;
  if (controller) return `it is controlled by ${controller.kind} ${live.metadata?.namespace ? `${live.metadata.namespace}/` : ''}${controller.name}`;
  if (live.metadata?.annotations?.[ADOPT_ANNOTATION] === 'true') return undefined;
  return `it was not created by this workload; annotate it ${ADOPT_ANNOTATION}: "true" to let the workload take it over, or pick another name`;
}

/** The uid of the object's controller, if it has one (the index the child caches keep). */
export function controllerUid(live: KubernetesObject): string | undefined {
  return (live.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true)?.uid;
}

/** The live children (already filtered to the workload's own) that the plan no longer names. */
export function staleChildren<T extends KubernetesObject & { kind: string }>(desired: readonly KubeObject[], live: readonly T[]): T[] {
  const wanted = new Set(desired.map((object) => `${object.kind}/${object.metadata.name}`));
  return live.filter((object) => !wanted.has(`${object.kind}/${object.metadata?.name ?? ''}`));
}

/**
 * True when an API call failed because the cluster does not serve the kind at all (its CRD is not
 * installed, or was removed since discovery): client-node cannot resolve it, the group/version
 * answers 404, or the resource's path does. Not a 404 for one object (deleted, or its namespace
 * gone), whose Status names it.
 */
export function isKindNotServed(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  if (/Unrecognized API version and kind/i.test(message)) return true;
  if (apiStatusCode(error) !== 404) return false;
  if (/Failed to fetch resource metadata/i.test(message)) return true;
  return /the server could not find the requested resource/i.test(kubeApiErrorSummary(error)?.message ?? '');
}

/** The Fargate profile the Deployment's pods are labelled for now (differs from the plan during a move). */
export function profileInUse(deployment: KubernetesObject | undefined): string | undefined {
  const template = (deployment as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined)?.spec?.template;
  return template?.metadata?.labels?.[PROFILE_LABEL];
}
