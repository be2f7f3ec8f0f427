/**
 * What every reconciler is handed: caches, Kubernetes writers, AWS services and observability.
 * Small interfaces, so reconcilers hold no clients of their own; `startOperator` builds the one
 * real context from a kubeconfig and AWS settings.
 */
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import type { FargateProfileStore } from '../aws/fargate-profiles.js';
import type { IamRoleStore } from '../aws/iam-roles.js';
import type { LanedProfileOperations } from '../aws/laned-profile-operations.js';
import type { OidcProviderStore } from '../aws/oidc-provider.js';
import type { EksClusterReader } from '../aws/eks-cluster.js';
import type { Ec2NetworkReader } from '../aws/ec2-network.js';
import type { AccountNetworkReader } from '../aws/account-network.js';
import type { AwsClients } from '../aws/clients.js';
import type { ProfileLane } from '../aws/profile-lane.js';
import type { Clock } from '../controller/clock.js';
import type { Confirmations } from './confirmations.js';
import type { ChildCache } from './workload/children-part.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { Logger } from '../observability/logger.js';
import type { OperatorMetrics } from '../observability/metrics.js';

/** Read access to an informer cache, keyed `namespace/name` (or `name` when cluster-scoped). */
export interface ObjectCache<T> {
  get(key: string): T | undefined;
  list(): T[];
  hasSynced(): boolean;
}

/** What {@link OperatorContext.setFinalizer} needs of an object. */
export interface FinalizerSubject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; finalizers?: string[] };
}

/** The AWS services of one region, over one set of SDK clients. */
export interface AwsServices {
  clients: AwsClients;
  iamRoles: IamRoleStore;
  oidcProviders: OidcProviderStore;
  eksClusters: EksClusterReader;
  /** The caller's account (STS) and the VPC of a set of subnets (EC2). */
  accountNetwork: AccountNetworkReader;
  /** EC2 reads of the workload network preflight (subnets, routes, DNS, endpoints, security groups). */
  ec2Network: Ec2NetworkReader;
  profiles: FargateProfileStore;
  /** Profile creates and deletes through the per-cluster serial lane (the only way to call them). */
  lanedProfiles: LanedProfileOperations;
}

/** Everything a reconciler is handed. */
export interface OperatorContext {
  /** Generic Kubernetes reads, server-side applies and deletes (src/kube/server-side-apply.ts). */
  objects: KubernetesObjectApi;
  /** The workloads' children, read from informer caches (no API call per reconcile). */
  children: ChildCache;
  workloads: ObjectCache<FargateWorkload>;
  clusters: ObjectCache<FargateCluster>;
  /** Writes status through the status subresource; false when nothing changed (no write made). */
  writeWorkloadStatus(workload: FargateWorkload, status: NonNullable<FargateWorkload['status']>): Promise<boolean>;
  writeClusterStatus(cluster: FargateCluster, status: NonNullable<FargateCluster['status']>): Promise<boolean>;
  /**
   * Adds or removes the operator's finalizer, retrying on conflicts; returns the updated object
   * (the given one when nothing changed). Any object with apiVersion, kind and metadata, the
   * custom resources' own types included (their timestamps are strings, not Dates).
   */
  setFinalizer<T extends FinalizerSubject>(object: T, present: boolean): Promise<T>;
  events: EventRecorder;
  /** AWS services for a region; one cached set per region. */
  aws(region: string): AwsServices;
  /** The one profile lane of this process, shared by every cluster and region. */
  profileLane: ProfileLane;
  /** Wake other objects: a cluster change wakes its workloads, a freed lane wakes the next waiter. */
  enqueueWorkload(key: string): void;
  /** `afterMs`: at the latest then, and many such wakes within it make one reconcile. */
  enqueueCluster(name: string, afterMs?: number): void;
  metrics: OperatorMetrics;
  logger: Logger;
  clock: Clock;
  /** The resync period: how often the orphan sweep of each cluster runs (and once at start). */
  resyncPeriodMs: number;
  /** IRSA roles confirmed as planned (confirmations.ts): event-driven reconciles skip reading them again. */
  confirmedRoles: Confirmations;
  /**
   * True once this process must stop writing: its lease is lost (another instance may lead) or a
   * shutdown gave up waiting. A failing reconcile then writes nothing into status.
   */
  stopping(): boolean;
}
