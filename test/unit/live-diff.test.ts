/** The pure parts of `diff` (src/diff/*): field and statement differences, and what the operator would change, from given live state. */
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, FIELD_MANAGER, LAST_APPLIED_ANNOTATION, PROFILE_LABEL, TAG_CLUSTER, TAG_COMPONENT, TAG_NAME, TAG_NAMESPACE } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import type { ObservedProfile } from '../../src/aws/fargate-profiles.js';
import type { ObservedRole } from '../../src/aws/iam-roles.js';
import { clusterDiff } from '../../src/diff/cluster-diff.js';
import { formatDiffText } from '../../src/diff/diff-text.js';
import { diffLiveState } from '../../src/diff/live-diff.js';
import type { LiveAwsReader } from '../../src/diff/live-readers.js';
import { changedFields, formatPath, ownedFieldShape, removedFields } from '../../src/diff/field-changes.js';
import { roleChange, statementChanges } from '../../src/diff/iam-role-changes.js';
import { childChanges, manifestChange } from '../../src/diff/object-changes.js';
import { hasChanges } from '../../src/diff/resource-change.js';
import { workloadDiff, type ObservedWorkload } from '../../src/diff/workload-diff.js';
import { partReady, partStalled } from '../../src/operator/part-report.js';
import { withAppliedHash } from '../../src/operator/workload/child-state.js';
import { planWorkload, type KubeObject } from '../../src/plan/index.js';
import { planPodExecutionRole } from '../../src/plan/pod-execution-role.js';
import { FACTS, makeCluster, makeWorkload } from './plan-fixtures.js';

const SQS_SEND = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] };

describe('field differences', () => {
  it('reports only the fields the manifest sets that live does not hold; lists whole, scalars as text', () => {
    const live = { spec: { replicas: '2', ports: [80, 443], extra: 'server default' }, metadata: { labels: { a: '1' } } };
    expect(changedFields({ spec: { replicas: 2, ports: [80, 443] } }, live)).toEqual([]);
    expect(changedFields({ spec: { replicas: 3, ports: [80] }, metadata: { labels: { 'app.kubernetes.io/name': 'x' } } }, live)).toEqual([
      { path: 'spec.replicas', from: '2', to: 3 },
      { path: 'spec.ports', from: [80, 443], to: [80] },
      { path: 'metadata.labels[app.kubernetes.io/name]', to: 'x' },
    ]);
  });

  it('finds what the previous apply set and this one drops, when live still holds it', () => {
    const previous = { spec: { ingress: { host: 'a.example.com' }, replicas: 2 } };
    const live = { spec: { ingress: { host: 'a.example.com' }, replicas: 2 } };
    expect(removedFields(previous, { spec: { replicas: 2 } }, live)).toEqual([{ path: 'spec.ingress', from: { host: 'a.example.com' } }]);
    expect(removedFields(previous, previous, live)).toEqual([]);
  });

  it("reads a manager's owned fields from managedFields: map keys nested, lists as one field", () => {
    const fieldsV1 = { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {} } } } } } };
    expect(ownedFieldShape(fieldsV1)).toEqual({ metadata: { labels: { app: true } }, spec: { replicas: true, template: { spec: { containers: true } } } });
    expect(formatPath(['metadata', 'annotations', 'eks.amazonaws.com/role-arn'])).toBe('metadata.annotations[eks.amazonaws.com/role-arn]');
  });
});

describe('IAM role changes', () => {
  const spec = { name: 'role', path: '/eksops/', trustPolicy: SQS_SEND, managedPolicyArns: ['arn:aws:iam::aws:policy/A'], inlinePolicyName: 'eksops-inline', inlinePolicy: SQS_SEND, tags: { t: 'v' } };
  const observed: ObservedRole = {
    name: 'role',
    arn: 'arn:aws:iam::123456789012:role/eksops/role',
    path: '/eksops/',
    // Reshaped as IAM gives documents back: no change.
    trustPolicy: { Statement: { Resource: ['*'], Action: ['sqs:SendMessage'], Effect: 'Allow' }, Version: '2012-10-17' },
    tags: { t: 'v', other: 'kept' },
    attachedPolicyArns: ['arn:aws:iam::aws:policy/A'],
    inlinePolicies: { 'eksops-inline': SQS_SEND },
  };

  it('a role IAM holds as planned is no change, however IAM shaped its documents', () => {
    expect(roleChange(spec, observed)).toBeUndefined();
  });

  it('shows policy documents statement by statement, and attached policies one by one', () => {
    const wanted = { ...spec, managedPolicyArns: ['arn:aws:iam::aws:policy/B'], inlinePolicy: { Version: '2012-10-17', Statement: [SQS_SEND.Statement[0], { Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:q' }] } };
    expect(roleChange(wanted, observed)).toEqual({
      layer: 'aws',
      kind: 'IAMRole',
      name: 'role',
      action: 'change',
      fields: [
        { path: 'attachedPolicies', to: 'arn:aws:iam::aws:policy/B' },
        { path: 'attachedPolicies', from: 'arn:aws:iam::aws:policy/A' },
      ],
      statements: [{ policy: 'inline policy eksops-inline', removed: [], added: [{ Action: ['sqs:ReceiveMessage'], Effect: 'Allow', Resource: ['arn:aws:sqs:us-east-1:123456789012:q'] }] }],
    });
  });

  it('a missing role is created with everything; a new path replaces it', () => {
    const created = roleChange(spec, undefined)!;
    expect(created.action).toBe('create');
    expect(created.statements.map((s) => [s.policy, s.added.length, s.removed.length])).toEqual([['trust policy', 1, 0], ['inline policy eksops-inline', 1, 0]]);
    expect(roleChange({ ...spec, path: '/other/' }, observed)).toMatchObject({ action: 'replace', note: expect.stringContaining("IAM cannot change a role's path") });
    expect(statementChanges('inline policy x', SQS_SEND, undefined)).toEqual({ policy: 'inline policy x', removed: [{ Action: ['sqs:SendMessage'], Effect: 'Allow', Resource: ['*'] }], added: [] });
  });
});

describe('manifest and child changes', () => {
  it("a manifest's change covers spec and labels, and fields the last kubectl apply set and this one drops", () => {
    const desired = makeWorkload({ replicas: 3 }) as unknown as KubernetesObject;
    const previous = makeWorkload({ replicas: 2, ingress: { host: 'a.example.com', port: 8080 } });
    const live = { ...previous, metadata: { ...previous.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(previous) } } } as unknown as KubernetesObject;
    expect(manifestChange('FargateWorkload', desired, live)?.fields).toEqual([
      { path: 'spec.replicas', from: 2, to: 3 },
      { path: 'spec.ingress', from: { host: 'a.example.com', port: 8080 } },
    ]);
    expect(manifestChange('FargateWorkload', live, live)).toBeUndefined();
    expect(manifestChange('FargateWorkload', desired, undefined)?.action).toBe('create');
  });

  const workload = makeWorkload();
  const plan = planWorkload(workload, makeCluster(), FACTS);
  const uid = workload.metadata.uid!;
  const applied = (object: KubeObject): KubernetesObject => withAppliedHash(object) as unknown as KubernetesObject;
  const byKey = (objects: KubernetesObject[]): Map<string, KubernetesObject> => new Map(objects.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));

  it('children applied from this very plan are no change; missing ones are created', () => {
    const [serviceAccount, deployment] = plan.kubernetes as [KubeObject, KubeObject];
    const result = childChanges(plan.kubernetes, { byKey: byKey([applied(serviceAccount)]), owned: [], unservedKinds: new Set() }, uid, 'FargateWorkload shop/web');
    expect(result.problems).toEqual([]);
    expect(result.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([`create Deployment ${deployment.metadata.namespace}/${deployment.metadata.name}`]);
  });

  it('a changed child lists its fields, and the fields its last apply set that the plan drops; stale children are deleted', () => {
    const deployment = plan.kubernetes.find((o) => o.kind === 'Deployment')!;
    const old = applied({ ...deployment, spec: { ...deployment.spec, replicas: 5, minReadySeconds: 10 } } as KubeObject) as KubernetesObject & { spec: Record<string, unknown> };
    old.metadata!.managedFields = [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:minReadySeconds': {} } } }];
    const stale = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', ownerReferences: [{ apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateWorkload', name: 'web', uid, controller: true }] } };
    const serviceAccount = applied(plan.kubernetes[0]!);
    const result = childChanges(plan.kubernetes, { byKey: byKey([serviceAccount, old]), owned: [stale], unservedKinds: new Set() }, uid, 'w');
    expect(result.changes).toEqual([
      { layer: 'kubernetes', kind: 'Deployment', name: 'shop/web', action: 'change', statements: [], fields: [{ path: 'spec.replicas', from: 5, to: (deployment.spec as { replicas: number }).replicas }, { path: 'spec.minReadySeconds', from: 10 }] },
      { layer: 'kubernetes', kind: 'Service', name: 'shop/web', action: 'delete', fields: [], statements: [], note: 'the workload no longer needs it' },
    ]);
  });

  it("an object of a child's name that is not the workload's is a problem, never a change; a foreign ServiceAccount holds back the rest", () => {
    const foreign = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } };
    const result = childChanges(plan.kubernetes, { byKey: byKey([foreign]), owned: [], unservedKinds: new Set() }, uid, 'FargateWorkload shop/web');
    expect(result.changes).toEqual([]);
    expect(result.problems).toEqual([{ object: 'FargateWorkload shop/web', stalled: true, reason: 'NotOwned', message: expect.stringContaining(`annotate it ${ADOPT_ANNOTATION}`) }]);
  });
});

describe('workloadDiff', () => {
  const cluster = makeCluster({ profiles: { namePrefix: 'p' } });
  const profile = (name: string, subnets: string[]): ObservedProfile => ({
    name,
    clusterName: 'prod',
    arn: `arn:aws:eks:us-east-1:123456789012:fargateprofile/prod/${name}/x`,
    status: 'ACTIVE',
    subnets,
    selectors: [{ namespace: 'shop', labels: { [PROFILE_LABEL]: name } }],
    podExecutionRoleArn: '',
    // A Dedicated profile of shop/web, as the operator tags it.
    tags: { [TAG_CLUSTER]: 'prod', [TAG_COMPONENT]: 'fargate-profile', [TAG_NAMESPACE]: 'shop', [TAG_NAME]: 'web' },
    healthIssues: [],
  });

  function observedFor(desired: FargateWorkload, live: FargateWorkload, others: FargateWorkload[] = [], network = partReady('NetworkReady', 'NetworkReady')): { plan: ReturnType<typeof planWorkload>; observed: ObservedWorkload } {
    const plan = planWorkload(desired, cluster, FACTS);
    const planned = plan.aws.fargateProfile;
    const oldName = live.status!.fargateProfile!.name;
    const profiles = new Map<string, ObservedProfile | undefined>([
      [planned.name, undefined],
      [oldName, profile(oldName, ['subnet-0a1', 'subnet-0b2'])],
    ]);
    return {
      plan,
      observed: { desired, live, workloads: [desired, ...others], clusters: [cluster], profiles, children: { byKey: new Map(), owned: [], unservedKinds: new Set() }, network },
    };
  }

  const dedicated = (subnetIds: string[], name = 'web'): FargateWorkload => makeWorkload({ fargateProfile: { placement: 'Dedicated', subnetIds } }, { name });
  const running = (workload: FargateWorkload, profileName: string): FargateWorkload => ({ ...workload, status: { fargateProfile: { name: profileName, status: 'ACTIVE' } } as FargateWorkload['status'] });
  const oldPlan = planWorkload(dedicated(['subnet-0a1', 'subnet-0b2']), cluster, FACTS);
  const oldProfile = oldPlan.aws.fargateProfile.name;

  it('a subnet change creates the new profile and deletes the old one once the pods moved', () => {
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1', 'subnet-0b2']), oldProfile));
    const diff = workloadDiff(plan, observed);
    const profiles = diff.changes.filter((c) => c.kind === 'FargateProfile').map((c) => [c.action, c.name, c.note]);
    expect(profiles).toEqual([
      ['create', plan.aws.fargateProfile.name, undefined],
      ['delete', oldProfile, `once the pods run on ${plan.aws.fargateProfile.name}`],
    ]);
  });

  it('the old profile stays when another workload still uses it, or with deletionPolicy Retain', () => {
    const other = running(dedicated(['subnet-0a1', 'subnet-0b2'], 'other'), oldProfile);
    const shared = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1', 'subnet-0b2']), oldProfile), [other]);
    expect(workloadDiff(shared.plan, shared.observed).changes.filter((c) => c.action === 'delete')).toEqual([]);
    const retained = { ...dedicated(['subnet-0a1']), spec: { ...dedicated(['subnet-0a1']).spec, deletionPolicy: 'Retain' as const } };
    const kept = observedFor(retained, running(dedicated(['subnet-0a1', 'subnet-0b2']), oldProfile));
    expect(workloadDiff(kept.plan, kept.observed).changes.filter((c) => c.action === 'delete')).toEqual([]);
  });

  it("the old profile stays when it is not the operator's (no cluster tag)", () => {
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1', 'subnet-0b2']), oldProfile));
    const untagged = new Map(observed.profiles);
    untagged.set(oldProfile, { ...profile(oldProfile, ['subnet-0a1', 'subnet-0b2']), tags: {} });
    expect(workloadDiff(plan, { ...observed, profiles: untagged }).changes.filter((c) => c.action === 'delete')).toEqual([]);
  });

  it('the planned profile: not ours is a problem; immutable differences are a problem, never a replace; DELETING is created again', () => {
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1']), oldProfile));
    const name = plan.aws.fargateProfile.name;
    const withPlanned = (found: ObservedProfile): ObservedWorkload => ({ ...observed, profiles: new Map([[name, found]]) });
    const ours = { ...profile(name, ['subnet-0a1']), tags: plan.aws.fargateProfile.tags };
    const foreign = workloadDiff(plan, withPlanned({ ...ours, tags: {} }));
    expect(foreign.problems.map((p) => [p.reason, p.stalled])).toEqual([['NotOwned', true]]);
    expect(foreign.changes.filter((c) => c.layer === 'kubernetes' && c.kind !== 'FargateWorkload')).toEqual([]);
    const immutable = workloadDiff(plan, withPlanned({ ...ours, subnets: ['subnet-0b2'] }));
    expect(immutable.changes.some((c) => c.kind === 'FargateProfile')).toBe(false);
    expect(immutable.problems.map((p) => p.reason)).toEqual(['ProfileImmutable']);
    const deleting = workloadDiff(plan, withPlanned({ ...ours, status: 'DELETING' }));
    expect(deleting.changes.find((c) => c.kind === 'FargateProfile')).toMatchObject({ action: 'create', note: expect.stringContaining('DELETING') });
  });

  it('a network only a spec change fixes stops there: no AWS or child change is shown, the problem is', () => {
    const stalled = partStalled('NetworkReady', 'PublicSubnet', 'subnet-0a1 routes to an internet gateway');
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1', 'subnet-0b2']), oldProfile), [], stalled);
    const diff = workloadDiff(plan, observed);
    expect(diff.changes.map((c) => c.kind)).toEqual(['FargateWorkload']);
    expect(diff.problems).toEqual([{ object: 'FargateWorkload shop/web', stalled: true, reason: 'PublicSubnet', message: 'subnet-0a1 routes to an internet gateway' }]);
    expect(formatDiffText([diff])).toContain('  ! would be Stalled (PublicSubnet): subnet-0a1 routes to an internet gateway\n');
  });

  it('a role of the planned name the operator did not make is a problem, not a change', () => {
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1']), oldProfile));
    const foreign: ObservedRole = { name: plan.aws.iamRole.name, arn: plan.aws.iamRole.arn, path: plan.aws.iamRole.path, trustPolicy: {}, tags: {}, attachedPolicyArns: [], inlinePolicies: {} };
    const diff = workloadDiff(plan, { ...observed, role: foreign });
    expect(diff.changes.some((c) => c.kind === 'IAMRole')).toBe(false);
    expect(diff.problems.map((p) => p.reason)).toContain('NotOwned');
  });

  it('adopt shows the take-over of an untagged role, and NotOwned for one tagged for another workload, as the operator decides', () => {
    const { plan, observed } = observedFor(dedicated(['subnet-0a1']), running(dedicated(['subnet-0a1']), oldProfile));
    const adopting = { ...observed, desired: { ...observed.desired, metadata: { ...observed.desired.metadata, annotations: { [ADOPT_ANNOTATION]: 'true' } } } };
    const role: ObservedRole = { name: plan.aws.iamRole.name, arn: plan.aws.iamRole.arn, path: plan.aws.iamRole.path, trustPolicy: {}, tags: {}, attachedPolicyArns: [], inlinePolicies: {} };
    expect(workloadDiff(plan, { ...adopting, role }).problems.map((p) => p.reason)).not.toContain('NotOwned');
    const theirs = { ...role, tags: { ...plan.aws.iamRole.tags, 'fargate.eksops.dev/namespace': 'team-a', 'fargate.eksops.dev/name': 'api' } };
    expect(workloadDiff(plan, { ...adopting, role: theirs }).problems).toContainEqual(expect.objectContaining({ reason: 'NotOwned', message: expect.stringContaining('team-a/api') }));
  });
});

describe('the text report', () => {
  it('one block per object, a summary line; no change says so', () => {
    const diffs = [
      { object: 'FargateCluster prod', changes: [], problems: [] },
      {
        object: 'FargateWorkload shop/web',
        changes: [{ layer: 'aws' as const, kind: 'IAMRole', name: 'r', action: 'change' as const, fields: [{ path: 'permissionsBoundary', from: 'a' }], statements: [{ policy: 'trust policy', removed: [{ Effect: 'Allow' }], added: [] }] }],
        problems: [],
      },
    ];
    expect(formatDiffText(diffs)).toBe(
      'FargateCluster prod\n  no change\nFargateWorkload shop/web\n  ~ IAMRole r (AWS)\n      - permissionsBoundary: "a"\n      trust policy:\n        - {"Effect":"Allow"}\n0 to create, 1 to change, 0 to replace, 0 to delete.\n',
    );
    expect(hasChanges(diffs)).toBe(true);
    expect(formatDiffText([diffs[0]!])).toBe('FargateCluster prod\n  no change\nNo changes.\n');
  });
});

describe('clusterDiff', () => {
  const cluster = makeCluster({ podExecutionRole: { create: true }, iam: { createOIDCProvider: true } });
  const plan = planPodExecutionRole(cluster, FACTS);
  const role = (over: Partial<ObservedRole>): ObservedRole => ({ name: plan.name, arn: plan.arn, path: plan.path, trustPolicy: plan.trustPolicy, tags: plan.tags, attachedPolicyArns: [], inlinePolicies: {}, ...over });

  it('the execution role at another path stalls (RolePathConflict) instead of being replaced; a missing OIDC provider is created', () => {
    const diff = clusterDiff({ desired: cluster, live: cluster, executionRole: { plan, observed: role({ path: '/other/' }) }, oidcProvider: { issuer: FACTS.oidcIssuer, exists: false, create: true }, problems: [] });
    expect(diff.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['create OIDCProvider']);
    expect(diff.problems.map((p) => p.reason)).toEqual(['RolePathConflict']);
  });

  it("a role the platform brings must exist and trust Fargate's pods", () => {
    const given = makeCluster({ podExecutionRole: { arn: 'arn:aws:iam::123456789012:role/given' } });
    const givenPlan = planPodExecutionRole(given, FACTS);
    const untrusting = role({ name: 'given', arn: givenPlan.arn, path: '/', trustPolicy: { Version: '2012-10-17', Statement: [] } });
    expect(clusterDiff({ desired: given, live: given, executionRole: { plan: givenPlan, observed: untrusting }, problems: [] }).problems.map((p) => p.reason)).toEqual(['RoleNotTrusted']);
    expect(clusterDiff({ desired: given, live: given, executionRole: { plan: givenPlan }, problems: [] }).problems.map((p) => p.reason)).toEqual(['RoleNotFound']);
  });
});

describe('diffLiveState', () => {
  it('refuses to compare with credentials of another account than the cluster records', async () => {
    const cluster = { ...makeCluster(), status: { accountId: '111111111111', oidcIssuer: FACTS.oidcIssuer, podExecutionRoleArn: 'arn:aws:iam::111111111111:role/x' } };
    const kube = { clusters: async () => [cluster], workloads: async () => [], read: async () => undefined, ownedChildren: async () => ({ children: [], unservedKinds: new Set<string>() }) };
    const aws = { accountNetwork: { callerAccountId: async () => '123456789012' } } as unknown as LiveAwsReader;
    await expect(diffLiveState({ workloads: [makeWorkload({}, { uid: undefined })], clusters: [] }, { kube, aws: () => aws })).rejects.toThrow(
      'the AWS credentials are of account 123456789012, but FargateCluster prod is in account 111111111111: use credentials of that account',
    );
  });
});
