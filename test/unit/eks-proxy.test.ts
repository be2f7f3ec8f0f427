import { errorResponse, faultError, resourceInUseError, restJsonAuthError } from '../../scripts/dev-env/eks-proxy/error-responses.js';
import { FaultSchedule, operationMatches, seededRandom } from '../../scripts/dev-env/eks-proxy/fault-schedule.js';
import { ProfileLifecycle } from '../../scripts/dev-env/eks-proxy/profile-lifecycle.js';
import { eksRoute, identifyRequest, requestTagKeys, requestTarget } from '../../scripts/dev-env/eks-proxy/request-identity.js';

const signed = (service: string, region = 'us-east-1') => ({
  authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
});
const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const none = Buffer.alloc(0);

describe('identifyRequest', () => {
  it('reads an EKS REST call: service and region from the credential scope, operation and names from the path', () => {
    const id = identifyRequest({ method: 'DELETE', url: '/clusters/demo/fargate-profiles/fw-shared-1', headers: signed('eks', 'eu-west-1'), body: none });
    expect(id).toEqual({
      service: 'eks',
      region: 'eu-west-1',
      operation: 'DeleteFargateProfile',
      protocol: 'rest-json',
      eks: { operation: 'DeleteFargateProfile', cluster: 'demo', profile: 'fw-shared-1' },
    });
  });

  it('reads the Action of IAM, STS and EC2 form-encoded calls', () => {
    const iam = identifyRequest({ method: 'POST', url: '/', headers: { ...signed('iam'), ...form }, body: Buffer.from('Action=GetRole&Version=2010-05-08&RoleName=x') });
    expect([iam.service, iam.operation, iam.protocol]).toEqual(['iam', 'GetRole', 'aws-query']);
    const sts = identifyRequest({ method: 'POST', url: '/', headers: { ...signed('sts'), ...form }, body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-15') });
    expect([sts.service, sts.operation, sts.protocol]).toEqual(['sts', 'GetCallerIdentity', 'aws-query']);
    const ec2 = identifyRequest({ method: 'POST', url: '/', headers: { ...signed('ec2'), ...form }, body: Buffer.from('Action=DescribeSubnets&Version=2016-11-15') });
    expect([ec2.service, ec2.operation, ec2.protocol]).toEqual(['ec2', 'DescribeSubnets', 'ec2-query']);
  });

  it('reads an Action from the query string and an X-Amz-Target operation', () => {
    expect(identifyRequest({ method: 'GET', url: '/?Action=ListRoles&Version=2010-05-08', headers: signed('iam'), body: none }).operation).toBe('ListRoles');
    const json = identifyRequest({ method: 'POST', url: '/', headers: { ...signed('logs'), 'x-amz-target': 'Logs_20140328.CreateLogGroup' }, body: Buffer.from('{}') });
    expect([json.service, json.operation, json.protocol]).toEqual(['logs', 'CreateLogGroup', 'aws-json']);
  });

  it('does not read Action from a body that is not form-encoded', () => {
    const id = identifyRequest({ method: 'POST', url: '/clusters/demo/fargate-profiles', headers: { ...signed('eks'), 'content-type': 'application/json' }, body: Buffer.from('Action=X') });
    expect(id.operation).toBe('CreateFargateProfile');
  });

  it('names an unknown call by method and path, and an unsigned one as service unknown', () => {
    const id = identifyRequest({ method: 'GET', url: '/moto-api/?x=1', headers: {}, body: none });
    expect([id.service, id.operation]).toEqual(['unknown', 'GET /moto-api/']);
  });
});

describe('eksRoute', () => {
  it.each([
    ['POST', '/clusters', 'CreateCluster', undefined, undefined],
    ['GET', '/clusters/demo', 'DescribeCluster', 'demo', undefined],
    ['POST', '/clusters/demo/fargate-profiles', 'CreateFargateProfile', 'demo', undefined],
    ['GET', '/clusters/demo/fargate-profiles', 'ListFargateProfiles', 'demo', undefined],
    ['GET', '/clusters/demo/fargate-profiles/p%201', 'DescribeFargateProfile', 'demo', 'p 1'],
    ['GET', '/clusters/demo/node-groups/ng', 'DescribeNodegroup', 'demo', undefined],
    ['GET', '/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A1%3Acluster%2Fdemo', 'ListTagsForResource', undefined, undefined],
  ])('%s %s is %s', (method, path, operation, cluster, profile) => {
    const route = eksRoute(method, path);
    expect(route?.operation).toBe(operation);
    expect(route?.cluster).toBe(cluster);
    expect(route?.profile).toBe(profile);
  });

  it('knows no PUT on a profile', () => {
    expect(eksRoute('PUT', '/clusters/demo/fargate-profiles/p')).toBeUndefined();
  });
});

describe('fault schedule', () => {
  it('matches operations by name, by service wildcard and by service and name', () => {
    expect(operationMatches(undefined, 'iam', 'GetRole')).toBe(true);
    expect(operationMatches('GetRole', 'iam', 'GetRole')).toBe(true);
    expect(operationMatches('GetRole', 'iam', 'CreateRole')).toBe(false);
    expect(operationMatches('eks:*', 'eks', 'DescribeCluster')).toBe(true);
    expect(operationMatches('eks:*', 'iam', 'GetRole')).toBe(false);
    expect(operationMatches('iam:GetRole', 'iam', 'GetRole')).toBe(true);
    expect(operationMatches('iam:GetRole', 'sts', 'GetRole')).toBe(false);
  });

  it('injects on the first N matching calls only, leaving other operations alone', () => {
    const schedule = new FaultSchedule([{ operation: 'CreateFargateProfile', kind: 'throttle', count: 2 }]);
    expect(schedule.decide({ service: 'eks', operation: 'DescribeCluster' })?.kind).toBeUndefined();
    expect(schedule.decide({ service: 'eks', operation: 'CreateFargateProfile' })?.kind).toBe('throttle');
    expect(schedule.decide({ service: 'eks', operation: 'CreateFargateProfile' })?.kind).toBe('throttle');
    expect(schedule.decide({ service: 'eks', operation: 'CreateFargateProfile' })?.kind).toBeUndefined();
  });

  it('a rule with requestContains injects only on calls whose request names that text (one role)', () => {
    const schedule = new FaultSchedule([{ operation: 'iam:CreateRole', requestContains: 'RoleName=demo-a-', kind: 'hang' }]);
    expect(schedule.decide({ service: 'iam', operation: 'CreateRole', request: '/\nAction=CreateRole&RoleName=demo-b-1f2e' })?.kind).toBeUndefined();
    expect(schedule.decide({ service: 'iam', operation: 'CreateRole', request: '/\nAction=CreateRole&RoleName=demo-a-9c8d' })?.kind).toBe('hang');
    expect(schedule.decide({ service: 'iam', operation: 'GetRole', request: '/\nAction=GetRole&RoleName=demo-a-9c8d' })?.kind).toBeUndefined();
  });

  it('lets the next rule decide once the first is used up', () => {
    const schedule = new FaultSchedule([
      { operation: 'eks:*', kind: 'throttle', count: 1 },
      { operation: 'eks:*', kind: 'server-error', count: 1 },
    ]);
    expect([schedule.decide({ service: 'eks', operation: 'A' })?.kind, schedule.decide({ service: 'eks', operation: 'B' })?.kind, schedule.decide({ service: 'eks', operation: 'C' })?.kind]).toEqual(['throttle', 'server-error', undefined]);
  });

  it('injects a seeded share of calls for a rate, the same for the same seed', () => {
    const pattern = (seed: number) => {
      const schedule = new FaultSchedule([{ kind: 'server-error', rate: 0.3 }], seed);
      return Array.from({ length: 1000 }, () => schedule.decide({ service: 'iam', operation: 'GetRole' })?.kind);
    };
    const injected = pattern(7).filter((kind) => kind === 'server-error').length;
    expect(injected).toBeGreaterThan(240);
    expect(injected).toBeLessThan(360);
    expect(pattern(7)).toEqual(pattern(7));
    expect(pattern(8)).not.toEqual(pattern(7));
  });

  it('addresses one call by operation and occurrence, or by its index among write calls', () => {
    const byOccurrence = new FaultSchedule([{ operation: 'iam:CreateRole', occurrence: 2, kind: 'lost-response' }]);
    const seen = ['CreateRole', 'GetRole', 'CreateRole', 'CreateRole'].map((operation) => byOccurrence.decide({ service: 'iam', operation, write: operation !== 'GetRole' })?.kind);
    expect(seen).toEqual([undefined, undefined, 'lost-response', undefined]);

    const byWrite = new FaultSchedule([{ writeIndex: 3, kind: 'crash-after', killProcessGroup: 42 }]);
    const calls = [
      { service: 'iam', operation: 'CreateRole', write: true },
      { service: 'iam', operation: 'GetRole', write: false },
      { service: 'iam', operation: 'AttachRolePolicy', write: true },
      { service: 'eks', operation: 'DescribeFargateProfile', write: false },
      { service: 'eks', operation: 'CreateFargateProfile', write: true },
      { service: 'eks', operation: 'TagResource', write: true },
    ];
    const decided = calls.map((call) => byWrite.decide(call));
    expect(decided.map((rule) => rule?.kind)).toEqual([undefined, undefined, undefined, undefined, 'crash-after', undefined]);
    expect(decided[4]?.killProcessGroup).toBe(42);
  });

  it('counts an occurrence per rule, whatever the rules before it decide', () => {
    const schedule = new FaultSchedule([
      { operation: 'iam:*', kind: 'throttle', count: 1 },
      { operation: 'iam:CreateRole', occurrence: 1, kind: 'lost-response' },
    ]);
    // The first CreateRole is throttled by the first rule; it is still the second rule's first occurrence.
    expect(schedule.decide({ service: 'iam', operation: 'CreateRole', write: true })?.kind).toBe('throttle');
    expect(schedule.decide({ service: 'iam', operation: 'CreateRole', write: true })?.kind).toBeUndefined();
  });

  it('draws numbers in [0, 1)', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 1000 }, random);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe('requestTarget', () => {
  const targetOf = (method: string, url: string, headers: Record<string, string>, body = '') => {
    const parts = { method, url, headers, body: Buffer.from(body) };
    return requestTarget(parts, identifyRequest(parts));
  };

  it('names the IAM role or OIDC provider, the EKS cluster or profile, and nothing for an EC2 describe', () => {
    expect(targetOf('POST', '/', { ...signed('iam'), ...form }, 'Action=GetRole&RoleName=demo-shop-web')).toBe('demo-shop-web');
    expect(targetOf('POST', '/', { ...signed('iam'), ...form }, 'Action=DeleteOpenIDConnectProvider&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A1%3Aoidc-provider%2Fx')).toBe('arn:aws:iam::1:oidc-provider/x');
    expect(targetOf('GET', '/clusters/demo/fargate-profiles/fw-shop', signed('eks'))).toBe('demo/fw-shop');
    expect(targetOf('GET', '/clusters/demo', signed('eks'))).toBe('demo');
    expect(targetOf('POST', '/', { ...signed('ec2'), ...form }, 'Action=DescribeSubnets&SubnetId.1=subnet-1')).toBeUndefined();
  });
});

describe('requestTagKeys', () => {
  it('reads the tag keys of IAM, EC2 and EKS requests, and none from a request without tags', () => {
    const iamBody = Buffer.from('Action=CreateRole&RoleName=r&Tags.member.1.Key=fargate.eksops.dev%2Fcluster&Tags.member.1.Value=c&Tags.member.2.Key=team&Tags.member.2.Value=x');
    expect(requestTagKeys({ method: 'POST', url: '/', headers: { ...signed('iam'), ...form }, body: iamBody })).toEqual(['fargate.eksops.dev/cluster', 'team']);
    const ec2Body = Buffer.from('Action=CreateSecurityGroup&TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=owner&TagSpecification.1.Tag.1.Value=x');
    expect(requestTagKeys({ method: 'POST', url: '/', headers: { ...signed('ec2'), ...form }, body: ec2Body })).toEqual(['owner']);
    const eksBody = Buffer.from(JSON.stringify({ fargateProfileName: 'p', tags: { 'fargate.eksops.dev/cluster': 'c' } }));
    expect(requestTagKeys({ method: 'POST', url: '/clusters/c/fargate-profiles', headers: { ...signed('eks'), 'content-type': 'application/json' }, body: eksBody })).toEqual(['fargate.eksops.dev/cluster']);
    expect(requestTagKeys({ method: 'GET', url: '/?Action=GetRole&RoleName=r', headers: signed('iam'), body: none })).toEqual([]);
    expect(requestTagKeys({ method: 'GET', url: '/clusters/c', headers: signed('eks'), body: none })).toEqual([]);
    expect(requestTagKeys({ method: 'POST', url: '/clusters', headers: signed('eks'), body: Buffer.from('{not json') })).toEqual([]);
  });
});

describe('error responses', () => {
  it('puts EKS errors in the x-amzn-ErrorType header with a JSON message', () => {
    const response = errorResponse('rest-json', 'eks', faultError('throttle', 'rest-json', 'eks'));
    expect(response.status).toBe(429);
    expect(response.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(JSON.parse(response.body)).toEqual({ message: 'Rate exceeded' });
  });

  it('writes IAM throttling as a Sender Throttling ErrorResponse with status 400', () => {
    const response = errorResponse('aws-query', 'iam', faultError('throttle', 'aws-query', 'iam'));
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>Throttling<\/Code>/);
  });

  it('writes EC2 throttling as RequestLimitExceeded in a Response/Errors document with status 503', () => {
    const response = errorResponse('ec2-query', 'ec2', faultError('throttle', 'ec2-query', 'ec2'));
    expect(response.status).toBe(503);
    expect(response.body).toContain('<Response><Errors><Error><Code>RequestLimitExceeded</Code>');
  });

  it('uses each service own server error code', () => {
    expect(faultError('server-error', 'rest-json', 'eks')).toMatchObject({ status: 500, code: 'ServerException' });
    expect(faultError('server-error', 'aws-query', 'iam')).toMatchObject({ status: 500, code: 'ServiceFailure' });
    expect(faultError('server-error', 'ec2-query', 'ec2')).toMatchObject({ status: 500, code: 'InternalError' });
    expect(faultError('server-error', 'aws-query', 'sts')).toMatchObject({ status: 500, code: 'InternalFailure' });
    expect(errorResponse('aws-query', 'sts', faultError('server-error', 'aws-query', 'sts')).body).toContain('<Type>Receiver</Type>');
  });

  it('writes an aws-json error with __type', () => {
    expect(JSON.parse(errorResponse('aws-json', 'logs', faultError('throttle', 'aws-json', 'logs')).body)).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it("puts moto's XML refusal of an EKS call in EKS's shape, code by code", () => {
    const moto = (code: string, message: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>${code}</Code><Message>${message}</Message><Type>Sender</Type></Error></Errors></ErrorResponse>`;
    const denied = restJsonAuthError(403, moto('AccessDenied', 'User: arn:aws:iam::123456789012:user/op is not authorized to perform: eks:DescribeCluster'));
    expect(denied?.status).toBe(403);
    expect(denied?.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(denied?.body ?? '')).toEqual({ message: 'User: arn:aws:iam::123456789012:user/op is not authorized to perform: eks:DescribeCluster' });
    expect(restJsonAuthError(403, moto('InvalidClientTokenId', 'The security token included in the request is invalid.'))?.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
    expect(restJsonAuthError(403, moto('SignatureDoesNotMatch', 'a &amp; b'))).toMatchObject({ headers: { 'x-amzn-errortype': 'InvalidSignatureException' }, body: JSON.stringify({ message: 'a & b' }) });
  });

  it('leaves other answers alone: success, a JSON 403, an unknown code', () => {
    expect(restJsonAuthError(200, '<ok/>')).toBeUndefined();
    expect(restJsonAuthError(403, '{"message":"denied"}')).toBeUndefined();
    expect(restJsonAuthError(403, '<ErrorResponse><Errors><Error><Code>Other</Code></Error></Errors></ErrorResponse>')).toBeUndefined();
  });

  it('words ResourceInUseException as EKS does', () => {
    expect(resourceInUseError('create', 'p2', 'demo', 'p1', 'CREATING')).toEqual({
      status: 409,
      code: 'ResourceInUseException',
      message: 'Cannot create Fargate Profile p2 because cluster demo currently has Fargate profile p1 in status CREATING',
    });
    expect(resourceInUseError('delete', 'p2', 'demo', 'p1', 'DELETING').message).toBe(
      'Cannot delete Fargate Profile p2 because cluster demo currently has Fargate profile p1 in status DELETING',
    );
  });
});

describe('profile lifecycle', () => {
  it('keeps a created profile CREATING until its time, blocking the cluster meanwhile', () => {
    const lifecycle = new ProfileLifecycle();
    lifecycle.startCreating('us-east-1/demo', 'p1', 1000);
    expect(lifecycle.inFlight('us-east-1/demo', 999)).toEqual({ profile: 'p1', status: 'CREATING' });
    expect(lifecycle.statusOf('us-east-1/demo', 'p1', 999)).toBe('CREATING');
    expect(lifecycle.statusOf('us-east-1/demo', 'p2', 999)).toBeUndefined();
    expect(lifecycle.inFlight('us-east-1/other', 999)).toBeUndefined();
    expect(lifecycle.inFlight('us-east-1/demo', 1000)).toBeUndefined();
    expect(lifecycle.statusOf('us-east-1/demo', 'p1', 1000)).toBeUndefined();
  });

  it('keeps a deleted profile DELETING until released, whatever the clock says', () => {
    const lifecycle = new ProfileLifecycle();
    lifecycle.startDeleting('us-east-1/demo', 'p1');
    expect(lifecycle.inFlight('us-east-1/demo', Number.MAX_SAFE_INTEGER)).toEqual({ profile: 'p1', status: 'DELETING' });
    lifecycle.release('us-east-1/demo', 'p2');
    expect(lifecycle.statusOf('us-east-1/demo', 'p1', 0)).toBe('DELETING');
    lifecycle.release('us-east-1/demo', 'p1');
    expect(lifecycle.inFlight('us-east-1/demo', 0)).toBeUndefined();
  });
});
