/**
 * Ways around the FargateCluster's guard rails that a review found, each closed: NotAction past an
 * inlinePolicyActions allow-list, ALB group and scheme through Ingress annotations, and wildcard
 * actions the broad-action check and the allow-list matcher missed.
 */
import { checkGuardRails } from '../../src/api/guard-rails.js';
import { allowingPattern, arnMatchesPattern, patternCovers } from '../../src/api/policy-arn-match.js';
import type { ClusterIamSpec, FargateCluster, FargateWorkload, WorkloadIngressSpec } from '../../src/api/types.js';
import { validate } from '../../src/api/validate.js';
import { childOfKind, planWorkload } from '../../src/plan/index.js';
import { operatorIngressAnnotations, RESERVED_INGRESS_ANNOTATIONS } from '../../src/api/ingress-annotations.js';
import { FACTS, makeCluster, makeWorkload } from './plan-fixtures.js';

const ALB = 'alb.ingress.kubernetes.io';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/app-boundary';

function clusterWithIam(iam: ClusterIamSpec): FargateCluster {
  return makeCluster({ iam: { rolePath: '/eksops/', ...iam } });
}

function withStatements(...Statement: Record<string, unknown>[]): FargateWorkload {
  return makeWorkload({ iam: { inlinePolicy: { Version: '2012-10-17', Statement } } });
}

function withIngress(ingress: Partial<WorkloadIngressSpec>): FargateWorkload {
  return makeWorkload({ ingress: { port: 8080, ...ingress } });
}

const paths = (w: FargateWorkload, c: FargateCluster): string[] => validate(w, c).map((p) => p.path);

describe('NotAction cannot get around inlinePolicyActions', () => {
  const listed = clusterWithIam({ allowInlinePolicies: true, inlinePolicyActions: ['s3:*'], allowBroadInlinePolicies: true });

  it('refuses an Allow with NotAction even when broad policies are allowed, saying to list the actions', () => {
    const problems = validate(withStatements({ Effect: 'Allow', NotAction: 's3:GetObject', Resource: '*' }), listed);
    expect(problems).toContainEqual({
      path: 'spec.iam.inlinePolicy.Statement[0].NotAction',
      message: expect.stringMatching(/inlinePolicyActions: s3:\*\) cannot confine it; list the actions the workload needs with Action/),
    });
  });

  it('says the same without allowBroadInlinePolicies: allowing broad policies would not help', () => {
    const strict = clusterWithIam({ allowInlinePolicies: true, inlinePolicyActions: ['s3:*'] });
    const problems = validate(withStatements({ Effect: 'Allow', NotAction: ['s3:GetObject'], Resource: '*' }), strict);
    expect(problems).toEqual([{ path: 'spec.iam.inlinePolicy.Statement[0].NotAction', message: expect.stringMatching(/with Action$/) }]);
  });

  it('still takes a Deny with NotAction, and NotResource on listed actions (no guard rail confines resources)', () => {
    const w = withStatements({ Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' });
    expect(validate(w, listed)).toEqual([]);
  });

  it('takes NotAction with broad policies when there is no allow-list, only the boundary', () => {
    const boundaryOnly = clusterWithIam({ allowInlinePolicies: true, permissionsBoundaryArn: BOUNDARY, allowBroadInlinePolicies: true });
    expect(validate(withStatements({ Effect: 'Allow', NotAction: 's3:GetObject', Resource: '*' }), boundaryOnly)).toEqual([]);
  });
});

describe('reserved Ingress annotations', () => {
  const anyAlb = makeCluster({ ingress: { allowedAnnotations: [`${ALB}/*`] } });

  it('refuses group.name and group.order through annotations, whatever allowedAnnotations says', () => {
    const w = withIngress({ annotations: { [`${ALB}/group.name`]: 'team-a', [`${ALB}/group.order`]: '-1000' } });
    const problems = validate(w, anyAlb);
    expect(problems).toContainEqual({ path: `spec.ingress.annotations["${ALB}/group.name"]`, message: expect.stringMatching(/is the operator.s, whatever spec\.ingress\.allowedAnnotations of FargateCluster prod says: use spec\.ingress\.groupName instead/) });
    expect(problems).toContainEqual({ path: `spec.ingress.annotations["${ALB}/group.order"]`, message: expect.stringMatching(/is the operator.s, .*: remove it/) });
  });

  it.each([
    ['scheme', 'internet-facing', /use spec\.ingress\.scheme/],
    ['listen-ports', '[{"HTTP":8080}]', /spec\.ingress\.certificateArn/],
    ['certificate-arn', 'arn:aws:acm:us-east-1:123456789012:certificate/x', /use spec\.ingress\.certificateArn/],
    ['ssl-redirect', '443', /spec\.ingress\.certificateArn/],
    ['healthcheck-path', '/healthz', /use spec\.ingress\.healthCheckPath/],
  ])('refuses %s, naming what to use instead', (key, value, message) => {
    const problems = validate(withIngress({ annotations: { [`${ALB}/${key}`]: value } }), anyAlb);
    expect(problems).toEqual([{ path: `spec.ingress.annotations["${ALB}/${key}"]`, message: expect.stringMatching(message) }]);
  });

  it('takes a reserved key set to the value the operator sets anyway, where allowedAnnotations allows it (workloads written before)', () => {
    const w = withIngress({ groupName: 'shop', annotations: { [`${ALB}/target-type`]: 'ip', [`${ALB}/group.name`]: 'shop' } });
    expect(validate(w, anyAlb)).toEqual([]);
    expect(validate(w, makeCluster()).map((p) => p.path)).toEqual([`spec.ingress.annotations["${ALB}/target-type"]`, `spec.ingress.annotations["${ALB}/group.name"]`]);
    // Another value is refused (the CRD's own rule says so too for target-type).
    expect(validate(withIngress({ annotations: { [`${ALB}/target-type`]: 'instance' } }), anyAlb)).toContainEqual({ path: `spec.ingress.annotations["${ALB}/target-type"]`, message: expect.stringMatching(/always sets ip/) });
  });

  it('still passes the annotations allowedAnnotations allows', () => {
    expect(validate(withIngress({ annotations: { [`${ALB}/wafv2-acl-arn`]: 'arn:aws:wafv2:x' } }), anyAlb)).toEqual([]);
  });

  it('reserves every key the planner writes, for the fullest ingress', () => {
    const written = operatorIngressAnnotations({ port: 8080, scheme: 'internal', certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x', healthCheckPath: '/h', groupName: 'shop' });
    for (const key of Object.keys(written)) expect(RESERVED_INGRESS_ANNOTATIONS.has(key)).toBe(true);
  });

  it('the planner never passes a reserved annotation through, even one its fields leave out', () => {
    const annotations = { [`${ALB}/group.name`]: 'team-a', [`${ALB}/group.order`]: '-1000', [`${ALB}/certificate-arn`]: 'arn:x', [`${ALB}/ssl-redirect`]: '443', [`${ALB}/healthcheck-path`]: '/x', [`${ALB}/wafv2-acl-arn`]: 'arn:aws:wafv2:x' };
    const ingress = childOfKind(planWorkload(withIngress({ annotations }), makeCluster(), FACTS).kubernetes, 'Ingress');
    expect(ingress?.metadata.annotations).toEqual({
      [`${ALB}/target-type`]: 'ip',
      [`${ALB}/scheme`]: 'internal',
      [`${ALB}/listen-ports`]: '[{"HTTP":80}]',
      [`${ALB}/wafv2-acl-arn`]: 'arn:aws:wafv2:x',
    });
  });
});

describe('wildcard actions', () => {
  const boundaryOnly = clusterWithIam({ allowInlinePolicies: true, permissionsBoundaryArn: BOUNDARY });

  it.each(['*', '**', '*?', '?*', '?', 'iam:*', 'iam:**', 'iam:?*', 'iam:*?', 'iam:?', '*:PassRole', 'i*', 'i?m:PassRole'])(
    'a boundary-only cluster refuses %s as broad',
    (action) => {
      const problems = checkGuardRails(withStatements({ Effect: 'Allow', Action: action, Resource: '*' }), boundaryOnly);
      expect(problems).toEqual([{ path: 'spec.iam.inlinePolicy.Statement[0].Action', message: expect.stringMatching(/; name the actions the workload needs/) }]);
    },
  );

  it.each(['s3:GetObject', 's3:Get*', 's3:GetObjec?', 'sqs:*Message'])('a boundary-only cluster takes %s', (action) => {
    expect(validate(withStatements({ Effect: 'Allow', Action: action, Resource: '*' }), boundaryOnly)).toEqual([]);
  });

  it('an allowed ? does not cover an action\'s *', () => {
    const listed = clusterWithIam({ allowInlinePolicies: true, inlinePolicyActions: ['s3:GetObjec?'], allowBroadInlinePolicies: true });
    expect(paths(withStatements({ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjec?', 's3:GetObjec*'], Resource: '*' }), listed)).toEqual(['spec.iam.inlinePolicy.Statement[0].Action[2]']);
  });

  it.each<[string, string, boolean]>([
    ['s3:GetObjec?', 's3:GetObjec*', false],
    ['s3:GetObjec?', 's3:GetObjec?', true],
    ['s3:GetObjec*', 's3:GetObjec*', true],
    ['s3:Get*', 's3:GetObjec?', true],
    ['s3:Get?*', 's3:Get*', false],
    ['s3:*', 's3:*', true],
    ['s3:?', 's3:*', false],
    ['s3:GetObject', 's3:GetObjec?', false],
  ])('pattern %s covers %s: %p', (pattern, value, expected) => {
    expect(patternCovers(pattern, value)).toBe(expected);
    expect(allowingPattern(value, [pattern]) !== undefined).toBe(expected);
  });

  it('a concrete ARN is still read literally, as IAM reads a request\'s resource', () => {
    // operator-policy asks whether IAM would let a write pattern reach the operator's own role.
    expect(arnMatchesPattern('arn:aws:iam::1:role/a*/me', 'arn:aws:iam::1:role/a?/*')).toBe(true);
  });
});
