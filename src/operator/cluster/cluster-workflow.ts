/**
 * The FargateCluster's parts as a workflow (workflow.ts), the same contract as the workload's: the
 * EKS cluster's facts first; the IAM OIDC provider, the pod execution role and Fargate logging,
 * which need them; CoreDNS on Fargate, whose profile needs the execution role. Deleted in reverse
 * order: the coredns profile before the role it runs with, then the role and the provider. The
 * aws-observability objects carry an owner reference to the FargateCluster, so garbage collection
 * removes them with it (the logging part has nothing to delete).
 */
import type { FargateCluster } from '../../api/types.js';
import type { Logger } from '../../observability/logger.js';
import type { AwsServices, OperatorContext } from '../operator-context.js';
import { partReady, partStalled, partUnknown, type PartEvent, type PartReport } from '../part-report.js';
import { waitingFor, type Dependent } from '../workflow.js';
import { CONDITION_CLUSTER_FOUND, CONDITION_COREDNS_READY, CONDITION_EXECUTION_ROLE_READY, CONDITION_LOGGING_READY, CONDITION_OIDC_PROVIDER_READY } from './cluster-status.js';
import { convergeCoreDns, deleteCoreDnsProfile } from './coredns-part.js';
import { observeClusterFacts, type ClusterAccounts, type ObservedClusterFacts } from './eks-cluster-part.js';
import { convergeExecutionRole, deleteExecutionRole } from './execution-role-part.js';
import { convergeLogging } from './logging-part.js';
import { convergeOidcProvider, deleteOidcProviderIfOurs } from './oidc-provider-part.js';

/** How often a cluster that waits on something outside the operator (a missing EKS cluster, OIDC provider or role) looks again. */
export const EXTERNAL_WAIT_REQUEUE_MS = 60_000;

/** What the cluster's parts read, and what they find for the parts after them and for status. */
export interface ClusterState {
  ctx: OperatorContext;
  services: AwsServices;
  cluster: FargateCluster;
  /** Account id per region, read once per process. */
  accounts: ClusterAccounts;
  event: PartEvent;
  logger: Logger;
  observed?: ObservedClusterFacts;
  oidcProviderArn?: string;
  /** The operator created the OIDC provider (so it is in the cluster's inventory). */
  oidcProviderOwned?: boolean;
  executionRoleArn?: string;
}

/** A report that waits on the world outside the operator: looked at again after a while. */
function lookAgainIfNotReady(report: PartReport): PartReport {
  return report.condition.status === 'True' || report.requeueAfterMs !== undefined ? report : { ...report, requeueAfterMs: EXTERNAL_WAIT_REQUEUE_MS };
}

/** What a part blocked by a dependency waits for, in words. */
const WAITS_FOR: Record<string, string> = {
  EKSCluster: 'the EKS cluster',
  ExecutionRole: 'the pod execution role',
};

/** The Unknown report of a part that cannot be judged until `dependency` is ready. */
function waitingReport(type: string, what: string, dependency: string): PartReport[] {
  return [partUnknown(type, waitingFor(dependency), `${what} waits for ${WAITS_FOR[dependency] ?? dependency}`)];
}

/** The EKS cluster of the FargateCluster's name, with its account and VPC. */
const eksClusterPart: Dependent<ClusterState> = {
  name: 'EKSCluster',
  async converge(state) {
    const name = state.cluster.metadata.name ?? '';
    const region = state.cluster.spec.region;
    const observed = await observeClusterFacts(state.services, name, region, state.accounts);
    if (!observed) {
      const message = `no EKS cluster named ${name} in ${region}: the FargateCluster's name must be the EKS cluster name`;
      state.event('Warning', 'ClusterNotFound', message);
      return [{ ...partStalled(CONDITION_CLUSTER_FOUND, 'ClusterNotFound', message), requeueAfterMs: EXTERNAL_WAIT_REQUEUE_MS }];
    }
    state.observed = observed;
    return [partReady(CONDITION_CLUSTER_FOUND, 'Found', `EKS cluster ${observed.cluster.arn} is ${observed.cluster.status}`)];
  },
  ready: (state) => state.observed !== undefined,
  waiting: () => [],
};

/** The cluster's IAM OIDC provider (IRSA's trust anchor): found, or created when allowed. */
const oidcProviderPart: Dependent<ClusterState> = {
  name: 'OIDCProvider',
  dependsOn: ['EKSCluster'],
  async converge(state) {
    const result = await convergeOidcProvider(state.services, state.cluster, state.observed!, state.event, state.logger);
    state.oidcProviderArn = result.arn;
    state.oidcProviderOwned = result.owned;
    return [lookAgainIfNotReady(result.part)];
  },
  waiting: (dependency) => waitingReport(CONDITION_OIDC_PROVIDER_READY, 'the IAM OIDC provider', dependency),
  async delete(state) {
    return [await deleteOidcProviderIfOurs(state.services, state.cluster, state.event, state.logger)];
  },
};

/** The pod execution role: the one named, checked, or the one the operator manages. */
const executionRolePart: Dependent<ClusterState> = {
  name: 'ExecutionRole',
  dependsOn: ['EKSCluster'],
  async converge(state) {
    // The role's logging policy appears and disappears with spec.logging (planPodExecutionRole).
    const result = await convergeExecutionRole(state.services, state.cluster, state.observed!, state.event);
    state.executionRoleArn = result.arn;
    return [lookAgainIfNotReady(result.part)];
  },
  ready: (state) => state.executionRoleArn !== undefined,
  waiting: (dependency) => waitingReport(CONDITION_EXECUTION_ROLE_READY, 'the pod execution role', dependency),
  async delete(state) {
    await deleteExecutionRole(state.services, state.cluster, state.event);
    return [partReady(CONDITION_EXECUTION_ROLE_READY, 'Deleted', 'no pod execution role of the operator')];
  },
};

/** Fargate logging: the aws-observability Namespace and aws-logging ConfigMap. */
const loggingPart: Dependent<ClusterState> = {
  name: 'Logging',
  dependsOn: ['EKSCluster'],
  async converge(state) {
    const { observed, cluster } = state;
    const facts = { accountId: observed!.accountId, region: cluster.spec.region, oidcIssuer: observed!.cluster.oidcIssuer ?? '' };
    const liveClusterUids = new Set(state.ctx.clusters.list().flatMap((live) => (live.metadata.uid ? [live.metadata.uid] : [])));
    return [(await convergeLogging(state.ctx.objects, cluster, facts, state.event, liveClusterUids)).part];
  },
  waiting: (dependency) => waitingReport(CONDITION_LOGGING_READY, 'Fargate logging', dependency),
};

/** CoreDNS on Fargate: its laned profile (with the execution role) and the pod template annotation. */
const coreDnsPart: Dependent<ClusterState> = {
  name: 'CoreDNS',
  dependsOn: ['ExecutionRole'],
  async converge(state) {
    return [await convergeCoreDns(state.services, state.ctx.objects, state.cluster, state.executionRoleArn!, state.cluster.metadata.name ?? '', state.event)];
  },
  waiting: (dependency) => waitingReport(CONDITION_COREDNS_READY, 'the coredns profile', dependency),
  async delete(state) {
    return [await deleteCoreDnsProfile(state.services, state.cluster, state.cluster.metadata.name ?? '', state.event)];
  },
};

/** The cluster's parts, in dependency order. */
export const CLUSTER_PARTS: readonly Dependent<ClusterState>[] = [eksClusterPart, oidcProviderPart, executionRolePart, loggingPart, coreDnsPart];
