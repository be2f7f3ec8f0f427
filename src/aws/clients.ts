/**
 * The AWS SDK v3 clients the operator uses, made in one place so that they share the region,
 * endpoint, retry strategy and the call recorder that feeds metrics and tests.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient, type EKSClientConfig } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { WriteGate } from '../controller/write-gate.js';
import { checkAgainBeforeSending, DEFAULT_AWS_CALL_TIMEOUT_MS, deadlineRequestHandler } from './call-deadline.js';
import { isWriteOperation } from './call-log.js';
import { awsErrorCode, classifyAwsError } from './error-classifier.js';

/** One finished AWS call (after the SDK's own retries). */
export interface AwsCallRecord {
  /** `eks`, `iam`, `ec2` or `sts`. */
  service: AwsService;
  /** The API operation, e.g. `CreateFargateProfile`. */
  operation: string;
  /** `ok`, or the error code the call failed with (e.g. `ResourceInUseException`). */
  outcome: string;
  durationMs: number;
  /** Attempts the SDK made (1 when the first succeeded or failed for good); more after retried throttling, 5xx or network errors. */
  attempts: number;
  /** Attempts AWS answered with a throttling error (retried or not). */
  throttledAttempts: number;
}

/** Receives every AWS call; must not throw (a failing sink would fail the call). */
export type AwsCallSink = (call: AwsCallRecord) => void;

export type AwsService = 'eks' | 'iam' | 'ec2' | 'sts';

/** Static credentials or a provider of them, as every SDK v3 client takes them. */
export type AwsCredentials = NonNullable<EKSClientConfig['credentials']>;

/** How to reach AWS. */
export interface AwsClientOptions {
  region: string;
  /** An emulator or VPC endpoint; without it the SDK reads AWS_ENDPOINT_URL itself, else uses AWS. */
  endpoint?: string;
  /**
   * Whose credentials sign the calls; default: the SDK's default chain (in a cluster, the IRSA
   * web identity token of the operator's ServiceAccount).
   */
  credentials?: AwsCredentials;
  /** Attempts per call, the first included, for the SDK's standard retry strategy (default 3). */
  maxAttempts?: number;
  /** Where finished calls are recorded (metrics, tests). */
  sinks?: AwsCallSink[];
  /** Deadline of one attempt of a call; default {@link DEFAULT_AWS_CALL_TIMEOUT_MS}. */
  callTimeoutMs?: number;
  /** Aborts every call in flight when it fires (shutdown, lost leadership). */
  signal?: AbortSignal;
  /** Checked right before each attempt of a write operation is sent (leadership); default: every write goes. */
  writeGate?: WriteGate;
}

/** The four clients. */
export interface AwsClients {
  eks: EKSClient;
  iam: IAMClient;
  ec2: EC2Client;
  sts: STSClient;
  /** Closes the clients' connection pools. */
  destroy(): void;
}

const RECORDER_NAME = 'eksopsCallRecorder';
const WRITE_GATE_NAME = 'eksopsWriteGate';

/** The structural part of an SDK client's middleware stack the recorder needs. */
interface InitializeStack {
  add(
    middleware: (
      next: (args: { input: object }) => Promise<{ output: object }>,
      context: { commandName?: string },
    ) => (args: { input: object }) => Promise<{ output: object }>,
    options: { step: 'initialize'; name: string; priority?: 'high' | 'normal' | 'low' },
  ): void;
}

/** The structural part of an SDK client's middleware stack the write gate needs. */
interface DeserializeStack {
  add(
    middleware: (
      next: (args: { input: object; request: unknown }) => Promise<{ response: unknown }>,
      context: { commandName?: string },
    ) => (args: { input: object; request: unknown }) => Promise<{ response: unknown }>,
    options: { step: 'deserialize'; name: string; priority?: 'high' | 'normal' | 'low' },
  ): void;
}

/** The operation name of a command class name: `CreateRoleCommand` -> `CreateRole`. */
export function operationName(commandName: string | undefined): string {
  if (!commandName) return 'Unknown';
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}

/**
 * Adds a middleware that records each call with its outcome into the sinks. It sits at the
 * `initialize` step, outside the retry middleware, so one call is one record whatever the
 * number of attempts; a call that succeeded after a throttled attempt is recorded as `ok`.
 */
export function recordCalls(stack: InitializeStack & DeserializeStack, service: AwsService, sinks: readonly AwsCallSink[]): void {
  stack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const emit = (outcome: string, metadata: unknown): void => {
        const attempts = (metadata as { attempts?: unknown } | undefined)?.attempts;
        const throttledAttempts = (context as ThrottleCount)[THROTTLED_ATTEMPTS] ?? 0;
        const record = { service, operation: operationName(context.commandName), outcome, durationMs: performance.now() - started, attempts: typeof attempts === 'number' ? attempts : 1, throttledAttempts };
        for (const sink of sinks) sink(record);
      };
      try {
        const result = await next(args);
        emit('ok', (result.output as { $metadata?: unknown }).$metadata);
        return result;
      } catch (err) {
        emit(awsErrorCode(err), (err as { $metadata?: unknown } | null)?.$metadata);
        // Which call failed, for messages in status and logs (the SDK's error does not say).
        if (typeof err === 'object' && err !== null && !('$operation' in err)) {
          Object.defineProperty(err, '$operation', { value: `${service}:${operationName(context.commandName)}`, enumerable: false });
        }
        throw err;
      }
    },
    { step: 'initialize', name: RECORDER_NAME, priority: 'high' },
  );
  // Inside the retry loop, outside the deserializer: each attempt's parsed error, once per attempt.
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (classifyAwsError(err).reason === 'Throttling') {
          const count = context as ThrottleCount;
          count[THROTTLED_ATTEMPTS] = (count[THROTTLED_ATTEMPTS] ?? 0) + 1;
        }
        throw err;
      }
    },
    { step: 'deserialize', name: THROTTLE_COUNTER_NAME, priority: 'high' },
  );
}

/** Where the attempts of one call that AWS throttled are counted: the call's handler context, shared by its middleware. */
const THROTTLED_ATTEMPTS = Symbol('eksfo.throttledAttempts');
type ThrottleCount = { [THROTTLED_ATTEMPTS]?: number };
const THROTTLE_COUNTER_NAME = 'eksopsThrottleCounter';

function isHeaderCarrier(request: unknown): request is { headers: object } {
  return typeof request === 'object' && request !== null && typeof (request as { headers?: unknown }).headers === 'object';
}

/**
 * Adds the write gate: each attempt of a write operation asks it right before the request goes to
 * the HTTP handler. The `deserialize` step runs inside the retry and signing middleware, once per
 * attempt, so a retry after a pause is checked again; at low priority it is the last middleware
 * before the handler, whose agents check again when the request gets its socket
 * (call-deadline.ts). A refusal is a client error the SDK does not retry.
 */
export function gateWrites(stack: DeserializeStack, service: AwsService, gate: WriteGate): void {
  stack.add(
    (next, context) => async (args) => {
      const operation = operationName(context.commandName);
      if (isWriteOperation(operation)) {
        const what = `${service}:${operation}`;
        gate(what);
        // And once more where the request meets its socket, which may be a new connection later.
        if (isHeaderCarrier(args.request)) checkAgainBeforeSending(args.request, () => gate(what));
      }
      return next(args);
    },
    { step: 'deserialize', name: WRITE_GATE_NAME, priority: 'low' },
  );
}

/**
 * Creates the clients: standard retry strategy (exponential backoff with jitter, retry quota,
 * throttling and transient errors retried), a deadline on every attempt and an abort signal
 * (call-deadline.ts), credentials as given or from the SDK's default chain.
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
  };
  // One handler per client: destroy() closes each client's own connection pool.
  const handler = (): { requestHandler: NodeHttpHandler } => ({
    requestHandler: deadlineRequestHandler({ timeoutMs: options.callTimeoutMs ?? DEFAULT_AWS_CALL_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) }),
  });
  const sinks = options.sinks ?? [];
  const eks = new EKSClient({ ...config, ...handler() });
  const iam = new IAMClient({ ...config, ...handler() });
  const ec2 = new EC2Client({ ...config, ...handler() });
  const sts = new STSClient({ ...config, ...handler() });
  recordCalls(eks.middlewareStack, 'eks', sinks);
  recordCalls(iam.middlewareStack, 'iam', sinks);
  recordCalls(ec2.middlewareStack, 'ec2', sinks);
  recordCalls(sts.middlewareStack, 'sts', sinks);
  const gate = options.writeGate;
  if (gate) {
    gateWrites(eks.middlewareStack, 'eks', gate);
    gateWrites(iam.middlewareStack, 'iam', gate);
    gateWrites(ec2.middlewareStack, 'ec2', gate);
    gateWrites(sts.middlewareStack, 'sts', gate);
  }
  return {
    eks,
    iam,
    ec2,
    sts,
    destroy() {
      eks.destroy();
      iam.destroy();
      ec2.destroy();
      sts.destroy();
    },
  };
}
