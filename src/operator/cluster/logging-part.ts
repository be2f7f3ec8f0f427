/**
 * Fargate logging objects of a cluster: the aws-observability Namespace and aws-logging ConfigMap
 * are server-side applied when logging is on (only when they differ from the live ones, so a
 * steady state makes no write), and removed when it is off: each only when the operator made it
 * for this FargateCluster (another team's aws-observability namespace is never deleted). An
 * aws-logging ConfigMap made by someone else is not replaced unless annotated for adoption.
 * The execution role's logging policy follows the same spec through the execution role part.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../api/constants.js';
import type { FargateCluster } from '../../api/types.js';
import { isAlreadyExists } from '../../kube/api-error.js';
import { adoptCreatedFields, applyObject, createObject, deleteObject, mergePatchObject, readObject } from '../../kube/server-side-apply.js';
import type { ClusterFacts } from '../../plan/cluster-facts.js';
import {
  AWS_LOGGING_CONFIG_MAP,
  AWS_OBSERVABILITY_NAMESPACE,
  FargateLoggingConfigTooLongError,
  planFargateLogging,
  type ConfigMapObject,
  type NamespaceObject,
} from '../../plan/fargate-logging.js';
import { CONDITION_LOGGING_READY } from './cluster-status.js';
import { partReady, partStalled, partWaiting, type PartEvent, type PartReport } from '../part-report.js';


/** Fluent Bit reads its configuration when a pod starts (EKS user guide, "Fargate logging"). */
export const NEW_PODS_ONLY_NOTE = 'logging configuration changes apply to new pods only; restart running pods to pick them up';

/** How often a logging part waiting for the aws-observability namespace to finish terminating looks again. */
export const NAMESPACE_TERMINATING_REQUEUE_MS = 5_000;

/**
 * How often a logging part stalled on an aws-observability object it may not change looks again
 * (a whole cluster reconcile, as for a cluster waiting on anything outside the operator): the fix
 * (a label, the adopt annotation, a delete) is made on that object, which no informer watches.
 */
export const NOT_OWNED_RECHECK_MS = 60_000;

/** Stalled on an object the operator may not change, looked at again every {@link NOT_OWNED_RECHECK_MS}. */
function notOwned(reason: string, message: string): PartReport {
  return { ...partStalled(CONDITION_LOGGING_READY, reason, `${message}; looked at again every minute`), requeueAfterMs: NOT_OWNED_RECHECK_MS };
}

/** The LoggingReady part and when to look again. */
export interface LoggingResult {
  part: PartReport;
  requeueAfterMs?: number;
}

/** True when every label, owner reference and data entry of the desired object is on the live one (pure). */
export function coversDesired(live: KubernetesObject & { data?: Record<string, string> }, desired: NamespaceObject | ConfigMapObject): boolean {
  const liveLabels = live.metadata?.labels ?? {};
  const labelsMatch = Object.entries(desired.metadata.labels).every(([key, value]) => liveLabels[key] === value);
  const liveOwners = live.metadata?.ownerReferences ?? [];
  const ownersMatch = desired.metadata.ownerReferences.every((owner) => liveOwners.some((o) => o.uid === owner.uid && o.kind === owner.kind));
  const liveData = live.data ?? {};
  const dataMatch =
    !('data' in desired) ||
    (Object.keys(liveData).length === Object.keys(desired.data).length && Object.entries(desired.data).every(([key, value]) => liveData[key] === value));
  return labelsMatch && ownersMatch && dataMatch;
}

function readLive(objects: KubernetesObjectApi, object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) {
  return readObject<KubernetesObject & { data?: Record<string, string> }>(objects, object);
}

/**
 * Applies (logging on) or removes (logging off) the aws-observability objects; the LoggingReady part.
 * Over EKS's 5300-character limit the part stalls with the planner's message.
 */
export async function convergeLogging(
  objects: KubernetesObjectApi,
  cluster: FargateCluster,
  facts: ClusterFacts,
  event: PartEvent,
  /** The uids of the FargateClusters that exist: what one that was deleted left is this one's to take. */
  liveClusterUids: ReadonlySet<string>,
): Promise<LoggingResult> {
  let plan;
  try {
    plan = planFargateLogging(cluster, facts);
  } catch (error) {
    if (error instanceof FargateLoggingConfigTooLongError) return { part: partStalled(CONDITION_LOGGING_READY, 'ConfigTooLong', error.message) };
    throw error;
  }
  if (!plan) {
    await removeLogging(objects, cluster, event);
    return { part: partReady(CONDITION_LOGGING_READY, 'NotRequested', 'spec.logging.cloudWatch is not set: no aws-observability objects of the operator') };
  }
  const [namespaceLive, configMapLive] = await Promise.all([readLive(objects, plan.namespace), readLive(objects, plan.configMap)]);
  // Judged before anything is written: another FargateCluster's logging leaves its namespace alone too.
  const configMapNotOwned = configMapLive && configMapNotOwnedReason(configMapLive, cluster, liveClusterUids);
  if (configMapNotOwned) return { part: notOwned('ConfigMapNotOwned', configMapNotOwned) };
  // The namespace of another FargateCluster's logging is not taken over either.
  const namespaceController = namespaceLive && controllerOf(namespaceLive);
  if (namespaceController && namespaceController.uid !== cluster.metadata.uid && liveClusterUids.has(namespaceController.uid)) {
    return { part: notOwned('NamespaceNotOwned', `namespace ${AWS_OBSERVABILITY_NAMESPACE} is managed for ${namespaceController.kind} ${namespaceController.name}; only one FargateCluster of a Kubernetes cluster can set spec.logging: unset it on one of them`) };
  }
  // Logging turned off and on again: nothing can be created in a terminating namespace.
  if (namespaceLive?.metadata?.deletionTimestamp) {
    return {
      part: partWaiting(CONDITION_LOGGING_READY, 'NamespaceTerminating', `namespace ${AWS_OBSERVABILITY_NAMESPACE} is terminating; it is created again once it is gone`, NAMESPACE_TERMINATING_REQUEUE_MS),
      requeueAfterMs: NAMESPACE_TERMINATING_REQUEUE_MS,
    };
  }
  // Someone else's namespace is used as it is (never taken over), if EKS's label is on it.
  if (!namespaceLive || !coversDesired(namespaceLive, plan.namespace)) {
    if (namespaceLive && namespaceLive.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) {
      if (namespaceLive.metadata?.labels?.['aws-observability'] !== 'enabled') {
        return {
          part: notOwned(
            'NamespaceNotOwned',
            `namespace ${AWS_OBSERVABILITY_NAMESPACE} exists without the operator's label and without aws-observability: enabled; label it, or delete it so the operator creates it`,
          ),
        };
      }
    } else if (!namespaceLive) {
      await createOnce(objects, plan.namespace);
    } else {
      await dropStaleOwners(objects, namespaceLive, plan.namespace, cluster);
      await applyObject(objects, { ...plan.namespace, metadata: { ...plan.namespace.metadata, uid: namespaceLive.metadata?.uid } });
    }
  }
  if (!configMapLive) {
    await createOnce(objects, plan.configMap);
    event('Normal', 'LoggingConfigured', `created ${AWS_OBSERVABILITY_NAMESPACE}/${AWS_LOGGING_CONFIG_MAP}; ${NEW_PODS_ONLY_NOTE}`);
  } else if (!coversDesired(configMapLive, plan.configMap)) {
    // With the uid read as a precondition: only the object judged above is changed.
    const uid = configMapLive.metadata?.uid;
    await adoptCreatedFields(objects, plan.configMap, uid);
    await dropStaleOwners(objects, configMapLive, plan.configMap, cluster);
    // Keys the plan does not set (an adopted one's filters.conf, parsers.conf) would stay beside
    // it, merged by the apply: the configuration is the plan's whole.
    const extra = Object.keys(configMapLive.data ?? {}).filter((key) => !(key in plan.configMap.data));
    if (extra.length > 0) {
      const identity = { name: AWS_LOGGING_CONFIG_MAP, namespace: AWS_OBSERVABILITY_NAMESPACE, uid };
      await mergePatchObject(objects, { apiVersion: 'v1', kind: 'ConfigMap', metadata: identity, data: Object.fromEntries(extra.map((key) => [key, null])) } as KubernetesObject);
    }
    await applyObject(objects, { ...plan.configMap, metadata: { ...plan.configMap.metadata, uid } });
    event('Normal', 'LoggingConfigured', `applied ${AWS_OBSERVABILITY_NAMESPACE}/${AWS_LOGGING_CONFIG_MAP}; ${NEW_PODS_ONLY_NOTE}`);
  }
  return { part: partReady(CONDITION_LOGGING_READY, 'Configured', `CloudWatch logging to ${plan.logGroupNames.join(' and ')}; ${NEW_PODS_ONLY_NOTE}`) };
}

/**
 * Creates an object found missing with a plain create: one someone makes meanwhile is refused
 * (409) and judged on the next reconcile, never applied over (and later deleted as ours).
 */
async function createOnce(objects: KubernetesObjectApi, object: NamespaceObject | ConfigMapObject): Promise<void> {
  try {
    await createObject(objects, object);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const where = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
    throw new Error(`${object.kind} ${where}${object.metadata.name} was made by someone else while the operator created it; it is judged on the next reconcile`);
  }
}

/**
 * Why the live aws-logging ConfigMap is not this FargateCluster's to change (pure), or undefined
 * when it is: made for this FargateCluster, or annotated for adoption. EKS reads one such
 * ConfigMap for the whole cluster, so one made by hand, or for another FargateCluster, would be
 * silently replaced by an apply.
 */
export function configMapNotOwnedReason(live: KubernetesObject, cluster: FargateCluster, liveClusterUids: ReadonlySet<string>): string | undefined {
  const where = `ConfigMap ${AWS_OBSERVABILITY_NAMESPACE}/${AWS_LOGGING_CONFIG_MAP}`;
  // The controller first, as for a workload's children: another FargateCluster's is not taken by an annotation.
  const controller = controllerOf(live);
  if (controller && controller.uid === cluster.metadata.uid) return undefined;
  // Left by a FargateCluster that was deleted (the garbage collector has not come by yet, or does
  // not run): the operator's own, for this one to take.
  if (controller?.kind === 'FargateCluster' && live.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE && !liveClusterUids.has(controller.uid)) return undefined;
  if (controller) {
    const whose = controller.kind === 'FargateCluster' ? `FargateCluster ${controller.name}; EKS reads one for the whole cluster, so only one FargateCluster of a Kubernetes cluster can set spec.logging: unset it on one of them` : `${controller.kind} ${controller.name}; it is left untouched`;
    return `${where} configures Fargate logging for ${whose}`;
  }
  if (live.metadata?.annotations?.[ADOPT_ANNOTATION] === 'true') return undefined;
  return `${where} exists and was not made by the operator for this FargateCluster; annotate it ${ADOPT_ANNOTATION}: "true" to let the operator replace its configuration, or delete it`;
}

/** The object's controller reference, if it has one. */
function controllerOf(object: KubernetesObject): { kind: string; name: string; uid: string } | undefined {
  return (object.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/**
 * Puts the plan's owner references in place of the live ones when they name another controller
 * (one a deleted FargateCluster left, judged above): an apply would merge the lists, and the API
 * server refuses two controllers. Under the uid judged.
 */
async function dropStaleOwners(objects: KubernetesObjectApi, live: KubernetesObject, desired: NamespaceObject | ConfigMapObject, cluster: FargateCluster): Promise<void> {
  const controller = controllerOf(live);
  if (!controller || controller.uid === cluster.metadata.uid) return;
  const metadata = { name: desired.metadata.name, ...(desired.metadata.namespace ? { namespace: desired.metadata.namespace } : {}), uid: live.metadata?.uid, ownerReferences: desired.metadata.ownerReferences };
  await mergePatchObject(objects, { apiVersion: desired.apiVersion, kind: desired.kind, metadata } as KubernetesObject);
}

/** Whether this FargateCluster is an owner of the object (its uid in the owner references). */
function ownedByCluster(object: KubernetesObject | undefined, cluster: FargateCluster): boolean {
  if (object?.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) return false;
  return (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === cluster.metadata.uid);
}

/** Deletes this FargateCluster's aws-logging ConfigMap, and the aws-observability Namespace only when it made it. */
export async function removeLogging(objects: KubernetesObjectApi, cluster: FargateCluster, event: PartEvent): Promise<void> {
  // Only this FargateCluster's objects: another FargateCluster in the same Kubernetes cluster may
  // have logging on, and its aws-observability objects are not ours to remove.
  const configMap = await readLive(objects, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: AWS_LOGGING_CONFIG_MAP, namespace: AWS_OBSERVABILITY_NAMESPACE } });
  if (ownedByCluster(configMap, cluster)) {
    if (await deleteObject(objects, { apiVersion: 'v1', kind: 'ConfigMap', name: AWS_LOGGING_CONFIG_MAP, namespace: AWS_OBSERVABILITY_NAMESPACE, uid: configMap?.metadata?.uid })) {
      event('Normal', 'LoggingRemoved', `deleted ${AWS_OBSERVABILITY_NAMESPACE}/${AWS_LOGGING_CONFIG_MAP}; ${NEW_PODS_ONLY_NOTE}`);
    }
  }
  const namespace = await readLive(objects, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: AWS_OBSERVABILITY_NAMESPACE } });
  // A namespace that is already terminating needs no second delete (steady state: no write).
  if (ownedByCluster(namespace, cluster) && !namespace?.metadata?.deletionTimestamp) {
    await deleteObject(objects, { apiVersion: 'v1', kind: 'Namespace', name: AWS_OBSERVABILITY_NAMESPACE, uid: namespace?.metadata?.uid });
  }
}
