/**
 * What a failed reconcile tells the user (pure). Every failure ends in status: a terminal one
 * already set Stalled with its reason; anything else is retried with backoff, and status says
 * what failed (the AWS call or Kubernetes request, in one line) and when the retry comes.
 */
import { classifyAwsError, describeClassified } from '../aws/error-classifier.js';
import { isTerminal } from '../controller/reconciler.js';
import type { KstatusState } from '../kube/conditions.js';
import { formatKubeApiError, kubeApiErrorSummary } from '../kube/api-error.js';

/** A failure, classified and worded for a condition. */
export interface ReconcileFailure {
  /** Condition reason: the AWS error class (Throttling, Timeout, ...), KubernetesAPIError, or Error. */
  reason: string;
  /** One line: the failing call and its error, never a response dump. */
  message: string;
  /** Whose call failed. */
  source: 'aws' | 'kubernetes' | 'other';
}

function isAwsError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ('$metadata' in error || '$fault' in error || '$operation' in error);
}

/** The failure as a condition reason and a one-line message (a terminal error keeps its Stalled reason). */
export function describeReconcileFailure(error: unknown): ReconcileFailure {
  if (isTerminal(error) && error instanceof Error) {
    const reason = (error as { reason?: unknown }).reason;
    return { reason: typeof reason === 'string' && reason ? reason : 'Terminal', message: oneLine(error.message), source: 'other' };
  }
  if (isAwsError(error) || (error instanceof Error && /^(TimeoutError|AbortError)$/.test(error.name))) {
    const classified = classifyAwsError(error);
    const operation = (error as { $operation?: unknown }).$operation;
    const call = typeof operation === 'string' ? `AWS ${operation} failed: ` : 'AWS call failed: ';
    return { reason: classified.reason ?? 'AWSError', message: `${call}${describeClassified(classified)}`, source: 'aws' };
  }
  const kube = kubeApiErrorSummary(error);
  if (kube) return { reason: 'KubernetesAPIError', message: `Kubernetes API request failed: ${formatKubeApiError(kube)}`, source: 'kubernetes' };
  return { reason: 'Error', message: oneLine(error instanceof Error ? error.message : String(error)), source: 'other' };
}

/** The Reconciling state of a failure about to be retried after `retryDelayMs`. */
export function retryingState(failure: ReconcileFailure, retryDelayMs: number, now: Date): KstatusState {
  const at = new Date(now.getTime() + retryDelayMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { state: 'Reconciling', reason: failure.reason, message: `${failure.message}; retrying in ${formatDelay(retryDelayMs)} (at ${at})` };
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.max(1, Math.round(ms))} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
