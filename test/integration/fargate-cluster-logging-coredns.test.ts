/**
 * Fargate logging and CoreDNS on Fargate, driven by the FargateCluster reconciler on the real API
 * server and moto behind the EKS proxy: logging on creates the aws-observability Namespace and
 * aws-logging ConfigMap and the execution role's CloudWatch Logs policy, off removes them;
 * coreDNSOnFargate creates the coredns profile through the lane (CREATING, then ACTIVE) and then
 * removes the compute-type annotation from kube-system/coredns, off deletes the profile.
 */
import { DescribeFargateProfileCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type V1Deployment } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, LABEL_MANAGED_BY } from '../../src/api/constants.js';
import type { Condition, FargateCluster } from '../../src/api/types.js';
import { SdkIamRoleStore } from '../../src/aws/iam-roles.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { COMPUTE_TYPE_ANNOTATION, planCoreDnsProfile } from '../../src/plan/coredns-profile.js';
import { EXECUTION_ROLE_LOGGING_POLICY_NAME, planPodExecutionRole } from '../../src/plan/pod-execution-role.js';
import { eksProxyRemote } from '../../scripts/dev-env/eks-proxy.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev-env/seed.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const environment = readTestEnvironment();
const seed = environment.seed;
if (!seed) throw new Error('the integration environment was started without a seed');
const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const core = kubeConfig.makeApiClient(CoreV1Api);
const apps = kubeConfig.makeApiClient(AppsV1Api);
const awsConfig = { endpoint: environment.awsEndpoint, region: seed.region, credentials: EMULATOR_CREDENTIALS };
const iam = new IAMClient(awsConfig);
const eks = new EKSClient(awsConfig);
const proxy = eksProxyRemote(environment.awsEndpoint);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
const LOG_GROUP = '/eks/demo/apps';

function manifest(spec: Partial<FargateCluster['spec']>): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: 'demo' },
    spec: { region: seed!.region, subnetIds: seed!.privateSubnetIds, podExecutionRole: { create: true }, profiles: { maxProfiles: 10, namePrefix: 'fw' }, iam: { createOIDCProvider: true }, ...spec },
  };
}

async function readCluster(): Promise<FargateCluster | undefined> {
  try {
    return (await custom.getClusterCustomObject({ ...clusterRef, name: 'demo' })) as FargateCluster;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function condition(cluster: FargateCluster | undefined, type: string): Condition | undefined {
  return cluster?.status?.conditions?.find((c) => c.type === type);
}

async function waitForCondition(type: string, status: Condition['status'], reason: string, timeoutMs?: number): Promise<FargateCluster> {
  return (await waitFor(
    `demo ${type}=${status} (${reason})`,
    readCluster,
    (cluster) => {
      const c = condition(cluster, type);
      return c?.status === status && c.reason === reason && cluster?.status?.observedGeneration === cluster?.metadata.generation;
    },
    timeoutMs,
  )) as FargateCluster;
}

async function patchSpec(spec: Partial<FargateCluster['spec']>): Promise<void> {
  const body = Object.entries(spec).map(([key, value]) =>
    value === undefined ? { op: 'remove', path: `/spec/${key}` } : { op: 'add', path: `/spec/${key}`, value },
  );
  await custom.patchClusterCustomObject({ ...clusterRef, name: 'demo', body });
}

async function readOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function loggingPolicyResources(roleName: string): Promise<unknown> {
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  if (!names.includes(EXECUTION_ROLE_LOGGING_POLICY_NAME)) return undefined;
  const policy = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: EXECUTION_ROLE_LOGGING_POLICY_NAME }));
  return JSON.parse(decodeURIComponent(policy.PolicyDocument ?? '')).Statement[0].Resource;
}

const roleName = planPodExecutionRole(manifest({}), { accountId: seed.accountId, region: seed.region, oidcIssuer: '' }).name;
const corednsProfile = planCoreDnsProfile(manifest({}), '').name;
let under: OperatorUnderTest;

beforeAll(async () => {
  under = await startOperatorForTest();
});

afterAll(async () => {
  await custom.deleteClusterCustomObject({ ...clusterRef, name: 'demo' }).catch(() => undefined);
  await waitFor('FargateCluster demo gone', readCluster, (cluster) => cluster === undefined, 60_000).catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0 });
  await under?.stop();
  await apps.deleteNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' }).catch(() => undefined);
  await new SdkIamRoleStore(iam).deleteRole(roleName);
  iam.destroy();
  eks.destroy();
});

describe('FargateCluster logging and CoreDNS on Fargate', () => {
  it('turning logging on creates the aws-observability objects and the role policy; off removes them', async () => {
    await custom.createClusterCustomObject({ ...clusterRef, body: manifest({ logging: { cloudWatch: { logGroupName: LOG_GROUP, retentionDays: 14 } } }) });
    const ready = await waitForCondition('LoggingReady', 'True', 'Configured');
    expect(condition(ready, 'LoggingReady')?.message).toContain('new pods only');
    expect(condition(ready, 'Ready')?.status).toBe('True');

    const namespace = await core.readNamespace({ name: 'aws-observability' });
    expect(namespace.metadata?.labels).toMatchObject({ 'aws-observability': 'enabled', [LABEL_MANAGED_BY]: 'eks-fargate-operator' });
    const configMap = await core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' });
    expect(configMap.data?.flb_log_cw).toBe('true');
    const outputConf = configMap.data?.['output.conf'] ?? '';
    expect(outputConf).toContain('Name cloudwatch_logs');
    expect(outputConf).toContain(`region ${seed.region}`);
    expect(outputConf).toContain(`log_group_name ${LOG_GROUP}`);
    expect(outputConf).toContain('log_retention_days 14');
    const group = `arn:aws:logs:${seed.region}:${seed.accountId}:log-group:`;
    expect(await loggingPolicyResources(roleName)).toEqual([`${group}${LOG_GROUP}`, `${group}${LOG_GROUP}:*`, `${group}demo-fluent-bit-logs`, `${group}demo-fluent-bit-logs:*`]);

    await patchSpec({ logging: undefined });
    await waitForCondition('LoggingReady', 'True', 'NotRequested');
    expect(await readOrUndefined(() => core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' }))).toBeUndefined();
    // The namespace controller empties the deleted namespace and removes it.
    const after = await readOrUndefined(() => core.readNamespace({ name: 'aws-observability' }));
    expect(after === undefined || after.metadata?.deletionTimestamp !== undefined).toBe(true);
    await waitFor('namespace aws-observability gone', () => readOrUndefined(() => core.readNamespace({ name: 'aws-observability' })), (ns) => ns === undefined, 60_000);
    await waitFor('the logging policy removed', () => loggingPolicyResources(roleName), (resources) => resources === undefined);
  });

  it('an aws-logging ConfigMap made by hand is left untouched (Stalled ConfigMapNotOwned) until annotated for adoption, then replaced; off removes it', async () => {
    // EKS reads one aws-logging for the whole cluster: someone's own configuration is not silently replaced.
    await core.createNamespace({ body: { metadata: { name: 'aws-observability', labels: { 'aws-observability': 'enabled' } } } });
    const handMade = await core.createNamespacedConfigMap({ namespace: 'aws-observability', body: { metadata: { name: 'aws-logging' }, data: { 'output.conf': '[OUTPUT]\n    Name stdout\n', 'filters.conf': '[FILTER]\n    Name grep\n' } } });
    await patchSpec({ logging: { cloudWatch: { logGroupName: LOG_GROUP } } });
    const stalled = await waitForCondition('LoggingReady', 'False', 'ConfigMapNotOwned');
    expect(condition(stalled, 'LoggingReady')?.message).toContain('annotate it fargate.eksops.dev/adopt: "true"');
    expect(condition(stalled, 'LoggingReady')?.message).toContain('looked at again every minute');
    const untouched = await core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' });
    expect([untouched.metadata?.resourceVersion, untouched.data]).toEqual([handMade.metadata?.resourceVersion, handMade.data]);

    // No informer watches it: the stalled part looks again every minute.
    await core.patchNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability', body: [{ op: 'add', path: '/metadata/annotations', value: { 'fargate.eksops.dev/adopt': 'true' } }] });
    await waitForCondition('LoggingReady', 'True', 'Configured', 90_000);
    const adopted = await core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' });
    expect(adopted.metadata?.uid).toBe(handMade.metadata?.uid);
    expect(adopted.data?.['output.conf']).toContain(`log_group_name ${LOG_GROUP}`);
    // The configuration is the plan's whole: the maker's filters are not kept beside it.
    expect(Object.keys(adopted.data ?? {}).sort()).toEqual(['flb_log_cw', 'output.conf']);
    expect(adopted.metadata?.ownerReferences?.map((ref) => ref.name)).toEqual(['demo']);

    // Adopted, it is the FargateCluster's to remove; the namespace someone else made stays.
    await patchSpec({ logging: undefined });
    await waitForCondition('LoggingReady', 'True', 'NotRequested');
    expect(await readOrUndefined(() => core.readNamespacedConfigMap({ name: 'aws-logging', namespace: 'aws-observability' }))).toBeUndefined();
    expect((await core.readNamespace({ name: 'aws-observability' })).metadata?.deletionTimestamp).toBeUndefined();
    await core.deleteNamespace({ name: 'aws-observability' });
    await waitFor('namespace aws-observability gone', () => readOrUndefined(() => core.readNamespace({ name: 'aws-observability' })), (ns) => ns === undefined, 60_000);
  }, 180_000);

  it('coreDNSOnFargate creates the coredns profile through the lane, then removes the compute-type annotation; off deletes the profile', async () => {
    const coredns: V1Deployment = {
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        template: {
          metadata: { labels: { 'k8s-app': 'kube-dns' }, annotations: { [COMPUTE_TYPE_ANNOTATION]: 'ec2', keep: 'me' } },
          spec: { containers: [{ name: 'coredns', image: 'public.ecr.aws/eks/coredns:v1.11.1' }] },
        },
      },
    };
    // Another suite (least-privilege) may have made it: then it is replaced with this one.
    await apps.createNamespacedDeployment({ namespace: 'kube-system', body: coredns }).catch(async (error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
      await apps.replaceNamespacedDeployment({ name: 'coredns', namespace: 'kube-system', body: coredns });
    });
    await proxy.configure({ creatingDelayMs: 1_500, deletingDelayMs: 1_500 });
    await patchSpec({ coreDNSOnFargate: true });

    const creating = await waitForCondition('CoreDNSReady', 'False', 'Creating');
    // While the profile is CREATING the pod template is left alone: moved pods would find no capacity.
    const during = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    expect(during.spec?.template.metadata?.annotations?.[COMPUTE_TYPE_ANNOTATION]).toBe('ec2');
    expect(condition(creating, 'Ready')?.status).toBe('False');

    const active = await waitForCondition('CoreDNSReady', 'True', 'Active');
    const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName: 'demo', fargateProfileName: corednsProfile }))).fargateProfile;
    expect(profile?.status).toBe('ACTIVE');
    expect(profile?.selectors).toEqual([{ namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }]);
    expect(active.status?.profiles).toEqual(expect.arrayContaining([expect.objectContaining({ name: corednsProfile, status: 'ACTIVE' })]));
    const patched = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    expect(patched.spec?.template.metadata?.annotations).toEqual({ keep: 'me' });

    await patchSpec({ coreDNSOnFargate: false });
    const off = await waitForCondition('CoreDNSReady', 'True', 'NotRequested');
    expect(condition(off, 'CoreDNSReady')?.message).toContain('not restored');
    const gone = await eks.send(new DescribeFargateProfileCommand({ clusterName: 'demo', fargateProfileName: corednsProfile })).catch((error: Error) => error.name);
    expect(gone).toBe('ResourceNotFoundException');
  });
});
