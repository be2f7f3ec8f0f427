import type { ObjectKey } from '../kube/object-key.js';
import type { Logger } from '../observability/logger.js';

/** What a reconcile asks for next (kube-rs's `Action`): nothing, or another run after a delay. */
export interface ReconcileResult {
  /** Run again after this many ms even without a change (AWS state still moving, drift checks). */
  requeueAfterMs?: number;
}

/** What one reconcile gets besides the key. */
export interface ReconcileContext {
  /** Short random id, on every log line of this reconcile. */
  reconcileId: string;
  /** Child logger carrying kind, key and reconcile id. */
  logger: Logger;
  /** Aborted when shutdown gives up waiting: long calls should stop early. */
  signal: AbortSignal;
  /**
   * How long the queue will wait before retrying this key if this reconcile throws a retryable
   * error (its backoff, jitter included): a status written on the way out can say when.
   */
  retryDelayMs: number;
  /**
   * Set when the resync queued this key (at start and every resync period): the reconcile must
   * read what it may otherwise trust from a recent look (src/operator/confirmations.ts), so that
   * drift made behind the operator's back is found at each resync.
   */
  resync?: ResyncPass;
}

/** The resync pass that queued a reconcile. */
export interface ResyncPass {
  /**
   * The pass's number (1 at start, then one more each period): a read started for this pass or a
   * later one began after the pass did, so the reconciles of one pass may share it
   * (src/aws/account-role-snapshot.ts). A number, not a time, so a clock step cannot age it.
   */
  number: number;
}

/**
 * Converges one object, read by key from the cache (level-based, idempotent). Throwing retries
 * with backoff; throwing an error with `retryable === false` (see {@link TerminalError}) does not.
 */
export interface Reconciler {
  reconcile(key: ObjectKey, context: ReconcileContext): Promise<ReconcileResult>;
}

/** An error that retrying cannot fix: the key waits until the object changes (or the next resync). */
export class TerminalError extends Error {
  readonly retryable = false;

  constructor(
    message: string,
    /** Machine-readable reason, e.g. for a Stalled condition. */
    readonly reason = 'Terminal',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** True when an error says retrying will not help (any error with `retryable: false`). */
export function isTerminal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
}
