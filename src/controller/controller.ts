import { randomBytes } from 'node:crypto';
import { parseKey } from '../kube/object-key.js';
import { reconcileLogger, type Logger } from '../observability/logger.js';
import type { OperatorMetrics, ReconcileResultLabel } from '../observability/metrics.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { isTerminal, type Reconciler, type ResyncPass } from './reconciler.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Kind label on logs and metrics, e.g. FargateWorkload. */
  kind: string;
  reconciler: Reconciler;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Every key currently in the cache; resync re-enqueues them all. */
  listKeys: () => string[];
  /** Parallel reconciles (of different keys); default 4. */
  concurrency?: number;
  /** Periodic re-enqueue of every key for drift; default 10 minutes; 0 turns it off. */
  resyncPeriodMs?: number;
  clock?: Clock;
  queue?: Omit<WorkQueueOptions, 'clock' | 'onDepth' | 'maxInFlight'>;
  /**
   * A failed reconcile as a reason (the eksfo_reconcile_errors_total label) and one line for the
   * log; default: a terminal error's reason, else `Error`, with the error's message.
   */
  describeFailure?: (error: unknown) => ReconcileFailureLine;
}

/** A failed reconcile, as logs and metrics tell it. */
export interface ReconcileFailureLine {
  reason: string;
  message: string;
}

/** The default {@link ControllerOptions.describeFailure}. */
export function describeFailureLine(error: unknown): ReconcileFailureLine {
  const reason = isTerminal(error) ? String((error as { reason?: unknown }).reason ?? 'Terminal') : 'Error';
  return { reason, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/**
 * Runs a {@link Reconciler} over a {@link WorkQueue}: workers take keys, each reconcile gets an id,
 * a child logger and metrics; success forgets the backoff (and honours `requeueAfterMs`), an
 * error requeues with backoff, a terminal error does not requeue.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly kind: string;
  private readonly options: ControllerOptions;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private readonly workers: Promise<void>[] = [];
  private resyncTimer: TimerHandle | undefined;
  /** Keys the resync queued that have not been reconciled since, with the pass that queued them. */
  private readonly resyncDue = new Map<string, ResyncPass>();
  private resyncPasses = 0;
  private started = false;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.kind = options.kind;
    this.clock = options.clock ?? systemClock;
    const depth = options.metrics.queueDepth.labels({ kind: options.kind });
    this.queue = new WorkQueue({
      ...options.queue,
      clock: this.clock,
      maxInFlight: options.concurrency ?? 4,
      onDepth: (n) => depth.set(n),
    });
  }

  /** Enqueues a key (event handlers call this); after `afterMs`, when given (an earlier pending request wins). */
  enqueue(key: string, afterMs = 0): void {
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  /** Starts the workers and the resync timer, and enqueues every cached key once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < (this.options.concurrency ?? 4); i++) this.workers.push(this.work());
    this.resync();
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for in-flight reconciles; those still running
   * then see their signal aborted. Resolves true when all finished in time.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    if (this.resyncTimer) this.clock.clearTimeout(this.resyncTimer);
    this.queue.shutdown();
    const drained = await this.queue.drain(timeoutMs);
    if (!drained) this.abort.abort(new Error('controller shutting down'));
    if (drained) await Promise.all(this.workers);
    return drained;
  }

  private resync(): void {
    this.options.metrics.resyncsTotal.inc({ kind: this.kind });
    const pass: ResyncPass = { number: ++this.resyncPasses };
    for (const key of this.options.listKeys()) {
      this.resyncDue.set(key, pass);
      this.queue.add(key);
    }
    const period = this.options.resyncPeriodMs ?? 600_000;
    if (period > 0 && !this.queue.isShuttingDown()) {
      this.resyncTimer = this.clock.setTimeout(() => this.resync(), period);
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const { kind, metrics } = this.options;
    const reconcileId = randomBytes(4).toString('hex');
    const logger = reconcileLogger(this.options.logger, kind, key, reconcileId);
    const endTimer = metrics.reconcileDuration.startTimer({ kind });
    const active = metrics.activeWorkers.labels({ kind });
    active.inc();
    let result: ReconcileResultLabel = 'success';
    // Queued by the resync (an event may have queued it too): this reconcile reads everything.
    const resync = this.resyncDue.get(key);
    this.resyncDue.delete(key);
    try {
      const outcome = await this.options.reconciler.reconcile(parseKey(key), {
        reconcileId,
        logger,
        signal: this.abort.signal,
        retryDelayMs: this.queue.retryDelayMs(key),
        ...(resync ? { resync } : {}),
      });
      this.queue.forget(key);
      if (outcome.requeueAfterMs !== undefined && outcome.requeueAfterMs >= 0) {
        result = 'requeue';
        this.queue.addAfter(key, outcome.requeueAfterMs);
      }
      logger.debug('reconciled', { requeueAfterMs: outcome.requeueAfterMs });
    } catch (error) {
      const failure = describeSafely(this.options.describeFailure, error);
      metrics.reconcileErrorsTotal.inc({ kind, reason: failure.reason });
      if (isTerminal(error)) {
        result = 'terminal';
        this.queue.forget(key);
        logger.warn('reconcile failed, not retrying until the object changes', { error: failure.message, reason: failure.reason });
      } else {
        result = 'error';
        // Its retry is still the resync's: it may not have reached the reads a resync must make.
        if (resync && !this.resyncDue.has(key)) this.resyncDue.set(key, resync);
        const delayMs = this.queue.addRateLimited(key);
        logger.error('reconcile failed, retrying', { error: failure.message, reason: failure.reason, retryInMs: delayMs });
      }
    } finally {
      endTimer();
      active.dec();
      metrics.reconcileTotal.inc({ kind, result });
    }
  }
}

/** The failure as `describe` words it, or as the default does if `describe` itself fails: a worker never dies of it. */
function describeSafely(describe: ControllerOptions['describeFailure'], error: unknown): ReconcileFailureLine {
  try {
    return (describe ?? describeFailureLine)(error);
  } catch {
    return describeFailureLine(error);
  }
}
