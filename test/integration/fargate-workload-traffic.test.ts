/**
 * Traffic and networking of a FargateWorkload (issue 5, items 1, 2, 3, 6, 8) through the operator,
 * on the real API server and moto behind the EKS proxy: the Service, Ingress, SecurityGroupPolicy
 * and HPA it applies, the load balancer hostname read back, the replicas left to the HPA, and the
 * network preflight before any CreateFargateProfile. The environment's controllers (the HPA
 * controller among them), KWOK and Fargate scheduler stand-in run the rest of the cluster; the
 * test plays the AWS Load Balancer Controller (Ingress status) and an HPA scale (a scale patch
 * under the HPA controller's field manager: no metrics API runs here, so the real one never
 * scales on CPU).
 */
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { AutoscalingV2Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FIELD_MANAGER, LABEL_WORKLOAD } from '../../src/api/constants.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import {
  apps,
  CLUSTER,
  condition,
  core,
  custom,
  deleteWorkload,
  destroyClients,
  ec2,
  ensureReadyCluster,
  environment,
  installSecurityGroupPolicyCrd,
  networking,
  proxy,
  readWorkload,
  removeCluster,
  removeSecurityGroupPolicyCrd,
  seed,
  startWorkloadOperator,
  workloadRef,
} from '../support/fargate-workload-kit.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import type { OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = 'wtr';
const TEST_TIMEOUT_MS = 180_000;
const suffix = Date.now().toString(36);
const ns = `wtr-${suffix}`;
const sgpRef = { group: 'vpcresources.k8s.aws', version: 'v1beta1', plural: 'securitygrouppolicies' };
const MISSING_GROUP = 'sg-0000000000000dead';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0e7f8a4b-1111-2222-3333-444455556666';

const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const autoscaling = kubeConfig.makeApiClient(AutoscalingV2Api);
const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);

function clusterManifest(): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: CLUSTER },
    spec: {
      region: seed.region,
      subnetIds: seed.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: PREFIX },
      iam: { createOIDCProvider: true },
      // What the cases below ask for, allowed by the platform (the public subnet reaches the network preflight).
      networking: { allowedSecurityGroupIds: ['*'], allowedSubnetIds: [seed.publicSubnetId] },
      ingress: { allowInternetFacing: true, sharedGroupNames: ['storefront'], allowedAnnotations: ['alb.ingress.kubernetes.io/load-balancer-attributes'] },
    },
  };
}

function workloadManifest(name: string, spec: Partial<FargateWorkload['spec']> = {}): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'public.ecr.aws/nginx/nginx:1.27', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
      },
      ...spec,
    },
  };
}

/** Reads the workload until the check holds, playing the Deployment controller meanwhile. */
async function waitForWorkload(name: string, what: string, check: (w: FargateWorkload | undefined) => boolean): Promise<FargateWorkload> {
  const found = await waitFor(
    `${ns}/${name} ${what}`,
    async () => {
      return readWorkload(ns, name);
    },
    (w) => w?.status?.observedGeneration === w?.metadata.generation && check(w),
    120_000,
  );
  return found!;
}

async function gone(read: () => Promise<unknown>): Promise<boolean> {
  return read().then(
    () => false,
    (error: unknown) => isNotFound(error),
  );
}

let under: OperatorUnderTest;
const groupIds: string[] = [];

beforeAll(async () => {
  await proxy.configure({ creatingDelayMs: 500, deletingDelayMs: 500, faults: [] });
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (const name of ['a', 'b']) {
    const created = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `wtr-${suffix}-${name}`, Description: 'workload traffic test', VpcId: seed.vpcId }));
    groupIds.push(created.GroupId!);
  }
  under = await startWorkloadOperator(3_000);
  await ensureReadyCluster(clusterManifest());
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  for (const name of ['shop', 'public', 'ghost']) await deleteWorkload(ns, name).catch(() => undefined);
  for (const name of ['shop', 'public', 'ghost']) {
    await waitFor(`${ns}/${name} gone`, () => readWorkload(ns, name), (w) => w === undefined, 90_000).catch(() => undefined);
  }
  await removeCluster(CLUSTER);
  await under?.stop();
  await removeSecurityGroupPolicyCrd().catch(() => undefined);
  await proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0, faults: [] });
  for (const id of groupIds) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  destroyClients();
}, 240_000);

describe('FargateWorkload traffic and networking', () => {
  it('refuses user annotations that switch off target-type ip', async () => {
    const manifest = workloadManifest('shop', { ingress: { port: 8080, annotations: { 'alb.ingress.kubernetes.io/target-type': 'instance' } } });
    await expect(custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: manifest })).rejects.toMatchObject({ code: 422 });
  });

  it('converges ingress with TLS, security groups and autoscaling; the SecurityGroupPolicy CRD missing first, then installed', async () => {
    const manifest = workloadManifest('shop', {
      ingress: {
        port: 8080,
        host: 'shop.example.com',
        scheme: 'internet-facing',
        certificateArn: CERT,
        healthCheckPath: '/healthz',
        groupName: 'storefront',
        // A user annotation may add to what the operator sets (the keys it derives are refused: unit tests).
        annotations: { 'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=60' },
      },
      networking: { securityGroupIds: groupIds },
      autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
    });
    await custom.createNamespacedCustomObject({ ...workloadRef, namespace: ns, body: manifest });

    const withoutCrd = await waitForWorkload('shop', 'without the SecurityGroupPolicy CRD', (w) => condition(w, 'WorkloadAvailable')?.status === 'True');
    expect(condition(withoutCrd, 'NetworkReady')).toMatchObject({ status: 'False', reason: 'SecurityGroupPolicyCRDMissing' });
    expect(condition(withoutCrd, 'IngressReady')).toMatchObject({ status: 'False', reason: 'WaitingForLoadBalancer' });
    expect(condition(withoutCrd, 'Ready')?.status).toBe('False');
    expect(withoutCrd.status?.capacity).toEqual({ vcpu: '0.25', memoryGB: '1', hourlyCostUSD: '0.0146' });

    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
    const podLabels = deployment.spec!.selector.matchLabels!;
    expect(podLabels).toEqual({ [LABEL_WORKLOAD]: 'shop' });

    const ingress = await networking.readNamespacedIngress({ namespace: ns, name: 'shop' });
    const albAnnotations = Object.fromEntries(Object.entries(ingress.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('alb.ingress.kubernetes.io/')));
    expect(albAnnotations).toEqual({
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP":80},{"HTTPS":443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/certificate-arn': CERT,
      'alb.ingress.kubernetes.io/healthcheck-path': '/healthz',
      'alb.ingress.kubernetes.io/group.name': 'storefront',
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=60',
    });
    expect(ingress.spec).toEqual({
      ingressClassName: 'alb',
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shop', port: { number: 8080 } } } }] } }],
    });

    const service = await core.readNamespacedService({ namespace: ns, name: 'shop' });
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.selector).toEqual(podLabels);
    expect(service.spec?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 }]);

    const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'shop' });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    // The real HPA controller takes it: it read the Deployment's scale (AbleToScale), raised it to
    // minReplicas, and says why it cannot scale on CPU (no metrics API in this environment).
    const accepted = await waitFor(
      'the HPA controller acting on the HPA',
      () => autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'shop' }),
      (h) => h.status?.desiredReplicas === 2 && Boolean(h.status.conditions?.some((c) => c.type === 'ScalingActive')),
      60_000,
    );
    expect(accepted.status?.conditions?.find((c) => c.type === 'AbleToScale')).toMatchObject({ status: 'True' });
    expect(accepted.status?.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect((await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })).spec?.replicas).toBe(2);

    // The CRD appears (the VPC resource controller installed): the next look applies the policy.
    await installSecurityGroupPolicyCrd();
    const withCrd = await waitForWorkload('shop', 'SecurityGroupPolicy applied', (w) => condition(w, 'NetworkReady')?.status === 'True');
    expect(condition(withCrd, 'NetworkReady')?.reason).toBe('SecurityGroupPolicyApplied');
    const sgp = (await customObjects.getNamespacedCustomObject({ ...sgpRef, namespace: ns, name: 'shop' })) as { spec: unknown };
    expect(sgp.spec).toEqual({ podSelector: { matchLabels: podLabels }, securityGroups: { groupIds } });

    // Play the AWS Load Balancer Controller: the hostname goes into the workload's status, which is then Ready.
    const hostname = 'k8s-storefront-0123456789.us-east-1.elb.amazonaws.com';
    await networking.patchNamespacedIngressStatus(
      { namespace: ns, name: 'shop', body: { status: { loadBalancer: { ingress: [{ hostname }] } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const ready = await waitForWorkload('shop', 'Ready', (w) => condition(w, 'Ready')?.status === 'True');
    expect(ready.status?.loadBalancer).toEqual({ hostname });
    expect(condition(ready, 'IngressReady')).toMatchObject({ status: 'True', reason: 'LoadBalancerReady' });

    // kubectl get fw: Ready, Profile, Address and Age (and capacity with -o wide).
    const table = await kubectl(environment, ['get', 'fw', '-n', ns, 'shop', '-o', 'wide']);
    const [header, row] = table.stdout.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(header).toEqual(['NAME', 'READY', 'PROFILE', 'ADDRESS', 'VCPU', 'MEMORY-GB', 'AGE']);
    expect(row?.slice(0, 4)).toEqual(['shop', 'True', ready.status!.fargateProfile!.name, hostname]);
  }, TEST_TIMEOUT_MS);

  it('leaves the replicas to the HPA: the operator does not own spec.replicas, and a scale by the HPA survives its applies', async () => {
    // The operator's entries of the Deployment: Update from its create, folded into Apply before its first apply.
    const ownsReplicas = async (operations: string[]): Promise<boolean> => {
      const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
      const ours = (deployment.metadata?.managedFields ?? []).filter((f) => f.manager === FIELD_MANAGER && !f.subresource);
      expect(ours.map((f) => f.operation)).toEqual(operations);
      return ours.some((f) => Boolean((f.fieldsV1 as { 'f:spec'?: Record<string, unknown> })['f:spec']?.['f:replicas']));
    };
    expect(await ownsReplicas(['Update'])).toBe(false);

    await apps.patchNamespacedDeploymentScale(
      { namespace: ns, name: 'shop', body: { spec: { replicas: 4 } }, fieldManager: 'horizontal-pod-autoscaler' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // A template change makes the operator apply the Deployment again.
    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace: ns,
      name: 'shop',
      body: [{ op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MODE', value: 'scaled' }] }],
    });
    const reapplied = await waitFor(
      'the Deployment applied with the new env',
      () => apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      (d) => d.spec?.template.spec?.containers[0]?.env?.[0]?.value === 'scaled',
    );
    expect(reapplied.spec?.replicas).toBe(4);
    expect(await ownsReplicas(['Apply'])).toBe(false);
  }, TEST_TIMEOUT_MS);

  it('deletes the Ingress, Service, HPA and SecurityGroupPolicy once the spec drops them, and owns the replicas again', async () => {
    await custom.patchNamespacedCustomObject({
      ...workloadRef,
      namespace: ns,
      name: 'shop',
      body: [
        { op: 'remove', path: '/spec/ingress' },
        { op: 'remove', path: '/spec/autoscaling' },
        { op: 'remove', path: '/spec/networking' },
      ],
    });
    const ready = await waitForWorkload('shop', 'Ready without traffic parts', (w) => condition(w, 'Ready')?.status === 'True');
    expect(condition(ready, 'IngressReady')?.reason).toBe('NotRequested');
    expect(condition(ready, 'NetworkReady')?.reason).toBe('NotRequested');
    expect(await gone(() => networking.readNamespacedIngress({ namespace: ns, name: 'shop' }))).toBe(true);
    expect(await gone(() => core.readNamespacedService({ namespace: ns, name: 'shop' }))).toBe(true);
    expect(await gone(() => autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'shop' }))).toBe(true);
    expect(await gone(() => customObjects.getNamespacedCustomObject({ ...sgpRef, namespace: ns, name: 'shop' }))).toBe(true);
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
    expect(deployment.spec?.replicas).toBe(2);
  }, TEST_TIMEOUT_MS);

  it('stalls a workload on the public subnet before any CreateFargateProfile call', async () => {
    await proxy.clearCalls();
    await custom.createNamespacedCustomObject({
      ...workloadRef,
      namespace: ns,
      body: workloadManifest('public', { fargateProfile: { placement: 'Dedicated', subnetIds: [seed.publicSubnetId] } }),
    });
    const stalled = await waitForWorkload('public', 'Stalled', (w) => condition(w, 'Stalled')?.status === 'True');
    expect(condition(stalled, 'Stalled')?.reason).toBe('PublicSubnet');
    expect(condition(stalled, 'NetworkReady')).toMatchObject({ status: 'False', reason: 'PublicSubnet' });
    expect(condition(stalled, 'NetworkReady')?.message).toContain(seed.publicSubnetId);
    const creates = (await proxy.calls()).filter((call) => call.operation === 'CreateFargateProfile');
    expect(creates).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('names a missing security group in NetworkReady while the rest converges', async () => {
    await custom.createNamespacedCustomObject({
      ...workloadRef,
      namespace: ns,
      body: workloadManifest('ghost', { networking: { securityGroupIds: [groupIds[0]!, MISSING_GROUP] } }),
    });
    const waiting = await waitForWorkload('ghost', 'available with a missing group', (w) => condition(w, 'WorkloadAvailable')?.status === 'True');
    expect(condition(waiting, 'NetworkReady')).toMatchObject({ status: 'False', reason: 'SecurityGroupNotFound' });
    expect(condition(waiting, 'NetworkReady')?.message).toContain(MISSING_GROUP);
    expect(condition(waiting, 'FargateProfileReady')?.status).toBe('True');
    expect(condition(waiting, 'Ready')?.status).toBe('False');
    expect(condition(waiting, 'Stalled')?.status).not.toBe('True');
  }, TEST_TIMEOUT_MS);
});
