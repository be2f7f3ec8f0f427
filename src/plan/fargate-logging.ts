/**
 * Fargate logging (EKS user guide, "Fargate logging"): Fargate runs a Fluent Bit log router on
 * every pod's node and configures it from the `aws-logging` ConfigMap in the `aws-observability`
 * namespace. When the FargateCluster turns CloudWatch logging on, the operator owns both objects;
 * the pod execution role gets the CloudWatch Logs actions (pod-execution-role.ts).
 */
import { API_GROUP_VERSION, KIND_CLUSTER, LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../api/constants.js';
import { DEFAULT_LOG_RETENTION_DAYS, withClusterDefaults } from '../api/defaults.js';
import type { FargateCluster } from '../api/types.js';
import type { ClusterFacts } from './cluster-facts.js';
import type { OwnerReference } from './kube-object.js';
import { FARGATE_LOGGING_ACTIONS, fluentBitProcessLogGroup } from './pod-execution-role.js';

export { fluentBitProcessLogGroup };
import { clusterName } from './workload-identity.js';

/** The namespace Fargate's log router reads its configuration from; fixed by EKS. */
export const AWS_OBSERVABILITY_NAMESPACE = 'aws-observability';
/** The ConfigMap the log router reads; fixed by EKS. */
export const AWS_LOGGING_CONFIG_MAP = 'aws-logging';
/** Label EKS requires on the namespace. */
export const AWS_OBSERVABILITY_LABEL = 'aws-observability';
/** EKS ignores a configuration longer than this (characters of the ConfigMap's data). */
export const FARGATE_LOGGING_CONFIG_LIMIT = 5300;
export const DEFAULT_LOG_STREAM_PREFIX = 'fargate-';

/** Metadata of a logging object: labelled and owned by the FargateCluster. */
export interface LoggingObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
}

export interface NamespaceObject {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: LoggingObjectMeta;
}

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: LoggingObjectMeta & { namespace: string };
  data: Record<string, string>;
}

/** Desired state of Fargate logging for one cluster. */
export interface FargateLoggingPlan {
  namespace: NamespaceObject;
  configMap: ConfigMapObject;
  /** What the pod execution role must allow on the log groups (its inline policy carries them). */
  podExecutionRoleActions: readonly string[];
  /** The log groups the log router writes: the configured one and its own process logs' group. */
  logGroupNames: string[];
}

/** The generated configuration is over EKS's limit: the spec must change (terminal). */
export class FargateLoggingConfigTooLongError extends Error {
  constructor(readonly length: number) {
    super(
      `the ${AWS_OBSERVABILITY_NAMESPACE}/${AWS_LOGGING_CONFIG_MAP} ConfigMap would hold ${length} characters; ` +
        `EKS accepts at most ${FARGATE_LOGGING_CONFIG_LIMIT}: shorten logging.cloudWatch.logGroupName or logStreamPrefix`,
    );
    this.name = 'FargateLoggingConfigTooLongError';
  }
}

/**
 * The aws-observability Namespace and aws-logging ConfigMap, or undefined when the cluster has no
 * `logging.cloudWatch` (the reconciler then removes what it made). Throws
 * {@link FargateLoggingConfigTooLongError} over the 5300-character limit.
 */
export function planFargateLogging(clusterIn: FargateCluster, facts: ClusterFacts): FargateLoggingPlan | undefined {
  const cluster = withClusterDefaults(clusterIn);
  const cloudWatch = cluster.spec.logging?.cloudWatch;
  if (!cloudWatch) return undefined;
  const data: Record<string, string> = {
    // Ships the log router's own logs too (to `<cluster>-fluent-bit-logs`): the only place its
    // errors (a rejected config, AccessDenied on PutLogEvents) show, since nobody can exec into
    // Fargate's log router. Costs extra ingestion; the execution role needs that group as well.
    flb_log_cw: 'true',
    'output.conf': outputConf({
      // The region the execution role's logging policy names (pod-execution-role.ts).
      region: facts.region,
      logGroupName: cloudWatch.logGroupName,
      logStreamPrefix: cloudWatch.logStreamPrefix ?? DEFAULT_LOG_STREAM_PREFIX,
      retentionDays: cloudWatch.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    }),
  };
  const length = configMapDataLength(data);
  if (length > FARGATE_LOGGING_CONFIG_LIMIT) throw new FargateLoggingConfigTooLongError(length);
  const labels = loggingLabels(cluster);
  const ownerReferences = [clusterOwnerReference(cluster)];
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: AWS_OBSERVABILITY_NAMESPACE, labels: { ...labels, [AWS_OBSERVABILITY_LABEL]: 'enabled' }, ownerReferences },
    },
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: AWS_LOGGING_CONFIG_MAP, namespace: AWS_OBSERVABILITY_NAMESPACE, labels, ownerReferences },
      data,
    },
    podExecutionRoleActions: FARGATE_LOGGING_ACTIONS,
    logGroupNames: [cloudWatch.logGroupName, fluentBitProcessLogGroup(clusterName(cluster))],
  };
}

/** The Fluent Bit `cloudwatch_logs` output for every record. */
function outputConf(o: { region: string; logGroupName: string; logStreamPrefix: string; retentionDays: number }): string {
  const settings: [string, string][] = [
    ['Name', 'cloudwatch_logs'],
    ['Match', '*'],
    ['region', o.region],
    ['log_group_name', o.logGroupName],
    ['log_stream_prefix', o.logStreamPrefix],
    ['log_retention_days', String(o.retentionDays)],
    // The group is created on first write (the execution role may CreateLogGroup on it).
    ['auto_create_group', 'true'],
  ];
  return ['[OUTPUT]', ...settings.map(([key, value]) => `    ${key} ${value}`)].join('\n') + '\n';
}

/** What EKS counts against its limit: every key and value of the data. */
export function configMapDataLength(data: Record<string, string>): number {
  return Object.entries(data).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
}

function loggingLabels(cluster: FargateCluster): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_INSTANCE]: clusterName(cluster) };
}

/**
 * A controller owner reference to the FargateCluster. A cluster-scoped owner may own both
 * cluster-scoped and namespaced objects, so garbage collection removes them with it.
 */
export function clusterOwnerReference(cluster: FargateCluster): OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND_CLUSTER,
    name: clusterName(cluster),
    uid: cluster.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
