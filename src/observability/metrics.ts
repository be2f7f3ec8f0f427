import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome label of one reconcile. */
export type ReconcileResultLabel = 'success' | 'requeue' | 'error' | 'terminal';

/** Outcome label of one AWS call. */
export type AwsCallOutcome = 'success' | 'retryable' | 'terminal' | 'not_found' | 'error';

/** Every metric the operator exposes, on one registry of its own (never prom-client's global one). */
export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'kind' | 'result'>;
  reconcileDuration: Histogram<'kind'>;
  queueDepth: Gauge<'kind'>;
  /** Resync passes (every cached key queued once more), by kind. */
  resyncsTotal: Counter<'kind'>;
  awsCallsTotal: Counter<'service' | 'operation' | 'outcome'>;
  awsRetriesTotal: Counter<'service' | 'operation'>;
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
