/**
 * Least privilege, proven against the real peers (issue 6, items 3a, 3b and 4). One representative
 * scenario runs the operator in-process as deploy/base's ServiceAccount (a real token from the
 * TokenRequest API, so RBAC decides every request) and as an IAM user of a moto of its own with
 * IAM enforcement on, holding only the policy `iam-policy` renders for the scenario's FargateCluster
 * (src/plan/operator-policy.ts; as moto can judge it: see motoEnforceablePolicy), through an EKS proxy of its own (so its call log holds only this
 * operator's AWS calls): a FargateCluster with its OIDC provider,
 * logging and a permissions boundary; workloads of every placement with managed and inline
 * policies, an ingress, security groups and autoscaling, and one whose children exist already,
 * annotated for adoption; drift repaired; a logging change; spec changes that
 * remove policies and the boundary (the platform renders the policy again for the cluster without
 * a boundary first, as the README says); a grant taken away from the user and given back; then
 * everything deleted. Afterwards:
 * - no call of the operator was refused by moto but those of the grant taken away;
 * - what moto cannot judge: every create carried the tag the policy's conditions require, and the
 *   ARNs of what the operator made fall under the Resources of the statements it needed on them;
 * - the `<service>:<operation>` set the proxy saw equals the actions of the rendered policies
 *   (a missing or an unused action fails, by name);
 * - the (apiGroup, resource, verb) set the API server's audit log records for the ServiceAccount
 *   equals what deploy/base's ClusterRole and Role grant.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CreatePolicyVersionCommand,
  DeleteRolePermissionsBoundaryCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListUsersCommand,
  SetDefaultPolicyVersionCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateSecurityGroupCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeFargateProfileCommand, EKSClient, ListClustersCommand, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { ADOPT_ANNOTATION, TAG_COMPONENT } from '../../src/api/constants.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { parseRoleArn } from '../../src/plan/index.js';
import { planOperatorPolicy } from '../../src/plan/operator-policy.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import { auditLogPath, OPERATOR_SERVICE_ACCOUNT_USER } from '../../scripts/dev-env/control-plane.js';
import { apps, clusterRef, condition, core, custom, deleteWorkload, environment, readWorkload, workloadRef } from '../support/fargate-workload-kit.js';
import {
  allowedActions,
  arnScopedActions,
  auditedPermissions,
  callsWithoutRequiredTags,
  compareGrants,
  grantedPermissions,
  motoEnforceablePolicy,
  observedActions,
  requiredRequestTags,
  uncoveredResources,
  withoutAction,
  type PolicyDocument,
} from '../support/least-privilege.js';
import { createIamUserWithPolicy, enableMotoIamAuthentication, type IamTestUser } from '../support/moto-iam-auth.js';
import { startEksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { applyOperatorRbac, OPERATOR_NAMESPACE, OPERATOR_RBAC_FILES, OPERATOR_SA, serviceAccountKubeconfig } from '../support/operator-service-account.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { waitFor } from '../support/wait-for.js';

const SUFFIX = Date.now().toString(36);
const CLUSTER = `lp-${SUFFIX}`;
const NS_A = `lp-a-${SUFFIX}`;
const NS_B = `lp-b-${SUFFIX}`;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DYNAMO_READ = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const INLINE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] };
const SCENARIO_TIMEOUT_MS = 300_000;

/**
 * Permissions AWS checks that are not API operations of their own, so no proxy sees them; each is
 * authorized as part of an operation the scenario does send.
 */
const AUTHORIZATION_ONLY_ACTIONS: Record<string, string> = {
  'iam:PassRole': 'CreateFargateProfile passes the pod execution role to EKS',
  'eks:TagResource': 'CreateFargateProfile with tags is also authorized as eks:TagResource',
  'iam:TagOpenIDConnectProvider': 'CreateOpenIDConnectProvider with Tags is also authorized as iam:TagOpenIDConnectProvider',
};

/**
 * Grants the audit log cannot show as requests, each with why it is still needed or why this
 * environment cannot exercise it.
 */
const UNAUDITABLE_PERMISSIONS: Record<string, string> = {
  // Checked by the OwnerReferencesPermissionEnforcement admission plugin (on in EKS), not a request of its own.
  'fargate.eksops.dev/fargateworkloads/finalizers:update': 'owner references with blockOwnerDeletion on the children',
  // The shared test API server has no SecurityGroupPolicy CRD on purpose (fargate-workload.test.ts
  // checks the SecurityGroupPolicyCRDMissing report): discovery says the kind is not served, so the
  // operator sends no request for it at all (src/operator/child-informers.ts).
  'vpcresources.k8s.aws/securitygrouppolicies:get': 'the ownership check before a SecurityGroupPolicy is created, when the VPC CNI CRD exists',
  'vpcresources.k8s.aws/securitygrouppolicies:list': 'the SecurityGroupPolicy informer, when the VPC CNI CRD exists',
  'vpcresources.k8s.aws/securitygrouppolicies:watch': 'the SecurityGroupPolicy informer, when the VPC CNI CRD exists',
  'vpcresources.k8s.aws/securitygrouppolicies:create': 'server-side apply of a SecurityGroupPolicy when the VPC CNI CRD exists',
  'vpcresources.k8s.aws/securitygrouppolicies:patch': 'server-side apply of a SecurityGroupPolicy when the VPC CNI CRD exists',
  'vpcresources.k8s.aws/securitygrouppolicies:delete': 'deleting a SecurityGroupPolicy the spec no longer asks for',
  // Proven by test/integration/fargate-workload-move.test.ts, which moves profiles; this scenario makes no move.
  'core/pods:list': 'a profile move counts the pods still labelled for the old profile before deleting it',
};

/** The grant the scenario takes away from the operator's user for a while: the FargateCluster reads it on every pass. */
const WITHDRAWN_ACTION = 'eks:DescribeCluster';
/**
 * The operator's policy for the scenario's FargateCluster, with or without its boundary: what
 * `iam-policy -f` prints for that cluster (the renderer refuses nothing here).
 */
function renderedPolicy(boundary: string | undefined): PolicyDocument {
  const rendered = planOperatorPolicy([clusterManifest(boundary)], { accountId: stack.seed.accountId });
  expect(rendered.problems).toEqual([]);
  return rendered.policy;
}

/** Both policies the operator held during the scenario, as one document: what it was allowed at some point. */
function heldPolicies(): PolicyDocument {
  return { Version: '2012-10-17', Statement: [...renderedPolicy(BOUNDARY).Statement, ...renderedPolicy(undefined).Statement] };
}

const ADMINISTRATOR_POLICY: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

// The test's own AWS reads and drift go straight to moto as an administrator: the proxy's log is
// the operator's alone. Made once moto runs.
let iam: IAMClient;
let eks: EKSClient;
let ec2: EC2Client;
/** The IAM user the operator runs as: only the operator policy. */
let operatorUser: IamTestUser;
/** The ARNs of what the operator made, with the actions it used on them (read once all is converged). */
const resourceUses: { arn: string; actions: string[] }[] = [];
const ROLE_ACTIONS = [
  'iam:CreateRole', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:TagRole',
  'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole',
];
const IRSA_ROLE_ACTIONS = [...ROLE_ACTIONS, 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'];

/** Reads the ARNs of the cluster, its profiles, roles and OIDC provider, with what the operator does to each. */
async function recordResourceUses(cluster: FargateCluster, workloads: readonly FargateWorkload[]): Promise<void> {
  const clusterArn = (await eks.send(new DescribeClusterCommand({ name: CLUSTER }))).cluster?.arn ?? '';
  resourceUses.push({ arn: clusterArn, actions: ['eks:DescribeCluster', 'eks:ListFargateProfiles', 'eks:CreateFargateProfile'] });
  for (const name of (await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }))).fargateProfileNames ?? []) {
    const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name }))).fargateProfile;
    resourceUses.push({ arn: profile?.fargateProfileArn ?? '', actions: ['eks:DescribeFargateProfile', 'eks:TagResource', 'eks:DeleteFargateProfile'] });
    // What CreateFargateProfile passed: the role iam:PassRole must cover.
    resourceUses.push({ arn: profile?.podExecutionRoleArn ?? '', actions: ['iam:PassRole'] });
  }
  resourceUses.push({ arn: cluster.status?.podExecutionRoleArn ?? '', actions: ROLE_ACTIONS });
  resourceUses.push({ arn: cluster.status?.oidcProviderArn ?? '', actions: ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider'] });
  for (const workload of workloads) resourceUses.push({ arn: workload.status?.iamRoleArn ?? '', actions: IRSA_ROLE_ACTIONS });
  expect(resourceUses.every((use) => use.arn.startsWith('arn:aws:'))).toBe(true);
  expect(resourceUses.filter((use) => use.actions.includes('iam:PassRole')).length).toBeGreaterThan(0);
}

/** When the grant was taken away and when it was given back (proxy call times). */
const withdrawal = { from: 0, until: 0 };
let stack: AwsTestStack;
let under: OperatorUnderTest | undefined;
let scenarioDone = false;

function clusterManifest(boundary: string | undefined): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: {
      region: environment.region,
      subnetIds: stack.seed.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: 'lp' },
      iam: {
        rolePath: '/eksops/',
        ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
        allowedManagedPolicyArns: [S3_READ, DYNAMO_READ],
        allowInlinePolicies: true,
        // An inline policy needs a boundary or an action allow-list (a CEL rule of the FargateCluster).
        inlinePolicyActions: ['sqs:SendMessage'],
        createOIDCProvider: true,
        // The scenario deletes the cluster: with this, the operator checks (ListRoles) that no role trusts the provider.
        deleteOIDCProvider: true,
      },
      networking: { allowedSecurityGroupIds: ['*'] },
      logging: { cloudWatch: { logGroupName: `/eks/${CLUSTER}/fargate`, retentionDays: 30 } },
      coreDNSOnFargate: true,
    },
  };
}

function workloadManifest(namespace: string, name: string, spec: Partial<FargateWorkload['spec']>): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
      },
      ...spec,
    },
  };
}

const WORKLOADS: [string, string, Partial<FargateWorkload['spec']>][] = [
  [NS_A, 'web', {
    fargateProfile: { placement: 'Shared' },
    iam: { managedPolicyArns: [S3_READ], inlinePolicy: INLINE_POLICY },
    ingress: { host: 'web.example.com', port: 8080 },
    autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 },
  }],
  [NS_A, 'guarded', { fargateProfile: { placement: 'Shared' } }],
  [NS_B, 'api', { fargateProfile: { placement: 'Namespace' }, iam: { managedPolicyArns: [DYNAMO_READ] } }],
  [NS_B, 'db', { fargateProfile: { placement: 'Dedicated' }, iam: { inlinePolicy: INLINE_POLICY } }],
  // Its children exist before it, annotated for adoption (ADOPTED_CHILDREN): each create is refused
  // (409), the object read and judged, then applied.
  [NS_A, 'adopted', { fargateProfile: { placement: 'Shared' }, ingress: { host: 'adopted.example.com', port: 8080 }, autoscaling: { minReplicas: 1, maxReplicas: 2 } }],
];

/** Objects of every child kind but the Deployment, made by hand for workload `adopted` and annotated for adoption. */
function adoptedChildren(): KubernetesObject[] {
  const metadata = { name: 'adopted', namespace: NS_A, annotations: { [ADOPT_ANNOTATION]: 'true' } };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: { app: 'adopted' }, ports: [{ port: 80 }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, spec: { defaultBackend: { service: { name: 'adopted', port: { number: 80 } } } } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'adopted' }, minReplicas: 1, maxReplicas: 2 } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'adopted' } } } },
  ] as KubernetesObject[];
}

async function readCluster(): Promise<FargateCluster | undefined> {
  return custom.getClusterCustomObject({ ...clusterRef, name: CLUSTER }).then((c) => c as FargateCluster, () => undefined);
}

const current = (o: FargateCluster | FargateWorkload | undefined): boolean => o?.status?.observedGeneration === o?.metadata.generation;

async function waitForWorkload(namespace: string, name: string, done: (w: FargateWorkload | undefined) => boolean): Promise<FargateWorkload> {
  return (await waitFor(
    `${namespace}/${name}`,
    async () => {
      return readWorkload(namespace, name);
    },
    (w) => current(w) && done(w),
    120_000,
  ))!;
}

async function roleState(name: string): Promise<{ boundary?: string; attached: string[]; trust: string; tags: string[] }> {
  const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
  return {
    ...(role?.PermissionsBoundary?.PermissionsBoundaryArn ? { boundary: role.PermissionsBoundary.PermissionsBoundaryArn } : {}),
    attached: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '').sort(),
    trust: decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''),
    tags: (role?.Tags ?? []).map((t) => t.Key ?? '').sort(),
  };
}

/** What EKS creates in every cluster: kube-system/coredns pinned to EC2 nodes, which coreDNSOnFargate moves. */
async function ensureCoreDnsDeployment(): Promise<void> {
  const labels = { 'k8s-app': 'kube-dns' };
  const body = {
    metadata: { name: 'coredns', namespace: 'kube-system', labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } },
        spec: { containers: [{ name: 'coredns', image: 'public.ecr.aws/eks/coredns:v1.11.1' }] },
      },
    },
  };
  // Another suite may have moved it already: put the annotation back so that this run patches it.
  await apps.createNamespacedDeployment({ namespace: 'kube-system', body }).catch(async (error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
    await apps.replaceNamespacedDeployment({ name: 'coredns', namespace: 'kube-system', body });
  });
}

/**
 * Removes an aws-observability namespace another suite left behind (the namespace controller
 * empties and removes it), so that this scenario must create it and its ConfigMap itself.
 */
async function removeLeftoverObservabilityNamespace(): Promise<void> {
  const existing = await core.readNamespace({ name: 'aws-observability' }).catch(() => undefined);
  if (!existing) return;
  if (!existing.metadata?.deletionTimestamp) await core.deleteNamespace({ name: 'aws-observability' });
  await waitFor('leftover namespace aws-observability gone', () => core.readNamespace({ name: 'aws-observability' }).then(() => false, () => true), (gone) => gone, 60_000);
}

beforeAll(async () => {
  await removeLeftoverObservabilityNamespace();
  await ensureCoreDnsDeployment();
  // A moto of its own: IAM enforcement is global to a moto server. Seeded, then the users made,
  // then enforcement switched on for everyone, the test's own calls included.
  stack = await startAwsTestStack({ clusterName: CLUSTER, ownMoto: true });
  const bootstrap = new IAMClient({ endpoint: stack.motoUrl, region: environment.region, credentials: EMULATOR_CREDENTIALS });
  const administrator = await createIamUserWithPolicy(bootstrap, 'eksops-test-administrator', ADMINISTRATOR_POLICY);
  operatorUser = await createIamUserWithPolicy(bootstrap, OPERATOR_SA, motoEnforceablePolicy(renderedPolicy(BOUNDARY)));
  bootstrap.destroy();
  await enableMotoIamAuthentication(stack.motoUrl);
  const direct = { endpoint: stack.motoUrl, region: environment.region, credentials: administrator.credentials };
  // EKS's part for this suite's cluster, reading moto as the platform (the administrator).
  await stack.placePods({ kubeconfigPath: environment.kubeconfigPath, credentials: administrator.credentials });
  iam = new IAMClient(direct);
  eks = new EKSClient(direct);
  ec2 = new EC2Client(direct);
  await applyOperatorRbac(environment);
  for (const namespace of [NS_A, NS_B]) await core.createNamespace({ body: { metadata: { name: namespace } } });
  const kubeconfig = await serviceAccountKubeconfig(environment, core, 'lp-');
  stack.proxy.clearCalls();
  under = await startOperatorForTest({
    kubeconfig,
    awsEndpoint: stack.proxy.url,
    awsCredentials: operatorUser.credentials,
    reconcilers: { workload: createFargateWorkloadReconciler },
    resyncPeriodMs: 2_000,
    leaderElection: { namespace: OPERATOR_NAMESPACE, name: `least-privilege-${SUFFIX}`, retryPeriodMs: 200 },
  });
}, 120_000);

afterAll(async () => {
  // A scenario that failed with the grant withdrawn gives it back, or the cleanup below could not run.
  if (withdrawal.from > 0 && withdrawal.until === 0) await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: operatorUser.policyArn, VersionId: 'v1' })).catch(() => undefined);
  for (const [namespace, name] of WORKLOADS) await deleteWorkload(namespace, name).catch(() => undefined);
  await custom.deleteClusterCustomObject({ ...clusterRef, name: CLUSTER }).catch(() => undefined);
  if (!scenarioDone) await waitFor('cluster gone', readCluster, (c) => c === undefined, 60_000).catch(() => undefined);
  await under?.stop();
  await stack?.stop();
  for (const namespace of [NS_A, NS_B]) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  iam?.destroy();
  eks?.destroy();
  ec2?.destroy();
}, 120_000);

describe('least privilege', () => {
  it("moto enforces IAM: the operator's user is refused what its policy does not name, unknown keys are refused", async () => {
    const asOperator = { endpoint: stack.motoUrl, region: environment.region, credentials: operatorUser.credentials };
    // EKS through a proxy of this test's own (the scenario's proxy log is the operator's alone),
    // which puts moto's XML refusal in EKS's shape.
    const eksProxy = await startEksProxy({ target: stack.motoUrl });
    const operatorIam = new IAMClient(asOperator);
    const operatorEks = new EKSClient({ ...asOperator, endpoint: eksProxy.url });
    const operatorEc2 = new EC2Client(asOperator);
    const unknownKey = new IAMClient({ ...asOperator, credentials: EMULATOR_CREDENTIALS });
    try {
      await expect(operatorIam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('iam:ListUsers') });
      await expect(operatorEc2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ message: expect.stringContaining('ec2:DescribeVpcs') });
      await expect(operatorEks.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('eks:ListClusters') });
      await expect(unknownKey.send(new GetRoleCommand({ RoleName: 'any' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      // The administrator the test acts as is let through.
      expect((await iam.send(new ListUsersCommand({}))).Users?.map((user) => user.UserName)).toEqual(expect.arrayContaining([OPERATOR_SA]));
    } finally {
      for (const client of [operatorIam, operatorEks, operatorEc2, unknownKey]) client.destroy();
      await eksProxy.stop();
    }
  });

  it('the operator converges and cleans up as its ServiceAccount, through the scenario that uses every grant', async () => {
    await custom.createClusterCustomObject({ ...clusterRef, body: clusterManifest(BOUNDARY) });
    const cluster = await waitFor('cluster Ready', readCluster, (c) => current(c) && condition(c, 'Ready')?.status === 'True', 120_000);
    expect(cluster?.status?.oidcProviderArn).toMatch(/oidc-provider/);

    const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `lp-${SUFFIX}`, Description: 'pods of guarded', VpcId: stack.seed.vpcId }));
    const objects = KubernetesObjectApi.makeApiClient(loadKubeConfig({ kubeconfig: environment.kubeconfigPath }));
    for (const object of adoptedChildren()) await objects.create(object);
    for (const [namespace, name, spec] of WORKLOADS) {
      const withGroup = name === 'guarded' ? { ...spec, networking: { securityGroupIds: [group.GroupId ?? ''] } } : spec;
      await custom.createNamespacedCustomObject({ ...workloadRef, namespace, body: workloadManifest(namespace, name, withGroup) });
    }
    // Ready would also need the ALB's hostname on web's Ingress; what this proof needs is every part converged.
    const ready = (w: FargateWorkload | undefined) => ['IAMRoleReady', 'FargateProfileReady', 'WorkloadAvailable'].every((type) => condition(w, type)?.status === 'True');
    const web = await waitForWorkload(NS_A, 'web', ready);
    const api = await waitForWorkload(NS_B, 'api', ready);
    const db = await waitForWorkload(NS_B, 'db', ready);
    // Adopted whole: the hand-made Service's port 80 gives way to the planned 8080 (a merge would be refused).
    const adopted = await waitForWorkload(NS_A, 'adopted', (w) => ready(w) && condition(w, 'Stalled')?.status !== 'True' && condition(w, 'IngressReady') !== undefined);
    expect(condition(adopted, 'IngressReady')?.reason).not.toBe('InvalidSpec');
    for (const child of adoptedChildren()) {
      const live = await objects.read({ apiVersion: child.apiVersion, kind: child.kind, metadata: { name: 'adopted', namespace: NS_A } });
      expect([child.kind, live.metadata?.ownerReferences?.map((ref) => ref.name)]).toEqual([child.kind, ['adopted']]);
    }
    const service = await core.readNamespacedService({ name: 'adopted', namespace: NS_A });
    expect(service.spec?.ports?.map((port) => port.port)).toEqual([8080]);
    // No SecurityGroupPolicy CRD here: the workload says so instead of becoming Ready.
    const guarded = await waitForWorkload(NS_A, 'guarded', (w) => condition(w, 'NetworkReady')?.reason === 'SecurityGroupPolicyCRDMissing');
    await recordResourceUses((await readCluster())!, [web, api, db, guarded]);

    // Drift on web's IRSA role, made behind the operator's back; the resync repairs all of it.
    const roleName = parseRoleArn(web.status?.iamRoleArn ?? '').name;
    const repaired = await roleState(roleName);
    expect(repaired).toMatchObject({ boundary: BOUNDARY, attached: [S3_READ] });
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: S3_READ }));
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: roleName }));
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new UntagRoleCommand({ RoleName: roleName, TagKeys: [TAG_COMPONENT] }));
    await waitFor('drift repaired', () => roleState(roleName), (state) => JSON.stringify(state) === JSON.stringify(repaired), 60_000);

    // A grant taken away from the operator's user is felt at once (the cluster stalls, naming the
    // action) and given back heals without help: moto really judges each call by the policy.
    const withdrawn = withoutAction(motoEnforceablePolicy(renderedPolicy(BOUNDARY)), WITHDRAWN_ACTION);
    withdrawal.from = Date.now();
    const version = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: operatorUser.policyArn, PolicyDocument: JSON.stringify(withdrawn), SetAsDefault: true }));
    const stalled = await waitFor('cluster stalled on the withdrawn grant', readCluster, (c) => condition(c, 'Stalled')?.status === 'True', 60_000);
    expect(condition(stalled, 'Stalled')).toMatchObject({ reason: 'AccessDenied', message: expect.stringContaining(`not authorized to perform: ${WITHDRAWN_ACTION}`) });
    expect(version.PolicyVersion?.VersionId).toBe('v2');
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: operatorUser.policyArn, VersionId: 'v1' }));
    withdrawal.until = Date.now();
    await waitFor('cluster Ready with the grant back', readCluster, (c) => condition(c, 'Ready')?.status === 'True' && condition(c, 'Stalled')?.status !== 'True', 60_000);

    // A logging change applies the ConfigMap again, and a label taken off the namespace by hand is put back.
    await core.patchNamespace({ name: 'aws-observability', body: [{ op: 'remove', path: '/metadata/labels/aws-observability' }] });
    await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'replace', path: '/spec/logging/cloudWatch/retentionDays', value: 14 }] });
    await waitFor(
      'logging objects applied again',
      () => Promise.all([core.readNamespace({ name: 'aws-observability' }), core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' })]),
      ([namespace, configMap]) => namespace.metadata?.labels?.['aws-observability'] === 'enabled' && (configMap.data?.['output.conf'] ?? '').includes('log_retention_days 14'),
      60_000,
    );

    // Spec changes that take things away: web's policies, then the cluster's boundary and logging.
    await custom.patchNamespacedCustomObject({ ...workloadRef, namespace: NS_A, name: 'web', body: [{ op: 'remove', path: '/spec/iam' }] });
    await waitFor('web policies removed', () => roleState(roleName), (state) => state.attached.length === 0, 60_000);
    // The policy rendered with the boundary lets the operator never remove it: the platform renders
    // the policy for the cluster without one first (a third version), then changes the cluster.
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: operatorUser.policyArn, PolicyDocument: JSON.stringify(motoEnforceablePolicy(renderedPolicy(undefined))), SetAsDefault: true }));
    await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'remove', path: '/spec/iam/permissionsBoundaryArn' }] });
    await waitFor('boundary removed', () => roleState(roleName), (state) => state.boundary === undefined, 60_000);
    await custom.patchClusterCustomObject({ ...clusterRef, name: CLUSTER, body: [{ op: 'remove', path: '/spec/logging' }] });
    await waitFor('logging off', readCluster, (c) => current(c) && condition(c, 'LoggingReady')?.reason === 'NotRequested', 60_000);
    // The namespace controller removes the deleted namespace (a Terminating aws-observability
    // would hold up later suites that turn logging on).
    await waitFor('namespace aws-observability gone', () => core.readNamespace({ name: 'aws-observability' }).then(() => false, () => true), (gone) => gone, 60_000);

    for (const [namespace, name] of WORKLOADS) await deleteWorkload(namespace, name);
    for (const [namespace, name] of WORKLOADS) await waitFor(`${namespace}/${name} gone`, () => readWorkload(namespace, name), (w) => w === undefined, 120_000);
    await custom.deleteClusterCustomObject({ ...clusterRef, name: CLUSTER });
    await waitFor('cluster gone', readCluster, (c) => c === undefined, 120_000);
    const profiles = await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
    expect(profiles.fargateProfileNames ?? []).toEqual([]);
    await expect(iam.send(new GetRoleCommand({ RoleName: roleName }))).rejects.toThrow(/not found|cannot be found|NoSuchEntity/);
    scenarioDone = true;
  }, SCENARIO_TIMEOUT_MS);

  it('moto refused no call of the operator but those of the grant taken away, while it was away', () => {
    expect(scenarioDone).toBe(true);
    const refused = stack.proxy.calls.filter((call) => call.status === 403);
    // A call that was still in flight when the grant was withdrawn may be judged by either version.
    const outsideWithdrawal = refused.filter((call) => `${call.service}:${call.operation}` !== WITHDRAWN_ACTION || call.endedAt < withdrawal.from || call.startedAt > withdrawal.until);
    expect(outsideWithdrawal.map((call) => `${call.service}:${call.operation} ${call.path}`)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
  });

  it('every create the operator sent carried the ownership tag the policy requires of it', () => {
    expect(scenarioDone).toBe(true);
    const required = requiredRequestTags(heldPolicies());
    expect(stack.proxy.calls.filter((call) => required.has(`${call.service}:${call.operation}`)).length).toBeGreaterThan(0);
    expect(callsWithoutRequiredTags(stack.proxy.calls, required)).toEqual([]);
  });

  it('the ARNs of what the operator made fall under the Resources of the statements it needed on them', () => {
    expect(scenarioDone).toBe(true);
    const policy = heldPolicies();
    expect(uncoveredResources(policy, resourceUses)).toEqual([]);
    // Every action the operator used that the policy scopes to ARNs was checked on an ARN above.
    const scoped = arnScopedActions(policy, [...observedActions(stack.proxy.calls), ...Object.keys(AUTHORIZATION_ONLY_ACTIONS)]);
    const checked = new Set(resourceUses.flatMap((use) => use.actions));
    expect(scoped.filter((action) => !checked.has(action))).toEqual([]);
  });

  it('the rendered policies allow exactly the AWS actions the operator sent', () => {
    expect(scenarioDone).toBe(true);
    const comparison = compareGrants(observedActions(stack.proxy.calls), allowedActions(heldPolicies()), AUTHORIZATION_ONLY_ACTIONS);
    expect(comparison).toEqual({ missing: [], unused: [] });
  });

  it("deploy/base's ClusterRole and Role grant exactly what the ServiceAccount did at the API server", () => {
    expect(scenarioDone).toBe(true);
    const log = readFileSync(auditLogPath(dirname(environment.kubeconfigPath)), 'utf8');
    const comparison = compareGrants(auditedPermissions(log, OPERATOR_SERVICE_ACCOUNT_USER), grantedPermissions(OPERATOR_RBAC_FILES), UNAUDITABLE_PERMISSIONS);
    expect(comparison).toEqual({ missing: [], unused: [] });
  });
});
