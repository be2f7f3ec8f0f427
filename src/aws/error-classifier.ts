/**
 * Sorts AWS errors into what a reconciler does next (design, section 4): retry with backoff,
 * stop with a Stalled condition until the spec changes, treat as absent, or treat as already
 * existing. Works on errors as the SDK v3 throws them (`name`, `message`, `$fault`,
 * `$metadata.httpStatusCode`, `$retryable`) and on Node network errors (`code`).
 */

/** What the caller does with an error. */
export type AwsErrorKind = 'retryable' | 'terminal' | 'not-found' | 'conflict';

/** Why a retryable error is retried, or the Stalled reason of a terminal one. */
export type AwsErrorReason =
  | 'Throttling'
  | 'ServiceError'
  | 'Network'
  | 'Timeout'
  | 'Aborted'
  | 'CredentialsExpired'
  | 'ResourceInUse'
  | 'IamPropagation'
  | 'ConcurrentModification'
  | 'InvalidParameter'
  | 'QuotaExceeded'
  | 'AccessDenied'
  | 'InvalidPolicy'
  | 'RequestRejected';

/** An AWS error, classified. */
export interface ClassifiedAwsError {
  kind: AwsErrorKind;
  /** The AWS error code (the SDK's `name`), or the Node error code for network errors. */
  code: string;
  message: string;
  reason?: AwsErrorReason;
  httpStatusCode?: number;
}

/** A classified error as one line for events, conditions and logs: `Code: message (HTTP 403)`. */
export function describeClassified(classified: Pick<ClassifiedAwsError, 'code' | 'message' | 'httpStatusCode'>): string {
  const http = classified.httpStatusCode !== undefined ? ` (HTTP ${classified.httpStatusCode})` : '';
  return `${classified.code}: ${classified.message.replace(/\s*\n\s*/g, ' ').trim()}${http}`;
}

/** What the caller knows that the error alone does not tell. */
export interface ClassifyContext {
  /**
   * Age of the newest IAM identity the failed call refers to (the OIDC provider named in a trust
   * policy, the pod execution role given to a profile). IAM is eventually consistent: within
   * {@link IAM_PROPAGATION_WINDOW_MS} of its creation an "invalid principal" or "misconfigured
   * trust policy" answer means "not visible yet" and is retried; after it, the answer is meant.
   * Unknown age counts as recent, so a reconciler without the fact still converges (with backoff).
   */
  identityAgeMs?: number;
}

/**
 * How long after its creation an IAM identity's "not valid" answers are taken for propagation
 * lag. IAM is eventually consistent (its user guide: changes "take time to become visible"); seen
 * in practice, well under a minute; past this window the answer is meant and the object stalls.
 */
export const IAM_PROPAGATION_WINDOW_MS = 2 * 60_000;

/** True for the two answers that mean "that identity is not visible yet" while it is young. */
export function mayBePropagationLag(err: unknown): boolean {
  const message = messageOf(err);
  return EXECUTION_ROLE_NOT_PROPAGATED.test(message) || PRINCIPAL_NOT_PROPAGATED.test(message);
}

// Codes without an "Exception" suffix: the SDK names errors by their modelled shape (IAM's
// NoSuchEntity arrives as NoSuchEntityException, EKS's as ResourceNotFoundException), while
// unmodelled errors and EC2 keep the wire code; both spellings are matched through codeKey().
const THROTTLING_CODES = new Set([
  'Throttling',
  'Throttled',
  'RequestLimitExceeded',
  'RequestThrottled',
  'TooManyRequests',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2Throttled',
]);

const SERVICE_ERROR_CODES = new Set([
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'Server',
  'ServiceFailure',
  'Service',
  'RequestTimeout',
  'Unavailable',
]);

/** Node socket errors and the SDK's own timeout: the request may not have reached AWS. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The call ran past its deadline (the handler's TimeoutError). */
const TIMEOUT_CODES = new Set(['TimeoutError', 'RequestAbortedError']);
/** The call was aborted by this process (shutdown, lost leadership). */
const ABORTED_CODES = new Set(['AbortError']);

/**
 * The credentials are stale or were never valid for this endpoint. IRSA web identity credentials
 * expire and are refreshed by the SDK's provider; a rotated key shows up the same way. Retried
 * (the operator refreshes its clients' credentials, see aws-services.ts), never Stalled: no spec
 * change can fix them.
 */
const CREDENTIALS_CODES = new Set([
  'ExpiredToken',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClient',
  'CredentialsProviderError',
]);

const NOT_FOUND_CODES = new Set([
  'NoSuchEntity',
  'ResourceNotFound',
  'NotFound',
  'InvalidSubnetID.NotFound',
  'InvalidGroup.NotFound',
  'InvalidVpcID.NotFound',
  'InvalidRouteTableID.NotFound',
  'InvalidVpcEndpointId.NotFound',
]);

/** Someone else is changing the same thing, or IAM/EKS is still settling: try again shortly. */
const CONCURRENT_CODES = new Set(['ConcurrentModification', 'DeleteConflict', 'EntityTemporarilyUnmodifiable', 'InvalidState']);

const CONFLICT_CODES = new Set(['EntityAlreadyExists', 'ResourceAlreadyExists', 'AlreadyExists']);

const QUOTA_CODES = new Set(['LimitExceeded', 'ResourceLimitExceeded', 'ServiceQuotaExceeded']);

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'UnauthorizedOperation',
  'Unauthorized',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'OptInRequired',
]);

const INVALID_PARAMETER_CODES = new Set([
  'InvalidParameter',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidRequest',
  'InvalidInput',
  'BadRequest',
  'ValidationError',
  'Validation',
  'Client',
  'UnmodifiableEntity',
  'UnsupportedAvailabilityZone',
]);

const INVALID_POLICY_CODES = new Set(['PolicyNotAttachable', 'PackedPolicyTooLarge']);

/** EKS: "Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal". */
const EXECUTION_ROLE_NOT_PROPAGATED = /Misconfigured PodExecutionRole Trust Policy/i;
/** IAM: "Invalid principal in policy: ..." when the OIDC provider or role a policy names is not visible yet. */
const PRINCIPAL_NOT_PROPAGATED = /Invalid principal in policy/i;
/** EKS answers ResourceInUseException both for "one profile at a time" and for "name taken". */
const ALREADY_EXISTS = /already exists/i;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
  Code?: unknown;
}

function asShape(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
}

/** The AWS error code: the SDK puts it in `name`; Node network errors carry it in `code`. */
export function awsErrorCode(err: unknown): string {
  const shape = asShape(err);
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code) && shape.name !== 'TimeoutError') return shape.code;
  if (typeof shape.name === 'string' && shape.name !== 'Error') return shape.name;
  if (typeof shape.Code === 'string') return shape.Code;
  if (typeof shape.code === 'string') return shape.code;
  return typeof shape.name === 'string' ? shape.name : 'Unknown';
}

/** The code without the SDK's "Exception" suffix, for matching either spelling. */
function codeKey(code: string): string {
  return code.endsWith('Exception') && code !== 'Exception' ? code.slice(0, -'Exception'.length) : code;
}

function messageOf(err: unknown): string {
  const message = asShape(err).message;
  if (typeof message === 'string') return message;
  return typeof err === 'string' ? err : String(err);
}

function statusOf(err: unknown): number | undefined {
  const status = asShape(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function recent(context: ClassifyContext): boolean {
  return context.identityAgeMs === undefined || context.identityAgeMs < IAM_PROPAGATION_WINDOW_MS;
}

/** Classifies an error thrown by an AWS SDK v3 call (or by the network underneath it). */
export function classifyAwsError(err: unknown, context: ClassifyContext = {}): ClassifiedAwsError {
  const code = awsErrorCode(err);
  const message = messageOf(err);
  const httpStatusCode = statusOf(err);
  const result = (kind: AwsErrorKind, reason?: AwsErrorReason): ClassifiedAwsError => ({
    kind,
    code,
    message,
    ...(reason ? { reason } : {}),
    ...(httpStatusCode !== undefined ? { httpStatusCode } : {}),
  });
  const shape = asShape(err);
  const key = codeKey(code);

  if (THROTTLING_CODES.has(key) || shape.$retryable?.throttling === true || httpStatusCode === 429) {
    return result('retryable', 'Throttling');
  }
  if (ABORTED_CODES.has(code)) return result('retryable', 'Aborted');
  if (TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(String(shape.name))) return result('retryable', 'Timeout');
  if (NETWORK_CODES.has(code)) return result('retryable', 'Network');
  if (CREDENTIALS_CODES.has(key)) return result('retryable', 'CredentialsExpired');
  if (key === 'ResourceInUse') {
    return ALREADY_EXISTS.test(message) ? result('conflict') : result('retryable', 'ResourceInUse');
  }
  if (CONFLICT_CODES.has(key)) return result('conflict');
  if (CONCURRENT_CODES.has(key)) return result('retryable', 'ConcurrentModification');
  if (key === 'ResourcePropagationDelay') return result('retryable', 'IamPropagation');
  if (NOT_FOUND_CODES.has(key)) return result('not-found');
  if (key === 'InvalidParameter' && EXECUTION_ROLE_NOT_PROPAGATED.test(message)) {
    return recent(context) ? result('retryable', 'IamPropagation') : result('terminal', 'InvalidPolicy');
  }
  if (key === 'MalformedPolicyDocument') {
    if (PRINCIPAL_NOT_PROPAGATED.test(message) && recent(context)) return result('retryable', 'IamPropagation');
    return result('terminal', 'InvalidPolicy');
  }
  if (INVALID_POLICY_CODES.has(key)) return result('terminal', 'InvalidPolicy');
  if (QUOTA_CODES.has(key)) return result('terminal', 'QuotaExceeded');
  if (ACCESS_DENIED_CODES.has(key)) return result('terminal', 'AccessDenied');
  if (INVALID_PARAMETER_CODES.has(key)) return result('terminal', 'InvalidParameter');
  if (SERVICE_ERROR_CODES.has(key)) return result('retryable', 'ServiceError');
  if (shape.$fault === 'server' || (httpStatusCode !== undefined && httpStatusCode >= 500)) {
    return result('retryable', 'ServiceError');
  }
  if (shape.$retryable !== undefined) return result('retryable', 'ServiceError');
  if (shape.$fault === 'client' || (httpStatusCode !== undefined && httpStatusCode >= 400)) {
    return result('terminal', 'RequestRejected');
  }
  // No AWS answer and no known network code: most likely transient; backoff bounds the cost.
  return result('retryable', 'ServiceError');
}

/** True when the error means the resource does not exist. */
export function isNotFound(err: unknown): boolean {
  return classifyAwsError(err).kind === 'not-found';
}
