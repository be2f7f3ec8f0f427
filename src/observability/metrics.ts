import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome label of one reconcile. */
export type ReconcileResultLabel = 'success' | 'requeue' | 'error' | 'terminal';

/** Outcome label of one AWS call. */
export type AwsCallOutcome = 'success' | 'retryable' | 'terminal' | 'not_found' | 'error';

/** Every metric the operator exposes, on one registry of its own (never prom-client's global one). */
export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'kind' | 'result'>;
  /** Failed reconciles by kind and reason (the condition reason: Throttling, KubernetesAPIError, a Stalled reason, ...). */
  reconcileErrorsTotal: Counter<'kind' | 'reason'>;
  reconcileDuration: Histogram<'kind'>;
  queueDepth: Gauge<'kind'>;
  activeWorkers: Gauge<'kind'>;
  /** Resync passes (every cached key queued once more), by kind. */
  resyncsTotal: Counter<'kind'>;
  awsCallsTotal: Counter<'service' | 'operation' | 'outcome'>;
  awsRetriesTotal: Counter<'service' | 'operation'>;
  /** Attempts AWS answered with a throttling error, by service and operation. */
  awsThrottlesTotal: Counter<'service' | 'operation'>;
  /** Requests of the reconcilers to the Kubernetes API server, by verb and resource (informer watches and the Lease are not). */
  kubeRequestsTotal: Counter<'verb' | 'resource'>;
  /** AWS resources the orphan sweep deleted, by kind (IAMRole, FargateProfile). */
  orphansDeletedTotal: Counter<'kind'>;
  leader: Gauge;
  /** Lists of an informer after its first, by resource and why (RelistReason in kube/supervised-informer.ts). */
  informerRelistsTotal: Counter<'resource' | 'reason'>;
}

/** Creates the registry and metrics; `defaultMetrics` adds process metrics (CPU, memory, event loop). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'eksfo_' });
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'eksfo_reconcile_total',
      help: 'Reconciles by kind and result (success, requeue, error, terminal).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    reconcileErrorsTotal: new Counter({
      name: 'eksfo_reconcile_errors_total',
      help: 'Failed reconciles by kind and reason: the condition reason status reports (Throttling, Timeout, KubernetesAPIError, or the Stalled reason of a failure retrying cannot fix).',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'eksfo_reconcile_duration_seconds',
      help: 'Duration of one reconcile, by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    resyncsTotal: new Counter({
      name: 'eksfo_resyncs_total',
      help: 'Resync passes by kind: each queues every cached object once more (at start and every --resync period), to correct drift.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'eksfo_queue_depth',
      help: 'Keys waiting in the work queue, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    activeWorkers: new Gauge({
      name: 'eksfo_active_workers',
      help: 'Reconciles running now, by kind (at most --concurrency each): with the queue depth, how busy the workers are.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    awsCallsTotal: new Counter({
      name: 'eksfo_aws_calls_total',
      help: 'AWS API calls by service, operation and outcome.',
      labelNames: ['service', 'operation', 'outcome'],
      registers: [registry],
    }),
    awsRetriesTotal: new Counter({
      name: 'eksfo_aws_retries_total',
      help: "Attempts the AWS SDK made beyond the first (throttling, 5xx, network errors), by service and operation; eksfo_aws_calls_total counts each call once.",
      labelNames: ['service', 'operation'],
      registers: [registry],
    }),
    awsThrottlesTotal: new Counter({
      name: 'eksfo_aws_throttles_total',
      help: 'Attempts of AWS calls that AWS answered with a throttling error (Throttling, RequestLimitExceeded, ...), by service and operation; the SDK retries them with backoff.',
      labelNames: ['service', 'operation'],
      registers: [registry],
    }),
    kubeRequestsTotal: new Counter({
      name: 'eksfo_kube_requests_total',
      help: 'Requests of the reconcilers to the Kubernetes API server, by verb (get, list, create, update, patch, delete) and resource (with /status for the subresource); informer watches and the leader-election Lease are not counted.',
      labelNames: ['verb', 'resource'],
      registers: [registry],
    }),
    orphansDeletedTotal: new Counter({
      name: 'eksfo_orphans_deleted_total',
      help: 'AWS resources of FargateWorkloads that no longer exist, deleted by the orphan sweep, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'eksfo_leader',
      help: '1 while this process holds the leader lease, else 0.',
      registers: [registry],
    }),
    informerRelistsTotal: new Counter({
      name: 'eksfo_informer_relists_total',
      help: 'Lists of an informer after its first, by resource and reason (expired: 410 Gone; stalled: the watchdog restarted a silent watch; error: another watch error; restarted).',
      labelNames: ['resource', 'reason'],
      registers: [registry],
    }),
  };
}

/** One object in the operator's caches, as the state gauges count it. */
export interface ObjectState {
  kind: string;
  namespace?: string;
  conditions: readonly { type: string; status: string; reason?: string }[];
  /** What its running pods cost per hour in USD (FargateWorkloads). */
  hourlyCostUSD?: number;
}

/** One cluster's Fargate profile lane, as the state gauges report it. */
export interface LaneState {
  cluster: string;
  /** The profile operation holding the lane: its state and since when (ms). */
  inFlight?: { status: string; sinceMs: number };
  /** Requesters waiting for the lane, and since when the first of them waits (ms). */
  waiting: number;
  oldestWaitSinceMs?: number;
}

/** Where the state gauges read, at each scrape: the informer caches and the profile lane. */
export interface StateSources {
  objects(): Iterable<ObjectState>;
  lanes(): Iterable<LaneState>;
  now(): number;
}

/** The conditions eksfo_objects counts objects by. */
const COUNTED_CONDITIONS = new Set(['Ready', 'Stalled']);

/**
 * Registers the gauges computed at scrape time from the caches and the profile lane: nothing is
 * kept up to date between scrapes, so they cost nothing when nobody scrapes.
 */
export function registerStateGauges(metrics: OperatorMetrics, sources: StateSources): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'eksfo_objects',
    help: 'FargateClusters and FargateWorkloads in the operator\'s cache by kind and by the status and reason of their Ready and Stalled conditions (condition="Ready", status="Unknown", reason="" counts objects without status yet).',
    labelNames: ['kind', 'condition', 'status', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const object of sources.objects()) {
        const counted = object.conditions.filter((condition) => COUNTED_CONDITIONS.has(condition.type));
        if (!counted.some((condition) => condition.type === 'Ready')) counted.push({ type: 'Ready', status: 'Unknown', reason: '' });
        for (const condition of counted) this.inc({ kind: object.kind, condition: condition.type, status: condition.status, reason: condition.reason ?? '' });
      }
    },
  });
  new Gauge({
    name: 'eksfo_fargate_cost_usd_per_hour',
    help: 'What the FargateWorkloads\' running pods cost per hour on Fargate, in USD, by namespace (status.capacity.hourlyCostUSD times status.replicas).',
    labelNames: ['namespace'],
    registers,
    collect() {
      this.reset();
      for (const object of sources.objects()) if (object.hourlyCostUSD !== undefined) this.inc({ namespace: object.namespace ?? '' }, object.hourlyCostUSD);
    },
  });
  new Gauge({
    name: 'eksfo_profile_lane_waiting',
    help: 'Fargate profile creates and deletes waiting for their cluster\'s lane (EKS runs one at a time per cluster), by cluster.',
    labelNames: ['cluster'],
    registers,
    collect() {
      this.reset();
      for (const lane of sources.lanes()) this.set({ cluster: lane.cluster }, lane.waiting);
    },
  });
  new Gauge({
    name: 'eksfo_profile_lane_wait_seconds',
    help: 'How long the first requester in a cluster\'s Fargate profile lane has waited, by cluster (0 when none waits).',
    labelNames: ['cluster'],
    registers,
    collect() {
      this.reset();
      const now = sources.now();
      for (const lane of sources.lanes()) this.set({ cluster: lane.cluster }, lane.oldestWaitSinceMs === undefined ? 0 : Math.max(0, now - lane.oldestWaitSinceMs) / 1000);
    },
  });
  new Gauge({
    name: 'eksfo_profile_transition_seconds',
    help: 'How long the Fargate profile holding a cluster\'s lane has been CREATING or DELETING, by cluster and status (absent when none is).',
    labelNames: ['cluster', 'status'],
    registers,
    collect() {
      this.reset();
      const now = sources.now();
      for (const lane of sources.lanes()) if (lane.inFlight) this.set({ cluster: lane.cluster, status: lane.inFlight.status }, Math.max(0, now - lane.inFlight.sinceMs) / 1000);
    },
  });
}
