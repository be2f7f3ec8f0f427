import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { PolicyNotFoundError, SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import { deadlineRequestHandler } from '../../src/aws/call-deadline.js';
import { IAM_PROPAGATION_WINDOW_MS } from '../../src/aws/error-classifier.js';
import { kubeApiErrorSummary } from '../../src/kube/api-error.js';
import { refusedChild } from '../../src/operator/workload/children-part.js';
import { convergeRole } from '../../src/operator/workload/iam-role-part.js';
import { childChangeMatters, intentDigest } from '../../src/operator/event-filters.js';
import { describeReconcileFailure, retryingState } from '../../src/operator/reconcile-failure.js';
import type { IrsaRolePlan } from '../../src/plan/index.js';

function awsError(name: string, message: string, status: number, operation?: string): Error {
  const err = Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
  if (operation) Object.defineProperty(err, '$operation', { value: operation, enumerable: false });
  return err;
}

/** A client-node ApiException as the generated clients throw it: the Status body as text, headers attached. */
function apiException(code: number, status: object): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ...\nHeaders: {"audit-id":"x"}`), {
    code,
    body: JSON.stringify(status),
    headers: { 'audit-id': 'x' },
  });
}

describe('describeReconcileFailure', () => {
  it('names the AWS call, its error code and HTTP status in one line, with the error class as reason', () => {
    const failure = describeReconcileFailure(awsError('ThrottlingException', 'Rate exceeded\n(try later)', 400, 'iam:AttachRolePolicy'));
    expect(failure).toEqual({ reason: 'Throttling', source: 'aws', message: 'AWS iam:AttachRolePolicy failed: ThrottlingException: Rate exceeded (try later) (HTTP 400)' });
  });

  it('reads a Kubernetes Status instead of dumping the exception with its headers', () => {
    const failure = describeReconcileFailure(apiException(503, { kind: 'Status', reason: 'ServiceUnavailable', message: 'etcdserver: leader changed' }));
    expect(failure).toEqual({ reason: 'KubernetesAPIError', source: 'kubernetes', message: 'Kubernetes API request failed: HTTP 503 ServiceUnavailable: etcdserver: leader changed' });
    expect(failure.message).not.toContain('audit-id');
  });

  it('a hung call that hit its deadline reads as Timeout', () => {
    const timeout = Object.assign(new Error('a request has exceeded the configured 300 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(describeReconcileFailure(timeout)).toMatchObject({ reason: 'Timeout', source: 'aws' });
  });

  it('retryingState says when the retry comes', () => {
    const state = retryingState({ reason: 'Throttling', message: 'AWS iam:GetRole failed: Throttling: Rate exceeded', source: 'aws' }, 2_500, new Date('2026-12-02T10:00:00.000Z'));
    expect(state).toEqual({ state: 'Reconciling', reason: 'Throttling', message: 'AWS iam:GetRole failed: Throttling: Rate exceeded; retrying in 2.5 s (at 2026-12-02T10:00:02Z)' });
  });
});

describe('kubeApiErrorSummary', () => {
  it('takes the code, reason, message and field paths of a 422', () => {
    const summary = kubeApiErrorSummary(
      apiException(422, {
        kind: 'Status',
        reason: 'Invalid',
        message: 'Deployment.apps "web" is invalid: spec.template.spec.containers[1].name: Duplicate value: "web"',
        details: { causes: [{ field: 'spec.template.spec.containers[1].name', message: 'Duplicate value: "web"' }] },
      }),
    );
    expect(summary).toEqual({
      code: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "web" is invalid: spec.template.spec.containers[1].name: Duplicate value: "web"',
      fields: ['spec.template.spec.containers[1].name'],
    });
  });

  it('is undefined for an error that is not an API error', () => {
    expect(kubeApiErrorSummary(new Error('socket hang up'))).toBeUndefined();
  });
});

describe('refusedChild', () => {
  const invalid = apiException(422, { kind: 'Status', reason: 'Invalid', message: 'Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never"', details: { causes: [{ field: 'spec.template.spec.restartPolicy' }] } });

  it('a 422 on the Deployment stalls WorkloadAvailable with InvalidSpec, the server message and the field path', () => {
    expect(refusedChild('Deployment', 'web', invalid)).toEqual({
      stalled: true,
      condition: {
        type: 'WorkloadAvailable',
        status: 'False',
        reason: 'InvalidSpec',
        message:
          'the API server refused Deployment web: HTTP 422 Invalid: Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never" (fields: spec.template.spec.restartPolicy); correct spec.template (or the field named) in the FargateWorkload',
      },
    });
  });

  it('an Ingress refusal shows on IngressReady; a conflict or server error is not a refusal', () => {
    expect(refusedChild('Ingress', 'web', apiException(400, { message: 'bad' }))?.condition.type).toBe('IngressReady');
    expect(refusedChild('Deployment', 'web', apiException(409, { reason: 'Conflict', message: 'conflict' }))).toBeUndefined();
    expect(refusedChild('Deployment', 'web', apiException(500, { message: 'oops' }))).toBeUndefined();
  });
});

/** The IRSA role shop/web plans, with these policies and tags. */
function rolePlan(managedPolicyArns: string[], tags: Record<string, string>): IrsaRolePlan {
  return {
    managed: true,
    name: 'prod-shop-web-1b2c',
    managedRoleName: 'prod-shop-web-1b2c',
    path: '/eksops/',
    arn: 'arn:aws:iam::123456789012:role/eksops/prod-shop-web-1b2c',
    trustPolicy: { Version: '2012-10-17', Statement: [] },
    managedPolicyArns,
    inlinePolicyName: 'eksops-inline',
    tags,
    serviceAccountName: 'web',
  };
}

describe('a managed policy that does not exist', () => {
  const MISSING = 'arn:aws:iam::123456789012:policy/app-missing';
  const plan = rolePlan([MISSING], { 'fargate.eksops.dev/cluster': 'prod', 'fargate.eksops.dev/namespace': 'shop', 'fargate.eksops.dev/name': 'web' });

  /** An IAM client that knows no role and no policy: CreateRole works, AttachRolePolicy answers NoSuchEntity. */
  function iamWithoutPolicies(): { client: IAMClient; sent: string[] } {
    const sent: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name;
        sent.push(name);
        if (name === 'GetRoleCommand' || name === 'ListAttachedRolePoliciesCommand') throw awsError('NoSuchEntityException', 'The role cannot be found.', 404);
        if (name === 'CreateRoleCommand') return { Role: { Arn: plan.arn, Path: plan.path } };
        if (name === 'AttachRolePolicyCommand') throw awsError('NoSuchEntityException', `Policy ${String(command.input.PolicyArn)} does not exist or is not attachable.`, 404);
        throw new Error(`unexpected ${name}`);
      },
    } as unknown as IAMClient;
    return { client, sent };
  }

  it('the role store names the policy in a terminal PolicyNotFoundError', async () => {
    const { client } = iamWithoutPolicies();
    const store = new SdkIamRoleStore(client);
    const error = await store.createRole(plan).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PolicyNotFoundError);
    expect(error).toMatchObject({ policyArn: MISSING, use: 'managed', retryable: false });
  });

  it('the role part stalls IAMRoleReady with PolicyNotFound naming the ARN and the field to fix, and records a Warning', async () => {
    const { client, sent } = iamWithoutPolicies();
    const events: string[] = [];
    const result = await convergeRole({ roles: new SdkIamRoleStore(client), plan, adopt: false, event: (type, reason) => events.push(`${type} ${reason}`) });
    expect(result.report).toMatchObject({ stalled: true, condition: { type: 'IAMRoleReady', status: 'False', reason: 'PolicyNotFound' } });
    expect(result.report.condition.message).toContain(MISSING);
    expect(result.report.condition.message).toContain('spec.iam.managedPolicyArns');
    expect(events).toEqual(['Warning PolicyNotFound']);
    expect(sent).toEqual(['GetRoleCommand', 'CreateRoleCommand', 'AttachRolePolicyCommand']);
  });
});

describe('IAM propagation window, fed with the OIDC provider\'s age', () => {
  const plan = rolePlan([], {});
  /** IAM that refuses CreateRole because the trust policy's OIDC provider is not visible (yet). */
  const refusingIam = {
    send: async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'GetRoleCommand') throw awsError('NoSuchEntityException', 'The role cannot be found.', 404);
      throw awsError('MalformedPolicyDocumentException', 'Invalid principal in policy: "Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"', 400);
    },
  } as unknown as IAMClient;

  it('a provider created seconds ago: the error is thrown to be retried, with no Warning event', async () => {
    const events: string[] = [];
    const error = await convergeRole({ roles: new SdkIamRoleStore(refusingIam), plan, adopt: false, event: (_t, reason) => events.push(reason), oidcProviderAgeMs: async () => 5_000 }).catch((err: unknown) => err);
    expect(describeReconcileFailure(error).reason).toBe('IamPropagation');
    expect(events).toEqual([]);
  });

  it('a provider older than the window: the answer is meant, IAMRoleReady stalls InvalidPolicy with a Warning', async () => {
    const events: string[] = [];
    const result = await convergeRole({ roles: new SdkIamRoleStore(refusingIam), plan, adopt: false, event: (_t, reason) => events.push(reason), oidcProviderAgeMs: async () => IAM_PROPAGATION_WINDOW_MS + 1 });
    expect(result.report).toMatchObject({ stalled: true, condition: { reason: 'InvalidPolicy' } });
    expect(events).toEqual(['IAMRoleFailed']);
  });
});

describe('AWS call deadline', () => {
  let server: Server;
  let endpoint: string;
  const held: Array<() => void> = [];
  let arrived: (() => void) | undefined;

  beforeAll(async () => {
    // Answers nothing until the test ends: a hung AWS endpoint.
    server = createServer((_request, response) => {
      held.push(() => response.destroy());
      arrived?.();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    held.forEach((release) => release());
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function client(timeoutMs: number, signal?: AbortSignal): IAMClient {
    return new IAMClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: deadlineRequestHandler({ timeoutMs, ...(signal ? { signal } : {}) }),
    });
  }

  it('fails a call that gets no answer with a TimeoutError after its deadline', async () => {
    const iam = client(300);
    const started = Date.now();
    const error = await iam.send(new GetRoleCommand({ RoleName: 'x' })).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(describeReconcileFailure(error).reason).toBe('Timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    iam.destroy();
  });

  it('aborts a call in flight when the operator signal fires, long before the deadline', async () => {
    const stop = new AbortController();
    const iam = client(60_000, stop.signal);
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = iam.send(new GetRoleCommand({ RoleName: 'x' })).catch((err: unknown) => err);
    // Abort once the request has reached the server.
    await reached;
    stop.abort(new Error('leadership lost'));
    const error = await pending;
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(describeReconcileFailure(error).reason).toBe('Aborted');
    iam.destroy();
  });
});

describe('informer events worth a reconcile', () => {
  const workload = (generation: number, status: string, annotations: Record<string, string> = {}) => ({ metadata: { name: 'web', generation, annotations, resourceVersion: status }, status: { message: status } });

  it("the operator's own status write does not wake the object (the failure's backoff holds); a spec, annotation or deletion does", () => {
    expect(intentDigest(workload(3, 'retrying in 1 s'))).toBe(intentDigest(workload(3, 'retrying in 2 s')));
    expect(intentDigest(workload(4, 'x'))).not.toBe(intentDigest(workload(3, 'x')));
    expect(intentDigest(workload(3, 'x', { 'fargate.eksops.dev/adopt': 'true' }))).not.toBe(intentDigest(workload(3, 'x')));
  });

  it("a child's status change wakes the workload only for the kinds whose status it reads", () => {
    const hpa = (current: number, min = 2) => ({ kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', resourceVersion: String(current) }, spec: { minReplicas: min }, status: { currentReplicas: current } });
    expect(childChangeMatters('HorizontalPodAutoscaler', hpa(2), hpa(3))).toBe(false);
    expect(childChangeMatters('HorizontalPodAutoscaler', hpa(2), hpa(3, 1))).toBe(true);
    const deployment = (available: number) => ({ kind: 'Deployment', metadata: { name: 'web', resourceVersion: String(available) }, status: { availableReplicas: available } });
    expect(childChangeMatters('Deployment', deployment(1), deployment(2))).toBe(true);
    expect(childChangeMatters('Service', undefined, hpa(1))).toBe(true);
  });
});
