/** The AWS half of the plan: pod execution role, Fargate profile and IRSA role, field by field. */
import { PROFILE_LABEL, TAG_CLUSTER, TAG_COMPONENT, TAG_DELETION_POLICY, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../../src/api/constants.js';
import {
  planFargateProfile,
  planIrsaRole,
  planPodExecutionRole,
  planWorkload,
  type PolicyStatement,
} from '../../src/plan/index.js';
import { hashedName, IAM_ROLE_NAME_RULES } from '../../src/plan/names.js';
import { shortHash } from '../../src/plan/hash.js';
import { irsaRoleName } from '../../src/plan/irsa-role.js';
import { executionRoleNames } from '../../src/plan/pod-execution-role.js';
import { ACCOUNT, FACTS, ISSUER_HOST_PATH, makeCluster, makeWorkload } from './plan-fixtures.js';

const EXEC_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/prod-us-east-1-fargate-pod-execution`;
const IAM_NAME = /^[\w+=,.@-]+$/;
const PROFILE_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]*$/;
const LONG = 'a'.repeat(63);

function onlyStatement(doc: { Statement: PolicyStatement[] }): PolicyStatement {
  expect(doc.Statement).toHaveLength(1);
  return doc.Statement[0]!;
}

describe('pod execution role', () => {
  it('is named after the cluster and its region, at path "/", with the Fargate managed policy', () => {
    const role = planPodExecutionRole(makeCluster(), FACTS);
    expect(role.managed).toBe(true);
    expect(role.name).toBe('prod-us-east-1-fargate-pod-execution');
    expect(role.path).toBe('/');
    expect(role.arn).toBe(EXEC_ROLE_ARN);
    expect(role.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
    expect(role.tags).toEqual({ [TAG_CLUSTER]: 'prod', [TAG_COMPONENT]: 'execution-role' });
  });

  it('trusts only Fargate pods of this cluster through aws:SourceArn', () => {
    const trust = planPodExecutionRole(makeCluster(), FACTS).trustPolicy;
    expect(trust.Version).toBe('2012-10-17');
    const statement = onlyStatement(trust);
    expect(statement.Effect).toBe('Allow');
    expect(statement.Principal).toEqual({ Service: 'eks-fargate-pods.amazonaws.com' });
    expect(statement.Action).toBe('sts:AssumeRole');
    expect(statement.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': `arn:aws:eks:us-east-1:${ACCOUNT}:fargateprofile/prod/*` },
    });
  });

  it('has no inline policy without logging', () => {
    expect(planPodExecutionRole(makeCluster(), FACTS).inlinePolicy).toBeUndefined();
  });

  it('may write the cluster log group when logging is on', () => {
    const cluster = makeCluster({ logging: { cloudWatch: { logGroupName: '/eks/prod/fargate' } } });
    const policy = planPodExecutionRole(cluster, FACTS).inlinePolicy;
    expect(policy?.Version).toBe('2012-10-17');
    const statement = onlyStatement(policy!);
    expect(statement.Effect).toBe('Allow');
    expect([...(statement.Action as string[])].sort()).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
      'logs:PutRetentionPolicy',
    ]);
    const group = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/eks/prod/fargate`;
    const routerGroup = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:prod-fluent-bit-logs`;
    expect(statement.Resource).toEqual([group, `${group}:*`, routerGroup, `${routerGroup}:*`]);
  });

  it('is not managed when the cluster names its own role', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/platform/fargate-exec`;
    const role = planPodExecutionRole(makeCluster({ podExecutionRole: { arn } }), FACTS);
    expect(role.managed).toBe(false);
    expect(role.arn).toBe(arn);
    expect(role.name).toBe('fargate-exec');
    expect(role.path).toBe('/platform/');
  });

  it('fits a long cluster name into 64 characters with a hash, deterministically', () => {
    const a = planPodExecutionRole(makeCluster({}, `${LONG}-a`), FACTS).name;
    const b = planPodExecutionRole(makeCluster({}, `${LONG}-b`), FACTS).name;
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(IAM_NAME);
    expect(a).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(planPodExecutionRole(makeCluster({}, `${LONG}-a`), FACTS).name).toBe(a);
  });

  it('uses the partition of the region, or the one given', () => {
    const china = planPodExecutionRole(makeCluster(), { ...FACTS, region: 'cn-north-1' });
    expect(china.arn).toBe(`arn:aws-cn:iam::${ACCOUNT}:role/prod-cn-north-1-fargate-pod-execution`);
    expect(china.managedPolicyArns).toEqual(['arn:aws-cn:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
    const gov = planPodExecutionRole(makeCluster(), { ...FACTS, partition: 'aws-us-gov' });
    expect(onlyStatement(gov.trustPolicy).Condition?.ArnLike?.['aws:SourceArn']).toBe(
      `arn:aws-us-gov:eks:us-east-1:${ACCOUNT}:fargateprofile/prod/*`,
    );
  });
});

describe('Fargate profile', () => {
  const profileName = (w = makeWorkload(), c = makeCluster()) => planFargateProfile(w, c, EXEC_ROLE_ARN).name;

  it('Shared: one profile for every namespace, selecting on the profile label', () => {
    const profile = planFargateProfile(makeWorkload(), makeCluster(), EXEC_ROLE_ARN);
    expect(profile.placement).toBe('Shared');
    expect(profile.name).toMatch(/^fw-shared-[0-9a-f]{8}$/);
    expect(profile.clusterName).toBe('prod');
    expect(profile.subnets).toEqual(['subnet-0a1', 'subnet-0b2']);
    expect(profile.selectors).toEqual([{ namespace: '*', labels: { [PROFILE_LABEL]: profile.name } }]);
    // EKS's own label names the profile too, so that another matching profile cannot take the pods.
    expect(profile.podLabels).toEqual({ [PROFILE_LABEL]: profile.name, 'eks.amazonaws.com/fargate-profile': profile.name });
    expect(profile.podExecutionRoleArn).toBe(EXEC_ROLE_ARN);
    // Shared by many workloads: owned by the cluster, not by the workload that planned it.
    expect(profile.tags).toEqual({ [TAG_CLUSTER]: 'prod', [TAG_COMPONENT]: 'fargate-profile' });
  });

  it('Shared: workloads in different namespaces on the same subnets get the same profile', () => {
    const other = makeWorkload({ fargateProfile: { subnetIds: ['subnet-0a1', 'subnet-0b2'] } }, { name: 'api', namespace: 'billing' });
    expect(profileName(other)).toBe(profileName());
  });

  it('Shared: other subnets give another profile', () => {
    const other = makeWorkload({ fargateProfile: { subnetIds: ['subnet-0c3'] } });
    const profile = planFargateProfile(other, makeCluster(), EXEC_ROLE_ARN);
    expect(profile.subnets).toEqual(['subnet-0c3']);
    expect(profile.name).toMatch(/^fw-shared-[0-9a-f]{8}$/);
    expect(profile.name).not.toBe(profileName());
  });

  it('Shared: uses the cluster namespace pattern and name prefix', () => {
    const cluster = makeCluster({ profiles: { namespacePattern: '?*', namePrefix: 'eksops' } });
    const profile = planFargateProfile(makeWorkload(), cluster, EXEC_ROLE_ARN);
    expect(profile.name).toMatch(/^eksops-shared-[0-9a-f]{8}$/);
    expect(profile.selectors[0]?.namespace).toBe('?*');
  });

  it('Namespace: one profile per namespace, owned by the namespace', () => {
    const spec = { fargateProfile: { placement: 'Namespace' as const } };
    const profile = planFargateProfile(makeWorkload(spec), makeCluster(), EXEC_ROLE_ARN);
    expect(profile.placement).toBe('Namespace');
    expect(profile.name).toMatch(/^fw-ns-shop-[0-9a-f]{8}$/);
    expect(profile.selectors).toEqual([{ namespace: 'shop', labels: { [PROFILE_LABEL]: profile.name } }]);
    expect(profile.tags).toEqual({ [TAG_CLUSTER]: 'prod', [TAG_NAMESPACE]: 'shop', [TAG_COMPONENT]: 'fargate-profile' });
    const sibling = planFargateProfile(makeWorkload(spec, { name: 'api' }), makeCluster(), EXEC_ROLE_ARN);
    expect(sibling.name).toBe(profile.name);
    const elsewhere = planFargateProfile(makeWorkload(spec, { namespace: 'billing' }), makeCluster(), EXEC_ROLE_ARN);
    expect(elsewhere.name).not.toBe(profile.name);
  });

  it('Dedicated: one profile per workload, owned by the workload', () => {
    const spec = { fargateProfile: { placement: 'Dedicated' as const } };
    const profile = planFargateProfile(makeWorkload(spec), makeCluster(), EXEC_ROLE_ARN);
    expect(profile.placement).toBe('Dedicated');
    expect(profile.name).toMatch(/^fw-shop-web-[0-9a-f]{8}$/);
    expect(profile.selectors).toEqual([{ namespace: 'shop', labels: { [PROFILE_LABEL]: profile.name } }]);
    expect(profile.tags).toEqual({
      [TAG_CLUSTER]: 'prod',
      [TAG_NAMESPACE]: 'shop',
      [TAG_NAME]: 'web',
      [TAG_UID]: '0b6c1e2a-7f3d-4c1e-9a57-3f2d1c0b9a88',
      [TAG_COMPONENT]: 'fargate-profile',
      [TAG_DELETION_POLICY]: 'Delete',
    });
    const sibling = planFargateProfile(makeWorkload(spec, { name: 'api' }), makeCluster(), EXEC_ROLE_ARN);
    expect(sibling.name).not.toBe(profile.name);
  });

  it('keeps every name within 100 valid characters for a very long namespace and name', () => {
    const meta = { namespace: 'n'.repeat(63), name: 'w'.repeat(253) };
    for (const placement of ['Shared', 'Namespace', 'Dedicated'] as const) {
      const w = makeWorkload({ fargateProfile: { placement } }, meta);
      const name = planFargateProfile(w, makeCluster(), EXEC_ROLE_ARN).name;
      expect(name.length).toBeLessThanOrEqual(100);
      expect(name).toMatch(PROFILE_NAME);
      expect(name).toMatch(/-[0-9a-f]{8}$/);
      expect(planFargateProfile(w, makeCluster(), EXEC_ROLE_ARN).name).toBe(name);
    }
    const a = makeWorkload({ fargateProfile: { placement: 'Dedicated' } }, { ...meta, name: `${meta.name}a` });
    const b = makeWorkload({ fargateProfile: { placement: 'Dedicated' } }, { ...meta, name: `${meta.name}b` });
    // Same readable part after the cut: only the hash tells them apart.
    expect(profileName(a)).not.toBe(profileName(b));
  });

  it('replaces characters a profile name cannot hold', () => {
    const w = makeWorkload({ fargateProfile: { placement: 'Dedicated' } }, { name: 'web.v2' });
    expect(planFargateProfile(w, makeCluster(), EXEC_ROLE_ARN).name).toMatch(/^fw-shop-web-v2-[0-9a-f]{8}$/);
  });

  it('is planned with the execution role of the cluster', () => {
    const plan = planWorkload(makeWorkload(), makeCluster(), FACTS);
    expect(plan.aws.fargateProfile.podExecutionRoleArn).toBe(plan.aws.podExecutionRole.arn);
  });
});

describe('IRSA role', () => {
  it('has the trust policy of the design, exactly', () => {
    const role = planIrsaRole(makeWorkload(), makeCluster(), FACTS);
    expect(role.trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST_PATH}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${ISSUER_HOST_PATH}:sub`]: 'system:serviceaccount:shop:web',
              [`${ISSUER_HOST_PATH}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    });
  });

  it('trusts the named service account, and ignores a trailing "/" of the issuer', () => {
    const w = makeWorkload({ iam: { serviceAccountName: 'web-runner' } });
    const role = planIrsaRole(w, makeCluster(), { ...FACTS, oidcIssuer: `https://${ISSUER_HOST_PATH}/` });
    const statement = onlyStatement(role.trustPolicy);
    expect(statement.Principal?.Federated).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST_PATH}`);
    expect(statement.Condition?.StringEquals?.[`${ISSUER_HOST_PATH}:sub`]).toBe('system:serviceaccount:shop:web-runner');
    expect(role.serviceAccountName).toBe('web-runner');
  });

  it('is named cluster-namespace-name-hash under the cluster role path', () => {
    const cluster = makeCluster({ iam: { rolePath: '/eksops/' } });
    const role = planIrsaRole(makeWorkload(), cluster, FACTS);
    expect(role.managed).toBe(true);
    expect(role.name).toMatch(/^prod-shop-web-[0-9a-f]{8}$/);
    expect(role.path).toBe('/eksops/');
    expect(role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/eksops/${role.name}`);
    expect(planIrsaRole(makeWorkload(), makeCluster(), FACTS).path).toBe('/');
  });

  it('carries sorted, deduplicated managed policies, the inline policy and the boundary', () => {
    const inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    const w = makeWorkload({
      iam: {
        managedPolicyArns: [
          `arn:aws:iam::${ACCOUNT}:policy/app-b`,
          'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
          `arn:aws:iam::${ACCOUNT}:policy/app-b`,
        ],
        inlinePolicy,
      },
    });
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/app-boundary`;
    const role = planIrsaRole(w, makeCluster({ iam: { permissionsBoundaryArn: boundary } }), FACTS);
    expect(role.managedPolicyArns).toEqual([
      `arn:aws:iam::${ACCOUNT}:policy/app-b`,
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);
    expect(role.inlinePolicy).toEqual(inlinePolicy);
    expect(role.inlinePolicyName).toBe('eksops-inline');
    expect(role.permissionsBoundary).toBe(boundary);
  });

  it('has no policies and no boundary when none are given', () => {
    const role = planIrsaRole(makeWorkload(), makeCluster(), FACTS);
    expect(role.managedPolicyArns).toEqual([]);
    expect(role.inlinePolicy).toBeUndefined();
    expect(role.permissionsBoundary).toBeUndefined();
  });

  it('is tagged with its owner, without the uid when it is unknown', () => {
    const owned = { [TAG_CLUSTER]: 'prod', [TAG_NAMESPACE]: 'shop', [TAG_NAME]: 'web' };
    expect(planIrsaRole(makeWorkload(), makeCluster(), FACTS).tags).toEqual({
      ...owned,
      [TAG_UID]: '0b6c1e2a-7f3d-4c1e-9a57-3f2d1c0b9a88',
      [TAG_COMPONENT]: 'irsa-role',
      [TAG_DELETION_POLICY]: 'Delete',
    });
    expect(planIrsaRole(makeWorkload({ deletionPolicy: 'Retain' }, { uid: undefined }), makeCluster(), FACTS).tags).toEqual({
      ...owned,
      [TAG_COMPONENT]: 'irsa-role',
      [TAG_DELETION_POLICY]: 'Retain',
    });
  });

  it('is not managed when the workload brings its own role', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/teams/shop-web`;
    const role = planIrsaRole(makeWorkload({ iam: { roleArn: arn } }), makeCluster(), FACTS);
    expect(role.managed).toBe(false);
    expect(role.arn).toBe(arn);
    expect(role.name).toBe('shop-web');
    expect(role.path).toBe('/teams/');
  });

  it('fits a very long namespace and name into 64 valid characters, distinctly and deterministically', () => {
    const meta = { namespace: 'n'.repeat(63), name: 'w'.repeat(253) };
    const name = planIrsaRole(makeWorkload({}, meta), makeCluster(), FACTS).name;
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(IAM_NAME);
    expect(name).toMatch(/^prod-n+-[0-9a-f]{8}$/);
    expect(planIrsaRole(makeWorkload({}, meta), makeCluster(), FACTS).name).toBe(name);
    const sibling = planIrsaRole(makeWorkload({}, { ...meta, name: `${meta.name}x` }), makeCluster(), FACTS).name;
    expect(sibling).not.toBe(name);
  });
});

describe('the region in role names', () => {
  it('clusters of one name in two regions get different roles; a role made before keeps its name', () => {
    const east = planIrsaRole(makeWorkload(), makeCluster(), FACTS);
    const west = planIrsaRole(makeWorkload(), makeCluster({ region: 'eu-west-1' }), { ...FACTS, region: 'eu-west-1' });
    expect(east.name).toMatch(/^prod-shop-web-[0-9a-f]{8}$/);
    expect(west.name).toMatch(/^prod-shop-web-[0-9a-f]{8}$/);
    expect(west.name).not.toBe(east.name);
    expect(planPodExecutionRole(makeCluster({ region: 'eu-west-1' }), { ...FACTS, region: 'eu-west-1' }).name).toBe('prod-eu-west-1-fargate-pod-execution');

    // The name before the region entered the hash, recorded in the workload's status: kept.
    const recorded = makeWorkload();
    const before = hashedName('prod-shop-web', shortHash(['prod', 'shop', 'web']), IAM_ROLE_NAME_RULES);
    recorded.status = { iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/${before}` };
    expect(planIrsaRole(recorded, makeCluster(), FACTS)).toMatchObject({ name: before, managedRoleName: before, arn: `arn:aws:iam::${ACCOUNT}:role/${before}` });
    // A status naming any other role (the workload's own roleArn, another scheme) does not.
    recorded.status = { iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/team/own` };
    expect(planIrsaRole(recorded, makeCluster(), FACTS).name).toBe(east.name);
    expect(irsaRoleName('prod', 'us-east-1', 'shop', 'web', `arn:aws:iam::${ACCOUNT}:role/eksops/${before}`)).toBe(before);

    const cluster = makeCluster();
    cluster.status = { podExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/prod-fargate-pod-execution` };
    expect(planPodExecutionRole(cluster, FACTS).name).toBe('prod-fargate-pod-execution');
    expect(executionRoleNames('prod', 'us-east-1')).toEqual({ name: 'prod-us-east-1-fargate-pod-execution', earlier: 'prod-fargate-pod-execution' });
  });
});

describe('names of any legal length (63-character namespace and name)', () => {
  const meta = { name: `w${'n'.repeat(62)}`, namespace: `s${'s'.repeat(62)}` };

  it.each(['Shared', 'Namespace', 'Dedicated'] as const)('%s: the profile name fits EKS and a label value, the role name fits IAM, deterministically', (placement) => {
    const workload = makeWorkload({ fargateProfile: { placement } }, meta);
    const profile = planFargateProfile(workload, makeCluster({ profiles: { namePrefix: 'p'.repeat(20) } }), 'arn:aws:iam::123456789012:role/x');
    expect(profile.name.length).toBeLessThanOrEqual(63);
    expect(profile.name).toMatch(/^[0-9A-Za-z][0-9A-Za-z_-]*$/);
    expect(Object.values(profile.podLabels).every((value) => value.length <= 63)).toBe(true);
    const role = planIrsaRole(workload, makeCluster(), FACTS);
    expect(role.name.length).toBeLessThanOrEqual(64);
    expect(planIrsaRole(makeWorkload({ fargateProfile: { placement } }, meta), makeCluster(), FACTS).name).toBe(role.name);
    // Two workloads that differ only past the cut still get different names (the hash).
    const sibling = planIrsaRole(makeWorkload({}, { ...meta, name: `${meta.name.slice(0, 62)}x` }), makeCluster(), FACTS);
    expect(sibling.name).not.toBe(role.name);
  });
});
