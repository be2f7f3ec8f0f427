/**
 * What the FargateWorkload integration suites share: clients of the test environment (API server,
 * IAM and EKS through the proxy), reads of workloads and their conditions, the FargateCluster
 * they run on, and an operator with the workload reconciler.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeFargateProfileCommand, EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../src/api/constants.js';
import type { Condition, FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { eksProxyRemote, type EksProxyRemote } from '../../scripts/dev-env/eks-proxy.js';
import { startOperatorForTest, type OperatorUnderTest } from './operator-under-test.js';
import { EMULATOR_CREDENTIALS, type SeedResult } from '../../scripts/dev-env/seed.js';
import { readTestEnvironment } from './test-env.js';
import { waitFor } from './wait-for.js';

export const environment = readTestEnvironment();
if (!environment.seed) throw new Error('the integration environment was started without a seed');
export const seed: SeedResult = environment.seed;
export const CLUSTER = seed.clusterName;

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
export const custom = kubeConfig.makeApiClient(CustomObjectsApi);
export const core = kubeConfig.makeApiClient(CoreV1Api);
export const apps = kubeConfig.makeApiClient(AppsV1Api);
export const networking = kubeConfig.makeApiClient(NetworkingV1Api);
const awsConfig = { endpoint: environment.awsEndpoint, region: seed.region, credentials: EMULATOR_CREDENTIALS };
export const iam = new IAMClient(awsConfig);
export const eks = new EKSClient(awsConfig);
export const ec2 = new EC2Client(awsConfig);
const remote = eksProxyRemote(environment.awsEndpoint);

/**
 * Runs a proxy control call, once more on a failed fetch: a keep-alive socket left from the
 * previous suite can be reset by the proxy just as it is reused (ECONNRESET).
 */
async function retryOnReset<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof TypeError && error.message === 'fetch failed')) throw error;
    return call();
  }
}

/** The EKS proxy's control API (call log, delays, faults), robust to a reset keep-alive socket. */
export const proxy: EksProxyRemote = {
  calls: () => retryOnReset(() => remote.calls()),
  configure: (opts) => retryOnReset(() => remote.configure(opts)),
  clearCalls: () => retryOnReset(() => remote.clearCalls()),
};
export const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
export const workloadRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads' };

/**
 * The seeded cluster's FargateCluster with the suite's profile name prefix (so suites never share
 * a profile), plus `spec` on top.
 */
export function kitClusterManifest(namePrefix: string, spec: Partial<FargateCluster['spec']> = {}): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: { region: seed.region, subnetIds: seed.privateSubnetIds, podExecutionRole: { create: true }, profiles: { maxProfiles: 10, namePrefix }, iam: { createOIDCProvider: true }, ...spec },
  };
}

/** A FargateWorkload of one nginx container (0.25 vCPU, 512 MiB) labelled app=<name>, plus `spec` on top. */
export function kitWorkloadManifest(namespace: string, name: string, spec: Partial<FargateWorkload['spec']> = {}): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace },
    spec: {
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
      },
      ...spec,
    },
  };
}

/** The condition of a type on an object's status. */
export function condition(object: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** The workload, or undefined when it does not exist. */
export async function readWorkload(namespace: string, name: string): Promise<FargateWorkload | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({ ...workloadRef, namespace, name })) as FargateWorkload;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes a workload; a missing one is fine. */
export async function deleteWorkload(namespace: string, name: string): Promise<void> {
  try {
    await custom.deleteNamespacedCustomObject({ ...workloadRef, namespace, name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Creates the FargateCluster (or keeps the one there) and waits until it is Ready. */
export async function ensureReadyCluster(manifest: FargateCluster, timeoutMs = 60_000): Promise<FargateCluster> {
  await custom.createClusterCustomObject({ ...clusterRef, body: manifest }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
  return waitFor(
    `FargateCluster ${manifest.metadata.name ?? ''} Ready`,
    async () => (await custom.getClusterCustomObject({ ...clusterRef, name: manifest.metadata.name ?? '' })) as FargateCluster,
    (c) => condition(c, 'Ready')?.status === 'True',
    timeoutMs,
  );
}

/** Deletes the FargateCluster and waits until it is gone; failures are ignored (cleanup). */
export async function removeCluster(name: string, timeoutMs = 60_000): Promise<void> {
  await custom.deleteClusterCustomObject({ ...clusterRef, name }).catch(() => undefined);
  await waitFor(`FargateCluster ${name} gone`, () => custom.getClusterCustomObject({ ...clusterRef, name }).then(() => false, (error: unknown) => isNotFound(error)), (gone) => gone, timeoutMs).catch(() => undefined);
}

/** The names of the cluster's Fargate profiles that start with `<prefix>-`, sorted. */
export async function profilesWithPrefix(prefix: string): Promise<string[]> {
  const listed = await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
  return (listed.fargateProfileNames ?? []).filter((name) => name.startsWith(`${prefix}-`)).sort();
}

/**
 * Waits until no Fargate profile of the seeded cluster is CREATING or DELETING. EKS (and the proxy)
 * allow one profile transition per cluster, so a suite that leaves a profile DELETING would make
 * the next suite's first CreateFargateProfile fail with ResourceInUseException. Suites call this
 * when they end and before they create a profile themselves.
 */
export async function waitForProfilesSettled(timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `no Fargate profile of ${CLUSTER} in transition`,
    async () => {
      const listed = await eks.send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
      const states = await Promise.all(
        (listed.fargateProfileNames ?? []).map((name) =>
          eks.send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name })).then(
            (described) => `${name} ${described.fargateProfile?.status ?? 'gone'}`,
            () => `${name} gone`,
          ),
        ),
      );
      return states.filter((state) => state.endsWith(' CREATING') || state.endsWith(' DELETING'));
    },
    (inTransition) => inTransition.length === 0,
    timeoutMs,
  );
}

/** The operator in-process with the workload reconciler and a short resync, so drift tests need no long wait. */
export function startWorkloadOperator(resyncPeriodMs: number): Promise<OperatorUnderTest> {
  return startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler }, resyncPeriodMs });
}

const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
const SGP_CRD = 'securitygrouppolicies.vpcresources.k8s.aws';

/** A minimal SecurityGroupPolicy CRD, as the Amazon VPC resource controller installs it. */
export async function installSecurityGroupPolicyCrd(): Promise<void> {
  await extensions.createCustomResourceDefinition({
    body: {
      metadata: { name: SGP_CRD },
      spec: {
        group: 'vpcresources.k8s.aws',
        scope: 'Namespaced',
        names: { plural: 'securitygrouppolicies', singular: 'securitygrouppolicy', kind: 'SecurityGroupPolicy', shortNames: ['sgp'] },
        versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
      },
    },
  });
  await waitFor(
    'SecurityGroupPolicy CRD established',
    () => extensions.readCustomResourceDefinition({ name: SGP_CRD }),
    (crd) => (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
  );
}

/** Removes the CRD: other suites expect a cluster without it. */
export async function removeSecurityGroupPolicyCrd(): Promise<void> {
  await extensions.deleteCustomResourceDefinition({ name: SGP_CRD }).catch(() => undefined);
  await waitFor(
    'SecurityGroupPolicy CRD gone',
    () => extensions.readCustomResourceDefinition({ name: SGP_CRD }).then(() => false, (error: unknown) => isNotFound(error)),
    (gone) => gone,
  );
}

/**
 * The end of a workload suite, once its workloads are gone: the FargateCluster removed, the
 * operator stopped, the shared EKS proxy back to no delays or faults, the namespace deleted
 * (the namespace controller empties it) and the AWS clients closed.
 */
export async function endWorkloadSuite(namespace: string, operator: { stop(): Promise<void> } | undefined): Promise<void> {
  await removeCluster(CLUSTER);
  await operator?.stop();
  await waitForProfilesSettled().catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  destroyClients();
}

/** Closes the AWS clients. */
export function destroyClients(): void {
  iam.destroy();
  eks.destroy();
  ec2.destroy();
}
