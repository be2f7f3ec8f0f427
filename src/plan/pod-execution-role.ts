/**
 * The pod execution role: the IAM role Fargate's kubelet assumes to pull images and ship logs.
 * One per cluster, shared by all its profiles.
 */
import { withClusterDefaults } from '../api/defaults.js';
import type { FargateCluster } from '../api/types.js';
import { iamRoleArn, parseRoleArn, partitionOf, type ClusterFacts } from './cluster-facts.js';
import { shortHash } from './hash.js';
import { fittedName, IAM_ROLE_NAME_RULES, keptRoleName } from './names.js';
import { clusterTags } from './ownership-tags.js';
import type { IamPolicyDocument, IamRolePlan } from './iam-role.js';
import { clusterName } from './workload-identity.js';

/** Name of the inline policy that lets Fargate write the cluster's CloudWatch log group. */
export const EXECUTION_ROLE_LOGGING_POLICY_NAME = 'eksops-fargate-logging';

/** The actions the aws-observability log router needs (EKS user guide, "Fargate logging"). */
export const FARGATE_LOGGING_ACTIONS = [
  'logs:CreateLogStream',
  'logs:CreateLogGroup',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
  'logs:PutRetentionPolicy',
];

/**
 * Desired state of the pod execution role: path "/", trust for Fargate pods of this cluster only
 * (confused-deputy guard), CloudWatch Logs permissions on the cluster's log group as the inline
 * policy when logging is on. `managed` is false when the FargateCluster names its own role.
 */
export type PodExecutionRolePlan = IamRolePlan<IamPolicyDocument>;

/**
 * The name of the execution role the operator makes for a cluster: `<cluster>-<region>-fargate-pod-execution`
 * (cut with a hash when long), so that clusters of one name in two regions of an account never
 * share it; `earlier` is the name before the region entered it, kept when the cluster's status
 * records a role of that name.
 */
export function executionRoleNames(eksCluster: string, region: string, recordedArn?: string): { name: string; earlier: string } {
  const earlier = fittedName(`${eksCluster}-fargate-pod-execution`, shortHash([eksCluster]), IAM_ROLE_NAME_RULES);
  const current = fittedName(`${eksCluster}-${region}-fargate-pod-execution`, shortHash([eksCluster, region]), IAM_ROLE_NAME_RULES);
  return { name: keptRoleName(recordedArn, earlier, current), earlier };
}

/** The execution role of a cluster: the one it names, or the one the operator manages for it. */
export function planPodExecutionRole(clusterIn: FargateCluster, facts: ClusterFacts): PodExecutionRolePlan {
  const cluster = withClusterDefaults(clusterIn);
  const partition = partitionOf(facts);
  const eksCluster = clusterName(cluster);
  const givenArn = cluster.spec.podExecutionRole?.arn;
  const name = givenArn ? parseRoleArn(givenArn).name : executionRoleNames(eksCluster, facts.region, cluster.status?.podExecutionRoleArn).name;
  const path = givenArn ? parseRoleArn(givenArn).path : '/';
  const logGroup = cluster.spec.logging?.cloudWatch?.logGroupName;
  return {
    managed: !givenArn,
    name,
    path,
    arn: givenArn || iamRoleArn(facts, path, name),
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'eks-fargate-pods.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnLike: {
              'aws:SourceArn': `arn:${partition}:eks:${facts.region}:${facts.accountId}:fargateprofile/${eksCluster}/*`,
            },
          },
        },
      ],
    },
    managedPolicyArns: [`arn:${partition}:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy`],
    ...(logGroup ? { inlinePolicy: loggingPolicy(partition, facts, [logGroup, fluentBitProcessLogGroup(eksCluster)]) } : {}),
    inlinePolicyName: EXECUTION_ROLE_LOGGING_POLICY_NAME,
    tags: clusterTags(eksCluster, 'execution-role'),
  };
}

/**
 * Logs permissions on the log groups the log router writes: each group itself (CreateLogGroup)
 * and its streams. The router ships its own process logs too (`flb_log_cw`, fargate-logging.ts).
 */
function loggingPolicy(partition: string, facts: ClusterFacts, logGroups: readonly string[]): IamPolicyDocument {
  const resources = logGroups.flatMap((group) => {
    const groupArn = `arn:${partition}:logs:${facts.region}:${facts.accountId}:log-group:${group}`;
    return [groupArn, `${groupArn}:*`];
  });
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...FARGATE_LOGGING_ACTIONS], Resource: resources }],
  };
}

/** Where Fargate ships the log router's process logs when `flb_log_cw` is "true" (EKS user guide). */
export function fluentBitProcessLogGroup(eksClusterName: string): string {
  return `${eksClusterName}-fluent-bit-logs`;
}
