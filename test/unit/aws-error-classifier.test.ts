import { describe, expect, it } from '@jest/globals';
import { classifyAwsError, describeClassified, IAM_PROPAGATION_WINDOW_MS } from '../../src/aws/error-classifier.js';

/** An error shaped as the SDK v3 throws it (ServiceException). */
function sdkError(name: string, message: string, status: number, extra: Record<string, unknown> = {}): Error {
  const err = new Error(message) as Error & Record<string, unknown>;
  err.name = name;
  err['$fault'] = status >= 500 ? 'server' : 'client';
  err['$metadata'] = { httpStatusCode: status, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 };
  Object.assign(err, extra);
  return err;
}

/** A Node socket error as the HTTP handler surfaces it. */
function networkError(code: string): Error {
  const err = new Error(`connect ${code} 127.0.0.1:4566`) as Error & { code: string };
  err.code = code;
  return err;
}

describe('classifyAwsError', () => {
  it.each([
    ['Throttling', 400],
    ['ThrottlingException', 429],
    ['RequestLimitExceeded', 503],
    ['TooManyRequestsException', 429],
  ])('%s (%i) is retryable throttling', (name, status) => {
    expect(classifyAwsError(sdkError(name, 'Rate exceeded', status))).toEqual({
      kind: 'retryable',
      code: name,
      message: 'Rate exceeded',
      reason: 'Throttling',
      httpStatusCode: status,
    });
  });

  it('honours the SDK throttling flag on an unknown code', () => {
    const err = sdkError('SomethingNew', 'slow down', 400, { $retryable: { throttling: true } });
    expect(classifyAwsError(err)).toMatchObject({ kind: 'retryable', reason: 'Throttling' });
  });

  it('treats an unknown code the SDK marks $retryable as a retryable service error', () => {
    const err = sdkError('SomethingNew', 'try again', 400, { $retryable: {} });
    expect(classifyAwsError(err)).toMatchObject({ kind: 'retryable', reason: 'ServiceError' });
  });

  it.each([
    ['ServiceUnavailable', 503],
    ['ServiceUnavailableException', 503],
    ['InternalFailure', 500],
    ['InternalServerError', 500],
    ['ServerException', 500],
    ['ServiceFailure', 500],
    ['InternalError', 500],
    ['UnknownServerThing', 502],
  ])('%s (%i) is a retryable service error', (name, status) => {
    expect(classifyAwsError(sdkError(name, 'oops', status))).toMatchObject({ kind: 'retryable', reason: 'ServiceError', code: name });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])('network error %s is retryable', (code) => {
    expect(classifyAwsError(networkError(code))).toMatchObject({ kind: 'retryable', reason: 'Network', code });
  });

  it('the SDK TimeoutError is retryable with reason Timeout, also with the handler\'s ETIMEDOUT code', () => {
    const err = new Error('Connection timed out after 1000 ms');
    err.name = 'TimeoutError';
    expect(classifyAwsError(err)).toMatchObject({ kind: 'retryable', reason: 'Timeout', code: 'TimeoutError' });
    const handlerTimeout = Object.assign(new Error('a request has exceeded the configured 2000 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(classifyAwsError(handlerTimeout)).toMatchObject({ kind: 'retryable', reason: 'Timeout', code: 'TimeoutError' });
  });

  it('an aborted call (shutdown, lost leadership) is retryable with reason Aborted', () => {
    const err = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(classifyAwsError(err)).toMatchObject({ kind: 'retryable', reason: 'Aborted', code: 'AbortError' });
  });

  it.each([
    ['ExpiredTokenException', 'The security token included in the request is expired', 400],
    ['ExpiredToken', 'The security token included in the request is expired', 403],
    ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 403],
    ['RequestExpired', 'Request has expired.', 400],
  ])('%s (stale or unknown credentials) is retried with a refresh, never Stalled', (name, message, status) => {
    expect(classifyAwsError(sdkError(name, message, status))).toMatchObject({ kind: 'retryable', reason: 'CredentialsExpired', code: name });
  });

  it('EKS ResourceInUseException for a profile in flight is retryable with reason ResourceInUse', () => {
    const err = sdkError(
      'ResourceInUseException',
      'Cannot create Fargate Profile b because cluster prod currently has Fargate profile a in status CREATING',
      409,
    );
    expect(classifyAwsError(err)).toMatchObject({ kind: 'retryable', reason: 'ResourceInUse', httpStatusCode: 409 });
  });

  it('EKS ResourceInUseException for a taken name is a conflict', () => {
    const err = sdkError('ResourceInUseException', 'A Fargate Profile already exists with this name in the cluster.', 409);
    expect(classifyAwsError(err)).toMatchObject({ kind: 'conflict', code: 'ResourceInUseException' });
  });

  it.each(['EntityAlreadyExists', 'EntityAlreadyExistsException'])('IAM %s is a conflict', (name) => {
    expect(classifyAwsError(sdkError(name, 'Role with name x already exists.', 409))).toMatchObject({ kind: 'conflict', code: name });
  });

  // The SDK names IAM's modelled errors by shape (NoSuchEntity -> NoSuchEntityException).
  it.each([
    ['NoSuchEntityException', 404, 'not-found', undefined],
    ['MalformedPolicyDocumentException', 400, 'terminal', 'InvalidPolicy'],
    ['LimitExceededException', 409, 'terminal', 'QuotaExceeded'],
    ['InvalidInputException', 400, 'terminal', 'InvalidParameter'],
    ['UnmodifiableEntityException', 400, 'terminal', 'InvalidParameter'],
    ['PolicyNotAttachableException', 400, 'terminal', 'InvalidPolicy'],
    ['ServiceFailureException', 500, 'retryable', 'ServiceError'],
    ['DeleteConflictException', 409, 'retryable', 'ConcurrentModification'],
    ['ConcurrentModificationException', 409, 'retryable', 'ConcurrentModification'],
    ['ResourcePropagationDelayException', 428, 'retryable', 'IamPropagation'],
  ])('SDK-named %s (%i) is %s', (name, status, kind, reason) => {
    const classified = classifyAwsError(sdkError(name, 'm', status), { identityAgeMs: IAM_PROPAGATION_WINDOW_MS * 2 });
    expect([classified.kind, classified.reason]).toEqual([kind, reason]);
  });

  describe('IAM propagation', () => {
    const trust = () => sdkError('InvalidParameterException', 'Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal', 400);
    const principal = () => sdkError('MalformedPolicyDocumentException', 'Invalid principal in policy: "Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks..."', 400);

    it('a misconfigured execution role trust policy is retried while the role is new (or its age unknown)', () => {
      expect(classifyAwsError(trust())).toMatchObject({ kind: 'retryable', reason: 'IamPropagation' });
      expect(classifyAwsError(trust(), { identityAgeMs: 10_000 })).toMatchObject({ kind: 'retryable', reason: 'IamPropagation' });
    });

    it('a misconfigured trust policy on an old role is terminal', () => {
      expect(classifyAwsError(trust(), { identityAgeMs: IAM_PROPAGATION_WINDOW_MS + 1 })).toMatchObject({ kind: 'terminal', reason: 'InvalidPolicy' });
    });

    it('an invalid principal right after creating the OIDC provider is retried', () => {
      expect(classifyAwsError(principal(), { identityAgeMs: 2_000 })).toMatchObject({ kind: 'retryable', reason: 'IamPropagation' });
    });

    it('an invalid principal long after is terminal InvalidPolicy', () => {
      expect(classifyAwsError(principal(), { identityAgeMs: IAM_PROPAGATION_WINDOW_MS * 2 })).toMatchObject({ kind: 'terminal', reason: 'InvalidPolicy' });
    });
  });

  it.each([
    ['NoSuchEntity', 404],
    ['ResourceNotFoundException', 404],
    ['InvalidSubnetID.NotFound', 400],
    ['InvalidGroup.NotFound', 400],
    ['InvalidVpcID.NotFound', 400],
  ])('%s is not-found', (name, status) => {
    expect(classifyAwsError(sdkError(name, 'gone', status))).toMatchObject({ kind: 'not-found', code: name });
  });

  it.each([
    ['InvalidParameterException', 'Subnet subnet-0a1 is not a private subnet', 'InvalidParameter'],
    ['ValidationError', '1 validation error detected', 'InvalidParameter'],
    ['LimitExceeded', 'Cannot exceed quota for RolesPerAccount: 1000', 'QuotaExceeded'],
    ['LimitExceededException', 'Limit exceeded', 'QuotaExceeded'],
    ['ResourceLimitExceededException', 'Fargate profile limit of 10 reached', 'QuotaExceeded'],
    ['AccessDenied', 'User is not authorized to perform: iam:CreateRole', 'AccessDenied'],
    ['AccessDeniedException', 'not authorized', 'AccessDenied'],
    ['UnauthorizedOperation', 'You are not authorized to perform this operation.', 'AccessDenied'],
    ['MalformedPolicyDocument', 'Syntax errors in policy.', 'InvalidPolicy'],
  ])('%s "%s" is terminal with reason %s', (name, message, reason) => {
    expect(classifyAwsError(sdkError(name, message, name === 'LimitExceeded' ? 409 : 400))).toEqual({
      kind: 'terminal',
      code: name,
      message,
      reason,
      httpStatusCode: name === 'LimitExceeded' ? 409 : 400,
    });
  });

  it('an unknown 4xx is terminal, an unknown error without an answer is retryable', () => {
    expect(classifyAwsError(sdkError('WeirdClientError', 'no', 400))).toMatchObject({ kind: 'terminal', reason: 'RequestRejected' });
    expect(classifyAwsError(new Error('socket hang up'))).toMatchObject({ kind: 'retryable', code: 'Error' });
  });

  it('IAM concurrent modification and delete conflicts are retried', () => {
    expect(classifyAwsError(sdkError('ConcurrentModification', 'busy', 409))).toMatchObject({ kind: 'retryable' });
    expect(classifyAwsError(sdkError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409))).toMatchObject({ kind: 'retryable' });
  });
});

describe('describeClassified', () => {
  it('is one line with the code, the message and the HTTP status', () => {
    expect(describeClassified({ code: 'MalformedPolicyDocument', message: 'Invalid principal\n  in policy', httpStatusCode: 400 })).toBe('MalformedPolicyDocument: Invalid principal in policy (HTTP 400)');
    expect(describeClassified({ code: 'ECONNRESET', message: 'socket hang up' })).toBe('ECONNRESET: socket hang up');
  });
});
