/**
 * A hostile application team (issue 11), on the real API server + moto: a user who may only write
 * FargateWorkloads (and read) in its namespace tries to step outside the FargateCluster's guard
 * rails, one escalation per case. Each is refused by `kubectl apply` with a message naming the
 * field, or ends Stalled with the reason and the field; afterwards, AWS holds nothing outside the
 * guard rails and no Kubernetes object but the workloads' own was changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeFargateProfileCommand } from '@aws-sdk/client-eks';
import { ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { FIELD_MANAGER } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { kubectl, KubectlError } from '../../scripts/dev-env/kubectl.js';
import {
  CLUSTER,
  apps,
  condition,
  core,
  deleteWorkload,
  destroyClients,
  eks,
  ensureReadyCluster,
  environment,
  iam,
  kitClusterManifest,
  kitWorkloadManifest,
  profilesWithPrefix,
  proxy,
  readWorkload,
  removeCluster,
  seed,
} from '../support/fargate-workload-kit.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'hst';
const suffix = Date.now().toString(36);
const ns = `team-a-${suffix}`;
const USER = 'alice@team-a';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const rbac = loadKubeConfig({ kubeconfig: environment.kubeconfigPath }).makeApiClient(RbacAuthorizationV1Api);

type Spec = Partial<FargateWorkload['spec']>;
type Template = Record<string, unknown>;

/** A workload of the team, with `spec` on top and `podSpec` merged into the pod template's spec. */
function manifest(name: string, spec: Spec = {}, podSpec: Template = {}, podMeta: Template = {}): FargateWorkload {
  const base = kitWorkloadManifest(ns, name, { iam: { managedPolicyArns: [S3_READ] }, ...spec });
  const template = base.spec.template;
  return { ...base, spec: { ...base.spec, template: { metadata: { ...template.metadata, ...podMeta }, spec: { ...template.spec, ...podSpec } as FargateWorkload['spec']['template']['spec'] } } };
}

const container = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx', ...extra });

let dir: string;
let under: OperatorUnderTest;

/** kubectl as the team's user, in its namespace. */
function asTeam(args: string[]) {
  return kubectl(environment, [`--as=${USER}`, '-n', ns, ...args]);
}

/** Applies an object as the team; what the API server said. */
async function apply(name: string, object: object): Promise<{ accepted: boolean; message: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(object));
  try {
    await asTeam(['apply', '-f', file]);
    return { accepted: true, message: '' };
  } catch (error) {
    if (error instanceof KubectlError) return { accepted: false, message: error.stderr };
    throw error;
  }
}

// Refused at admission: [case, object, what the refusal must say].
const REFUSED: [string, FargateWorkload, RegExp[]][] = [
  ['privileged container', manifest('priv', {}, { containers: [container({ securityContext: { privileged: true } })] }), [/privileged/]],
  ['host network', manifest('hnet', {}, { hostNetwork: true }), [/hostNetwork/]],
  ['host PID', manifest('hpid', {}, { hostPID: true }), [/hostPID/]],
  ['host IPC', manifest('hipc', {}, { hostIPC: true }), [/hostIPC/]],
  ['host port', manifest('hport', {}, { containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })] }), [/hostPort/]],
  ['the host root filesystem (hostPath)', manifest('hpath', {}, { volumes: [{ name: 'root', hostPath: { path: '/' } }] }), [/volumes\[0\]\.hostPath/]],
  ['an added capability', manifest('cap', {}, { containers: [container({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })] }), [/capabilities\.add/, /SYS_PTRACE/]],
  ['pinned to a node', manifest('pin', {}, { nodeName: 'ip-10-0-0-1.ec2.internal' }), [/nodeName/]],
  ['another scheduler', manifest('sched', {}, { schedulerName: 'rogue' }), [/schedulerName/]],
  ['node affinity to EC2', manifest('aff', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'In', values: ['ec2'] }] }] } } } }), [/nodeAffinity/]],
  ['the EC2 compute-type annotation', manifest('ec2a', {}, {}, { annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } }), [/compute-type/]],
  ['an EC2 compute-type node selector', manifest('ec2s', {}, { nodeSelector: { 'eks.amazonaws.com/compute-type': 'ec2' } }), [/nodeSelector/]],
  ['a system priority class', manifest('prio', {}, { priorityClassName: 'system-node-critical' }), [/priorityClassName/]],
  ['an EBS volume', manifest('ebs', {}, { volumes: [{ name: 'd', awsElasticBlockStore: { volumeID: 'vol-0123' } }] }), [/awsElasticBlockStore/]],
  ["choosing another team's Fargate profile by label", manifest('plabel', {}, {}, { labels: { app: 'plabel', 'eks.amazonaws.com/fargate-profile': 'platform-critical' } }), [/fargate-profile/]],
  ['ALB targets by instance (node ports)', manifest('inst', { ingress: { port: 8080, annotations: { 'alb.ingress.kubernetes.io/target-type': 'instance' } } }), [/target-type/]],
];

// Accepted by the API server, then Stalled by the operator before any AWS write: [case, object, reason, field].
const GUARD_RAILS: [string, FargateWorkload, string, string][] = [
  ['account admin as a managed policy', manifest('admin', { iam: { managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } }), 'InvalidSpec', 'spec.iam.managedPolicyArns[0]'],
  ['an inline policy where none are allowed', manifest('inline', { iam: { inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } }), 'InvalidSpec', 'spec.iam.inlinePolicy'],
  ["bringing the platform's own role", manifest('own', { iam: { roleArn: `arn:aws:iam::${seed.accountId}:role/eks-fargate-operator` } }), 'InvalidSpec', 'spec.iam.roleArn'],
  ['bringing a role of another account', manifest('xacct', { iam: { roleArn: 'arn:aws:iam::999999999999:role/OrganizationAccountAccessRole' } }), 'InvalidSpec', 'spec.iam.roleArn'],
  ['a security group of its choosing', manifest('sg', { networking: { securityGroupIds: ['sg-0123456789abcdef0'] } }), 'InvalidSpec', 'spec.networking.securityGroupIds[0]'],
  ['a public subnet for its pods', manifest('pub', { fargateProfile: { placement: 'Dedicated', subnetIds: [seed.publicSubnetId] } }), 'InvalidSpec', 'spec.fargateProfile.subnetIds[0]'],
  ['an internet-facing load balancer', manifest('inet', { ingress: { port: 8080, scheme: 'internet-facing' } }), 'InvalidSpec', 'spec.ingress.scheme'],
  ["joining another team's ALB", manifest('grp', { ingress: { port: 8080, groupName: 'payments' } }), 'InvalidSpec', 'spec.ingress.groupName'],
  ['an ALB annotation that opens security groups', manifest('annot', { ingress: { port: 8080, annotations: { 'alb.ingress.kubernetes.io/security-groups': 'sg-0123456789abcdef0' } } }), 'InvalidSpec', 'spec.ingress.annotations["alb.ingress.kubernetes.io/security-groups"]'],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-team-'));
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // The team may write FargateWorkloads in its namespace, and read everything there; nothing else.
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: 'workload-author' },
      rules: [
        { apiGroups: ['fargate.eksops.dev'], resources: ['fargateworkloads'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['', 'apps', 'networking.k8s.io', 'autoscaling', 'policy'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: 'workload-author' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'workload-author' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }] },
  });
  under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler } });
  // Strict guard rails: one managed policy, no inline policies, no roles brought, no security groups, internal ALBs only.
  await ensureReadyCluster(kitClusterManifest(PREFIX, { iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [S3_READ], createOIDCProvider: true } }));
  await proxy.clearCalls();
}, 180_000);

afterAll(async () => {
  const workloads = ['legit', 'borrow', 'thief', 'taken'];
  await Promise.all(workloads.map((name) => deleteWorkload(ns, name)));
  await Promise.all(workloads.map((name) => waitFor(`${ns}/${name} gone`, () => readWorkload(ns, name), (w) => w === undefined, 90_000).catch(() => undefined)));
  await removeCluster(CLUSTER);
  await under?.stop();
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  destroyClients();
}, 240_000);

describe('a team that may only write FargateWorkloads in its namespace', () => {
  test('cannot write anything else: a ServiceAccount, the FargateCluster, another namespace', async () => {
    const sa = await apply('sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'mine', namespace: ns } });
    expect(sa.accepted).toBe(false);
    expect(sa.message).toMatch(/forbidden/);
    await expect(asTeam(['patch', 'fargatecluster', CLUSTER, '--type=merge', '-p', '{"spec":{"iam":{"allowInlinePolicies":true}}}'])).rejects.toThrow(/forbidden/);
    const elsewhere = join(dir, 'elsewhere.yaml');
    writeFileSync(elsewhere, stringify({ ...manifest('x'), metadata: { name: 'x', namespace: 'default' } }));
    await expect(kubectl(environment, [`--as=${USER}`, '-n', 'default', 'apply', '-f', elsewhere])).rejects.toThrow(/forbidden/);
  });

  test.each(REFUSED)('%s: refused by kubectl apply, naming the field', async (_case, object, messages) => {
    const result = await apply(object.metadata.name ?? '', object);
    expect(result.accepted).toBe(false);
    for (const message of messages) expect(result.message).toMatch(message);
  });

  test.each(GUARD_RAILS)('%s: Stalled with the field named, before any AWS write', async (_case, object, reason, field) => {
    const name = object.metadata.name ?? '';
    expect(await apply(name, object)).toEqual({ accepted: true, message: '' });
    const stalled = await waitFor(`${ns}/${name} Stalled`, () => readWorkload(ns, name), (w) => condition(w, 'Stalled')?.status === 'True', 30_000);
    expect(condition(stalled, 'Stalled')).toMatchObject({ reason, message: expect.stringContaining(`${field}: `) });
    expect(stalled?.metadata.finalizers ?? []).toEqual([]);
    await asTeam(['delete', 'fargateworkload', name, '--wait=false']);
  });

  test("cannot take over Kubernetes objects: the platform's ServiceAccount, another workload's, a Deployment made by hand", async () => {
    const platformSa = await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'platform-sa', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${seed.accountId}:role/platform` } } } });
    const labels = { app: 'hand-made' };
    const handMade = await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'taken' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container()] } } } },
    });
    expect((await apply('legit', manifest('legit'))).accepted).toBe(true);
    await waitFor(
      `${ns}/legit available`,
      async () => {
        return readWorkload(ns, 'legit');
      },
      (w) => condition(w, 'WorkloadAvailable')?.status === 'True',
      90_000,
    );
    const legitSa = await core.readNamespacedServiceAccount({ namespace: ns, name: 'legit' });

    const attempts: [string, FargateWorkload, RegExp][] = [
      ['borrow', manifest('borrow', { iam: { serviceAccountName: 'platform-sa', managedPolicyArns: [S3_READ] } }), /ServiceAccount .*\/platform-sa exists and it was not created by this workload/],
      ['thief', manifest('thief', { iam: { serviceAccountName: 'legit', managedPolicyArns: [S3_READ] } }), /ServiceAccount .*\/legit exists and it is controlled by FargateWorkload .*\/legit/],
      ['taken', manifest('taken'), /Deployment .*\/taken exists and it was not created by this workload/],
    ];
    for (const [name, object, message] of attempts) {
      expect((await apply(name, object)).accepted).toBe(true);
      const stalled = await waitFor(`${ns}/${name} NotOwned`, () => readWorkload(ns, name), (w) => condition(w, 'Stalled')?.reason === 'NotOwned', 60_000);
      expect(condition(stalled, 'Stalled')?.message).toMatch(message);
    }
    // Nothing of theirs changed.
    expect((await core.readNamespacedServiceAccount({ namespace: ns, name: 'platform-sa' })).metadata?.resourceVersion).toBe(platformSa.metadata?.resourceVersion);
    expect((await core.readNamespacedServiceAccount({ namespace: ns, name: 'legit' })).metadata?.resourceVersion).toBe(legitSa.metadata?.resourceVersion);
    // The Deployment controller writes the hand-made Deployment's status: its spec, labels and
    // annotations are as made, and no apply of the operator's touched it.
    const taken = await apps.readNamespacedDeployment({ namespace: ns, name: 'taken' });
    expect(taken.metadata?.generation).toBe(handMade.metadata?.generation);
    expect(taken.spec).toEqual(handMade.spec);
    const { 'deployment.kubernetes.io/revision': _revision, ...annotations } = taken.metadata?.annotations ?? {};
    expect([taken.metadata?.labels, annotations]).toEqual([handMade.metadata?.labels, handMade.metadata?.annotations ?? {}]);
    expect((taken.metadata?.managedFields ?? []).map((entry) => entry.manager)).not.toContain(FIELD_MANAGER);
  });

  test('AWS holds nothing outside the guard rails: no inline policy, only the allowed managed policy, profiles on the cluster subnets', async () => {
    const calls = await proxy.calls();
    const writes = calls.filter((call) => /^(Create|Put|Attach|Tag|Update|Delete)/.test(call.operation));
    expect(writes.filter((call) => call.operation === 'PutRolePolicy')).toEqual([]);
    // One role per workload that reached AWS (legit and the three that stalled on Kubernetes ownership), each with S3 read only.
    const roleArns = await Promise.all(['legit', 'borrow', 'thief', 'taken'].map(async (name) => (await readWorkload(ns, name))?.status?.iamRoleArn));
    for (const arn of roleArns) {
      expect(arn).toMatch(/:role\/eksops\//);
      const roleName = arn!.slice(arn!.lastIndexOf('/') + 1);
      expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([S3_READ]);
      expect((await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? []).toEqual([]);
    }
    expect(writes.filter((call) => call.operation === 'CreateRole')).toHaveLength(4);
    const profiles = await profilesWithPrefix(PREFIX);
    expect(profiles.length).toBeGreaterThan(0);
    for (const profileName of profiles) {
      const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: profileName }))).fargateProfile;
      expect(profile?.subnets?.every((subnet) => seed.privateSubnetIds.includes(subnet))).toBe(true);
    }
  });
});
