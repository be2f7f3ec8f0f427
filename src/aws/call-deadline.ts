/**
 * Every AWS call has a deadline and can be aborted (design, section 4: a hung call must not block
 * other objects, and a process that is stopping or has lost its lease must stop calling AWS).
 * The SDK clients get this request handler: each attempt fails with a TimeoutError after
 * `timeoutMs` (retried by the SDK like any timeout, then by the work queue), and every attempt
 * in flight is aborted at once when `signal` fires.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { checkEachRequest } from '../controller/write-gate.js';

/** Default deadline of one attempt of one AWS call. EKS and IAM answer in well under a second. */
export const DEFAULT_AWS_CALL_TIMEOUT_MS = 20_000;

/** Options of {@link deadlineRequestHandler}. */
export interface CallDeadlineOptions {
  /** Deadline of one attempt, from sending the request to the response headers. */
  timeoutMs: number;
  /** Aborts every call in flight (shutdown, lost leadership). */
  signal?: AbortSignal;
}

type HandleArguments = Parameters<NodeHttpHandler['handle']>;
/** The SDK's own AbortSignal shape, which the global AbortSignal satisfies at run time. */
type SdkAbortSignal = NonNullable<HandleArguments[1]>['abortSignal'];

/** Checks to pass right before a request goes on the wire, by the request's headers object (the one the handler hands to Node). */
const sendChecks = new WeakMap<object, () => void>();

/**
 * Makes `check` run again right before the request with these headers is written to a socket: at
 * once on a kept-alive connection, else when its new connection is up (TLS handshake included).
 * Throwing there ends the attempt with that error and sends nothing: a process paused after the
 * write gate's first check does not send the write when it resumes.
 */
export function checkAgainBeforeSending(request: { headers: object }, check: () => void): void {
  sendChecks.set(request.headers, check);
}

/** The SDK's default agent settings (keep-alive, 50 sockets), with the send checks. */
function checkingAgent<A extends HttpAgent>(agent: A): A {
  checkEachRequest(agent, (_request, options) => (options.headers ? sendChecks.get(options.headers) : undefined));
  return agent;
}

/** A Node HTTP handler whose attempts end at the deadline or when the signal fires. */
class DeadlineHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly stop: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    // throwOnRequestTimeout: without it this handler version only logs a warning at the deadline.
    super({
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(timeoutMs, 5_000),
      httpAgent: checkingAgent(new HttpAgent({ keepAlive: true, maxSockets: 50 })),
      httpsAgent: checkingAgent(new HttpsAgent({ keepAlive: true, maxSockets: 50 })),
    });
  }

  override handle(request: HandleArguments[0], options: HandleArguments[1] = {}): ReturnType<NodeHttpHandler['handle']> {
    const own = options.abortSignal as AbortSignal | undefined;
    const signals = [own, this.stop].filter((signal): signal is AbortSignal => signal !== undefined);
    const abortSignal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return super.handle(request, { ...options, ...(abortSignal ? { abortSignal: abortSignal as SdkAbortSignal } : {}) });
  }
}

/** The request handler the operator's SDK clients are made with. */
export function deadlineRequestHandler(options: CallDeadlineOptions): NodeHttpHandler {
  return new DeadlineHttpHandler(options.signal, options.timeoutMs);
}
