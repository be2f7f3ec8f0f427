/**
 * The operator process: informers, the two controllers, leader election, the health server and
 * the one {@link OperatorContext} every reconciler is handed. `startOperator` wires them; the
 * `run` command and the tests call it.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, DEFAULT_IAM_ROLE_READS, FIELD_MANAGER, FINALIZER, KIND_CLUSTER, KIND_WORKLOAD, type IamRoleReads } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import type { AwsCallSink, AwsCredentials } from '../aws/clients.js';
import { ProfileLane } from '../aws/profile-lane.js';
import { laneStates } from '../observability/lane-states.js';
import { exponentialDelayMs } from '../controller/backoff.js';
import { systemClock, type Clock } from '../controller/clock.js';
import { Controller } from '../controller/controller.js';
import { shutdownGracefully } from '../controller/graceful-shutdown.js';
import { checkLeaseNamespace, LeaderElector } from '../controller/leader-election.js';
import { describeReconcileFailure } from './reconcile-failure.js';
import type { Reconciler } from '../controller/reconciler.js';
import { openWriteGate, refusingWriteGate, type WriteGate } from '../controller/write-gate.js';
import { makeKubeApiClient, makeKubeObjectsClient, type KubeRequest } from '../kube/api-clients.js';
import { Confirmations, trustedForMs } from './confirmations.js';
import { NETWORK_RECHECK_MS } from './workload/network-part.js';
import { describeKubeError } from '../kube/api-error.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { ensureFinalizer } from '../kube/finalizers.js';
import { loadKubeConfig } from '../kube/kube-config.js';
import { keyOfObject } from '../kube/object-key.js';
import { controllerOwnerKey } from '../kube/owner-keys.js';
import { writeStatus } from '../kube/status-writer.js';
import { startHealthServer } from '../observability/health-server.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, registerStateGauges, type OperatorMetrics, type StateSources } from '../observability/metrics.js';
import { AwsServicesByRegion, metricsCallSink } from './aws-services.js';
import { clusterNameOfWorkload, workloadsOfCluster } from './cluster/workload-cluster.js';
import { childChangeMatters, intentDigest } from './event-filters.js';
import { createOperatorInformers, CLUSTER_PLURAL, WORKLOAD_PLURAL, type InformerTuning } from './informers.js';
import type { FinalizerSubject, OperatorContext } from './operator-context.js';
import { createFargateClusterReconciler } from './reconcilers/fargate-cluster.js';
import { CONDITION_PROFILE } from './part-report.js';

/** Leader election settings; `false` runs without (a single replica, or tests). */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per process; default hostname + random suffix. */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Options of {@link startOperator}. */
export interface OperatorOptions {
  /** Path of a kubeconfig file; else in-cluster config, else the default chain. */
  kubeconfig?: string;
  /** Default AWS region; a FargateCluster's spec.region wins for its resources. */
  region: string;
  /** AWS endpoint (an emulator); else the SDK's default resolution. */
  awsEndpoint?: string;
  /**
   * Credentials of the AWS calls; else the SDK's default chain (environment, IRSA web identity,
   * ...), which is what `run` uses. For embedding and tests that act as a given IAM principal.
   */
  awsCredentials?: AwsCredentials;
  /** Deadline of one attempt of an AWS call; default 20 s (src/aws/call-deadline.ts). */
  awsCallTimeoutMs?: number;
  /** Parallel reconciles per kind; default 4. */
  concurrency?: number;
  /** Periodic re-enqueue of every object; default 10 minutes. */
  resyncPeriodMs?: number;
  /**
   * How a resync pass reads the IRSA roles (src/api/constants.ts, IAM_ROLE_READS); default
   * `staggered` (src/aws/staggered-role-reads.ts).
   */
  iamRoleReads?: IamRoleReads;
  leaderElection: false | LeaderElectionOptions;
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one. */
  healthPort: number;
  /** Default 127.0.0.1. */
  healthHost?: string;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Extra receivers of every AWS call, besides the metrics counter. */
  awsCallSinks?: AwsCallSink[];
  /** Reconciler factories; the FargateWorkload one is injected (no workload controller without it). */
  reconcilers?: {
    workload?: (ctx: OperatorContext) => Reconciler;
    cluster?: (ctx: OperatorContext) => Reconciler;
  };
  /**
   * Called when this process loses the lease after having led; default: stop the operator (as
   * client-go does, the process should exit and restart as a standby).
   */
  onLostLeadership?: (operator: RunningOperator) => void;
  /** How long the first list of each informer may keep failing (API server starting, CRD just installed); default 2 minutes. */
  syncTimeoutMs?: number;
  /** Watch timeout and stall threshold of every informer (defaults: 300 s and twice that). */
  informers?: Omit<InformerTuning, 'onRelist'>;
  clock?: Clock;
}

/** A started operator. */
export interface RunningOperator {
  isLeader(): boolean;
  /** The bound health/metrics port. */
  healthPort: number;
  context: OperatorContext;
  /** The controllers, by kind (absent: no reconciler for that kind). */
  controllers: { cluster: Controller; workload?: Controller };
  /** Graceful: stop controllers (waiting up to `timeoutMs` for in-flight reconciles), release the lease, stop informers, close the server. */
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when `stop` has finished (whoever called it). */
  stopped: Promise<void>;
}

const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** How often every object is reconciled again without an event, and each cluster swept for orphans. */
const DEFAULT_RESYNC_PERIOD_MS = 600_000;
/**
 * How long a described ACTIVE profile answers every workload that asks (a Shared profile is read
 * by each of its workloads' reconciles); short, as a profile deleted behind the operator's back
 * strands pods until it is seen.
 */
const SHARED_PROFILE_TTL_MS = 10_000;

/** How long `run` waits at start for the check that the Lease's namespace exists. */
const LEASE_NAMESPACE_CHECK_TIMEOUT_MS = 15_000;

/** Starts the operator: informers synced, health server listening, controllers running when leading. */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
  const kubeConfig = loadKubeConfig({ kubeconfig: options.kubeconfig });
  const identity = (options.leaderElection && options.leaderElection.identity) || `${hostname()}-${randomBytes(3).toString('hex')}`;
  // The identity in the User-Agent tells replicas apart in the API server's audit log.
  const userAgent = `${FIELD_MANAGER} (${identity})`;
  const election = options.leaderElection;
  // The Lease's own client passes no write gate: renewing is what keeps the gate open. A
  // connection of its own per call, too: a kept-alive socket to an API server that went away
  // could hold a renewal past the renew deadline.
  const leaseApi = election === false ? undefined : makeKubeApiClient(kubeConfig, CoordinationV1Api, { userAgent, keepAlive: false });
  // Before anything starts: without its namespace no replica could ever lead. Ungated clients (a
  // dry run writes nothing); an API server that does not answer leaves it to the elector.
  if (election !== false && leaseApi) {
    const namespaces = makeKubeApiClient(kubeConfig, CoreV1Api, { userAgent, keepAlive: false });
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<void>((resolve) => (timer = setTimeout(resolve, LEASE_NAMESPACE_CHECK_TIMEOUT_MS)));
    try {
      await Promise.race([checkLeaseNamespace(leaseApi, namespaces, election.namespace, election.name), unanswered]);
    } finally {
      clearTimeout(timer);
    }
  }
  let elector: LeaderElector | undefined;
  // Every AWS and Kubernetes write of the controllers passes this check right before it is sent:
  // with leader election, only a leader within its renew deadline (local clock) writes.
  const writeGate: WriteGate = options.leaderElection === false ? openWriteGate : refusingWriteGate(() => (elector ? elector.writeRefusal() : 'leader election has not started'));
  const mayNotWrite = (): boolean => options.leaderElection !== false && elector?.writeRefusal() !== undefined;
  const onRequest = ({ verb, resource }: KubeRequest): void => metrics.kubeRequestsTotal.inc({ verb, resource });
  const objects = makeKubeObjectsClient(kubeConfig, { userAgent, writeGate, onRequest });
  const custom = makeKubeApiClient(kubeConfig, CustomObjectsApi, { userAgent, writeGate, onRequest });
  const core = makeKubeApiClient(kubeConfig, CoreV1Api, { userAgent, writeGate, onRequest });
  const informers = createOperatorInformers(kubeConfig, objects, logger, clock, {
    ...options.informers,
    onRelist: (resource, reason) => metrics.informerRelistsTotal.inc({ resource, reason }),
  });

  // Controllers are referenced by the context's enqueue functions before they exist.
  let workloadController: Controller | undefined;
  const enqueueWorkload = (key: string): void => workloadController?.enqueue(key);
  const enqueueCluster = (name: string, afterMs?: number): void => clusterController.enqueue(name, afterMs);

  const profileLane = new ProfileLane({ now: () => clock.now() });
  const resyncPeriodMs = options.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
  // Aborts every AWS call in flight: at once when the lease is lost (a new leader may already be
  // writing), and when a shutdown stops waiting for in-flight reconciles.
  const awsCalls = new AbortController();
  // Each AWS call in flight listens on it until it ends: many at once is normal, not a leak.
  setMaxListeners(0, awsCalls.signal);
  const aws = new AwsServicesByRegion({
    signal: awsCalls.signal,
    ...(options.awsCallTimeoutMs !== undefined ? { callTimeoutMs: options.awsCallTimeoutMs } : {}),
    endpoint: options.awsEndpoint,
    ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
    writeGate,
    sinks: [metricsCallSink(metrics), ...(options.awsCallSinks ?? [])],
    profileLane,
    clock,
    // Shared reads are trusted for less than a resync period, so each resync sees AWS afresh.
    networkTtlMs: trustedForMs(resyncPeriodMs, NETWORK_RECHECK_MS),
    profileTtlMs: trustedForMs(resyncPeriodMs, SHARED_PROFILE_TTL_MS),
    iamRoleReads: options.iamRoleReads ?? DEFAULT_IAM_ROLE_READS,
    // Lane owners are workload keys: the next waiter's workloads run at once instead of at their requeue.
    wake: (_cluster, waiter) => waiter.owners.forEach(enqueueWorkload),
  });

  const context: OperatorContext = {
    objects,
    children: informers.children,
    workloads: informers.workloads,
    clusters: informers.clusters,
    writeWorkloadStatus: (workload: FargateWorkload, status) =>
      writeStatus(custom, { group: API_GROUP, version: API_VERSION, plural: WORKLOAD_PLURAL, name: workload.metadata.name ?? '', namespace: workload.metadata.namespace, resourceVersion: workload.metadata.resourceVersion }, workload.status, { ...status }),
    writeClusterStatus: (cluster: FargateCluster, status) =>
      writeStatus(custom, { group: API_GROUP, version: API_VERSION, plural: CLUSTER_PLURAL, name: cluster.metadata.name ?? '', resourceVersion: cluster.metadata.resourceVersion }, cluster.status, { ...status }),
    async setFinalizer<T extends FinalizerSubject>(object: T, present: boolean): Promise<T> {
      const target = { apiVersion: object.apiVersion ?? API_GROUP_VERSION, kind: object.kind ?? '', name: object.metadata?.name ?? '', namespace: object.metadata?.namespace };
      // The update's answer is the object as written: its resourceVersion is what the status write
      // that ends the reconcile is conditional on, with no read in between.
      const written = await ensureFinalizer(objects, target, FINALIZER, present);
      return written ? (written as unknown as T) : object;
    },
    events: new EventRecorder(core, { instance: identity, clock }),
    aws: (region) => aws.get(region),
    profileLane,
    enqueueWorkload,
    enqueueCluster,
    metrics,
    logger,
    clock,
    resyncPeriodMs,
    confirmedRoles: new Confirmations(clock, trustedForMs(resyncPeriodMs, Number.POSITIVE_INFINITY)),
    stopping: () => awsCalls.signal.aborted || mayNotWrite(),
  };

  registerStateGauges(metrics, operatorStateSources(informers, profileLane, clock));
  // Failures are logged and counted as status words them: one line, the condition's reason.
  const controllerOptions = { logger, metrics, clock, concurrency: options.concurrency ?? 4, resyncPeriodMs, describeFailure: describeReconcileFailure };
  const clusterController = new Controller({
    ...controllerOptions,
    kind: KIND_CLUSTER,
    reconciler: (options.reconcilers?.cluster ?? createFargateClusterReconciler)(context),
    listKeys: () => informers.clusters.keys(),
  });
  const workloadFactory = options.reconcilers?.workload;
  if (workloadFactory) {
    workloadController = new Controller({ ...controllerOptions, kind: KIND_WORKLOAD, reconciler: workloadFactory(context), listKeys: () => informers.workloads.keys() });
  } else {
    logger.warn('no FargateWorkload reconciler given: FargateWorkloads are not reconciled');
  }

  wireEventHandlers(informers, context);

  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    await informers.start((informer) => startWithRetries(informer, clock, logger, options.syncTimeoutMs ?? 120_000));
    health = await startHealthServer({
      port: options.healthPort,
      host: options.healthHost ?? '127.0.0.1',
      registry: metrics.registry,
      liveness: informers.health.map((informer) => ({ name: `${informer.name} informer`, check: () => ({ ok: informer.isHealthy(), reason: 'watch stalled' }) })),
      readiness: informers.health.map((informer) => ({ name: `${informer.name} cache`, check: () => ({ ok: informer.isReady(), reason: 'not synced' }) })),
    });
  } catch (error) {
    // Nothing may keep running (or the process alive) after a failed start.
    informers.stop();
    aws.destroy();
    throw error;
  }

  let leading = false;
  const startControllers = (): void => {
    // A lease won again while stopping after a loss starts nothing.
    if (stopping) return;
    leading = true;
    metrics.leader.set(1);
    clusterController.start();
    workloadController?.start();
  };

  let stopping: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const running: RunningOperator = {
    isLeader: () => leading,
    healthPort: health.port,
    context,
    controllers: { cluster: clusterController, ...(workloadController ? { workload: workloadController } : {}) },
    stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopping ??= shutdownGracefully(
        {
          stopControllers: async (ms) => {
            const drained = await Promise.all([clusterController.stop(ms), workloadController?.stop(ms) ?? true]);
            if (drained.includes(false)) awsCalls.abort(new Error('operator stopping: in-flight reconciles ran past the shutdown timeout'));
          },
          releaseLease: async () => {
            await elector?.release();
            leading = false;
            metrics.leader.set(0);
          },
          stopInformers: () => informers.stop(),
          closeServer: async () => {
            await health.close();
            aws.destroy();
          },
        },
        timeoutMs,
        logger,
      ).then(resolveStopped);
      return stopping;
    },
    stopped,
  };

  if (election === false || !leaseApi) {
    startControllers();
  } else {
    elector = new LeaderElector({
      api: leaseApi,
      namespace: election.namespace,
      name: election.name,
      identity,
      ...(election.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: election.leaseDurationSeconds } : {}),
      ...(election.renewDeadlineMs !== undefined ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
      ...(election.retryPeriodMs !== undefined ? { retryPeriodMs: election.retryPeriodMs } : {}),
      onStartedLeading: startControllers,
      onStoppedLeading: () => {
        const wasLeading = leading;
        leading = false;
        metrics.leader.set(0);
        // A release during stop is not a loss; a lost lease is: reconciling must end now.
        if (!wasLeading || stopping) return;
        awsCalls.abort(new Error('leadership lost: another instance may be writing'));
        (options.onLostLeadership ?? ((operator) => void operator.stop()))(running);
      },
      logger,
      clock,
    });
    metrics.leader.set(0);
    elector.start();
  }
  logger.info('operator started', { identity, healthPort: health.port, leaderElection: election !== false, region: options.region });
  return running;
}

/** Starts an informer, retrying its first list with backoff until `timeoutMs` has passed. */
async function startWithRetries(informer: { start(): Promise<void> }, clock: Clock, logger: Logger, timeoutMs: number): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await informer.start();
      return;
    } catch (error) {
      if (clock.now() >= deadline) throw error;
      const delayMs = exponentialDelayMs(attempt, 200, 5_000);
      logger.warn('first list failed, retrying', { error: describeKubeError(error), retryInMs: delayMs });
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delayMs));
    }
  }
}

/** How long the wakes of a cluster by its workloads' profile states are gathered into one reconcile. */
export const CLUSTER_PROFILES_COALESCE_MS = 2_000;

/** Events only enqueue keys: a workload its own, a child its owner, a cluster itself and its workloads. */
function wireEventHandlers(informers: ReturnType<typeof createOperatorInformers>, ctx: OperatorContext): void {
  const clusterNames = (): string[] => informers.clusters.keys();
  // What of a workload the cluster status shows (its profile, and the profile's state, which
  // changes when a move or a create ends); a change wakes the cluster, so that its profiles list
  // drops a profile a move deleted instead of showing it until the resync.
  const profileSeen = new Map<string, string>();
  informers.workloads.onEvent((event, workload, previous) => {
    const key = keyOfObject(workload);
    // Its own status writes do not wake it (event-filters.ts): a failure's backoff holds.
    if (event !== 'update' || !previous || intentDigest(previous) !== intentDigest(workload)) ctx.enqueueWorkload(key);
    const cluster = clusterNameOfWorkload(workload, clusterNames());
    const profileCondition = workload.status?.conditions?.find((c) => c.type === CONDITION_PROFILE);
    const profile = event === 'delete' ? '' : JSON.stringify([workload.status?.fargateProfile ?? null, profileCondition?.status, profileCondition?.reason]);
    const changed = profileSeen.get(key) !== profile;
    if (event === 'delete') profileSeen.delete(key);
    else profileSeen.set(key, profile);
    if (!cluster) return;
    // A deletion waits for its workloads: at once. A profile state changing under many workloads
    // (a Shared profile's thousand users), or a thousand workloads deleted, is one status update
    // of the cluster, not one each (each reconcile of a cluster reads its facts from AWS).
    if (ctx.clusters.get(cluster)?.metadata.deletionTimestamp) ctx.enqueueCluster(cluster);
    else if (changed) ctx.enqueueCluster(cluster, CLUSTER_PROFILES_COALESCE_MS);
  });
  // A cluster's own status churn (conditions, the profiles list) changes nothing a workload
  // plans from: only a change of what workloads read wakes them (see clusterFactsDigest).
  const factsSeen = new Map<string, string>();
  informers.clusters.onEvent((event, cluster, previous) => {
    const name = cluster.metadata.name ?? '';
    if (event !== 'update' || !previous || intentDigest(previous) !== intentDigest(cluster)) ctx.enqueueCluster(name);
    const digest = event === 'delete' ? '' : clusterFactsDigest(cluster);
    const changed = factsSeen.get(name) !== digest;
    if (event === 'delete') factsSeen.delete(name);
    else factsSeen.set(name, digest);
    // A cluster added or removed can change which cluster a workload without spec.clusterName resolves to.
    if (!changed && event === 'update') return;
    const woken = event === 'update' ? workloadsOfCluster(name, informers.workloads.list(), clusterNames()) : informers.workloads.list();
    for (const workload of woken) ctx.enqueueWorkload(keyOfObject(workload));
  });
  informers.children.onEvent((event, child, previous) => {
    if (event === 'update' && !childChangeMatters(child.kind ?? '', previous, child)) return;
    const owner = controllerOwnerKey(child, API_GROUP_VERSION, KIND_WORKLOAD);
    if (owner) ctx.enqueueWorkload(owner);
  });
  // A kind served at last (the SecurityGroupPolicy CRD installed): the workloads that asked for it converge now.
  informers.children.onServed(() => {
    for (const workload of informers.workloads.list()) {
      if ((workload.spec.networking?.securityGroupIds ?? []).length > 0) ctx.enqueueWorkload(keyOfObject(workload));
    }
  });
}

/**
 * What of a FargateCluster its workloads plan and decide from: the spec (guard rails, subnets,
 * profile naming), the discovered facts in status, and whether it is being deleted. Not its
 * conditions or profile list, which change as workloads converge (pure).
 */
export function clusterFactsDigest(cluster: FargateCluster): string {
  const { conditions: _conditions, profiles: _profiles, observedGeneration: _generation, ...facts } = cluster.status ?? {};
  return JSON.stringify({ spec: cluster.spec, facts, deleting: Boolean(cluster.metadata.deletionTimestamp) });
}

/** What the state gauges read at each scrape (metrics.ts): the caches' objects and each cluster's lane. */
function operatorStateSources(informers: ReturnType<typeof createOperatorInformers>, lane: ProfileLane, clock: Clock): StateSources {
  return {
    *objects() {
      for (const cluster of informers.clusters.list()) yield { kind: KIND_CLUSTER, conditions: cluster.status?.conditions ?? [] };
      for (const workload of informers.workloads.list()) {
        const perPod = Number(workload.status?.capacity?.hourlyCostUSD);
        yield {
          kind: KIND_WORKLOAD,
          ...(workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {}),
          conditions: workload.status?.conditions ?? [],
          ...(Number.isFinite(perPod) ? { hourlyCostUSD: perPod * (workload.status?.replicas ?? 0) } : {}),
        };
      }
    },
    lanes: () => laneStates(lane, (cluster) => informers.clusters.get(cluster) !== undefined),
    now: () => clock.now(),
  };
}
