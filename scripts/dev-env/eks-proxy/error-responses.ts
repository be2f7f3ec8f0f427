import { randomUUID } from 'node:crypto';
import type { FaultKind } from './fault-schedule.js';
import type { WireProtocol } from './request-identity.js';

/** A complete HTTP answer the proxy writes itself. */
export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An AWS error as a status, a code and a message, before it is put into a protocol's shape. */
export interface AwsError {
  status: number;
  code: string;
  message: string;
}

// Query-protocol error documents carry the service's XML namespace.
const QUERY_NAMESPACES: Record<string, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The error as the service would put it on the wire, so that the SDK parses the same `name` and
 * classifies it (throttling, transient) the same way: rest-json reads the `x-amzn-ErrorType`
 * header, aws-json `__type`, the query protocols `<Error><Code>`.
 */
export function errorResponse(protocol: WireProtocol, service: string, error: AwsError, extra: Record<string, unknown> = {}): ProxyResponse {
  const requestId = randomUUID();
  switch (protocol) {
    case 'rest-json':
      return {
        status: error.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ ...extra, message: error.message }),
      };
    case 'aws-json':
      return {
        status: error.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    case 'ec2-query':
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<Response><Errors><Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'aws-query': {
      const namespace = QUERY_NAMESPACES[service] ?? `https://${service}.amazonaws.com/doc/`;
      const type = error.status >= 500 ? 'Receiver' : 'Sender';
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${error.code}</Code>` +
          `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}

/**
 * The error a service answers when it throttles or fails, with the code and status real AWS uses
 * for that service: EKS `ThrottlingException` 429 / `ServerException` 500, IAM and STS
 * `Throttling` 400 / `ServiceFailure` / `InternalFailure` 500, EC2 `RequestLimitExceeded` 503 (EC2
 * answers throttling with 503 Service Unavailable) / `InternalError` 500.
 */
export function faultError(kind: Extract<FaultKind, 'throttle' | 'server-error'>, protocol: WireProtocol, service: string): AwsError {
  if (kind === 'throttle') {
    if (protocol === 'ec2-query') return { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' };
    if (protocol === 'aws-query') return { status: 400, code: 'Throttling', message: 'Rate exceeded' };
    return { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' };
  }
  if (protocol === 'ec2-query') return { status: 500, code: 'InternalError', message: 'An internal error has occurred' };
  if (service === 'iam') return { status: 500, code: 'ServiceFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' };
  if (service === 'eks') return { status: 500, code: 'ServerException', message: 'An internal service error occurred.' };
  return { status: 500, code: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' };
}

/** The two Fargate profile operations EKS runs one at a time per cluster. */
export type ProfileAction = 'create' | 'delete';

/**
 * EKS's answer to a profile create or delete while another profile of the cluster is still
 * CREATING or DELETING: HTTP 409 `ResourceInUseException` with the message EKS writes.
 */
export function resourceInUseError(action: ProfileAction, profile: string, cluster: string, busyProfile: string, busyStatus: string): AwsError {
  const verb = action === 'create' ? 'create' : 'delete';
  return {
    status: 409,
    code: 'ResourceInUseException',
    message: `Cannot ${verb} Fargate Profile ${profile} because cluster ${cluster} currently has Fargate profile ${busyProfile} in status ${busyStatus}`,
  };
}

/**
 * The codes REST JSON services such as EKS answer a refused request with (HTTP 403), for the
 * codes moto's IAM enforcement writes. moto answers every service in the IAM query shape.
 */
const REST_JSON_AUTH_CODES: Record<string, string> = {
  AccessDenied: 'AccessDeniedException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
};

function xmlText(document: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(document);
  return match?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/**
 * moto's answer to a REST JSON call its IAM enforcement refused (an XML `ErrorResponse`, which the
 * SDK cannot parse as EKS's error), put in the shape EKS uses: the `x-amzn-ErrorType` header
 * with `AccessDeniedException` and the message. Undefined for any other answer.
 */
export function restJsonAuthError(status: number, body: string): ProxyResponse | undefined {
  if (status !== 403 || !body.trimStart().startsWith('<')) return undefined;
  const code = REST_JSON_AUTH_CODES[xmlText(body, 'Code') ?? ''];
  if (!code) return undefined;
  return errorResponse('rest-json', 'eks', { status, code, message: xmlText(body, 'Message') ?? code });
}

/**
 * EKS's answer to a create whose `clientRequestToken` was already used with other parameters.
 * EKS documents the token as what makes a retried request idempotent; this is the
 * `InvalidParameterException` such a reuse gets.
 */
export function tokenReusedError(token: string): AwsError {
  return { status: 400, code: 'InvalidParameterException', message: `The client request token ${token} was already used with different request parameters` };
}
