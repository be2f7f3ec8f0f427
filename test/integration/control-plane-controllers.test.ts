/**
 * kube-controller-manager and kube-scheduler, built from the same k8s.io/kubernetes module as the
 * API server and started by the launcher with their own client certificates, on a control plane of
 * this suite's own (so that it can give a plain node to KWOK and fixed profiles to the Fargate
 * scheduler stand-in, which the shared one must not see): real ServiceAccount, namespace,
 * garbage-collection, Deployment and ReplicaSet controllers,
 * a scheduler that looks for a node for every pod, KWOK, which keeps a simulated node Ready and
 * runs the pods bound to it, and the Fargate scheduler stand-in, which gives a pod an ACTIVE
 * profile takes a Fargate node of its own and deletes the pods of a profile being deleted (here
 * with a fixed list of profiles; the shared environment's are EKS's, from moto).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, kubernetesVersion, type Binaries } from '../../scripts/dev-env/binaries.js';
import { SIMULATED_NODE_ANNOTATION, startControlPlane, type ControlPlane } from '../../scripts/dev-env/control-plane.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { waitFor } from '../support/wait-for.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { startFargateScheduler } from '../../scripts/dev-env/fargate-scheduler/fargate-scheduler.js';
import type { ProfileView } from '../../scripts/dev-env/fargate-scheduler/fargate-placement.js';

// nodelifecycle lifts the not-ready taint the API server puts on every new node once it is Ready.
const CONTROLLERS = ['serviceaccount', 'serviceaccount-token', 'namespace', 'garbagecollector', 'deployment', 'replicaset', 'nodelifecycle'];

let binaries: Binaries;
let plane: ControlPlane | undefined;
let dir: string;

const run = (args: string[]) => kubectl({ kubectl: binaries.kubectl, kubeconfigPath: plane!.kubeconfigPath }, args);
const getJson = async <T>(args: string[]): Promise<T | undefined> => {
  try {
    return JSON.parse((await run(['get', ...args, '-o', 'json'])).stdout) as T;
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  binaries = await ensureBinaries(() => undefined);
  dir = mkdtempSync(join(tmpdir(), 'eksfo-controllers-'));
  plane = await startControlPlane({ binaries, dir, controllers: CONTROLLERS, simulatedNodes: true });
}, 120_000);

afterAll(async () => {
  await plane?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('kube-controller-manager and kube-scheduler', () => {
  it('run as their own users, at the same stamped version as the API server', async () => {
    expect(plane!.processes.map((process) => process.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
    const { stdout } = await run(['version', '-o', 'json']);
    expect((JSON.parse(stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion).toBe(kubernetesVersion());
    // RBAC's bootstrap roles know them by the user names their certificates carry.
    const controllerManager = await run(['auth', 'can-i', 'list', 'replicasets', '--all-namespaces', '--as=system:kube-controller-manager']);
    expect(controllerManager.stdout.trim()).toBe('yes');
    const scheduler = await run(['auth', 'can-i', 'create', 'pods', '--subresource=binding', '--all-namespaces', '--as=system:kube-scheduler']);
    expect(scheduler.stdout.trim()).toBe('yes');
  });

  it('the ServiceAccount controller gives a new namespace its default ServiceAccount', async () => {
    await run(['create', 'namespace', 'sa-probe']);
    const account = await waitFor('default ServiceAccount', () => getJson<{ metadata: { name: string } }>(['serviceaccount', 'default', '-n', 'sa-probe']), (found) => found !== undefined, 30_000);
    expect(account?.metadata.name).toBe('default');
  });

  it('garbage collection deletes a dependent once its owner is gone', async () => {
    await run(['create', 'configmap', 'owner', '-n', 'sa-probe']);
    const owner = await getJson<{ metadata: { uid: string } }>(['configmap', 'owner', '-n', 'sa-probe']);
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dependent', namespace: 'sa-probe', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner!.metadata.uid }] },
    };
    const file = join(dir, 'dependent.json');
    writeFileSync(file, JSON.stringify(dependent));
    await run(['apply', '-f', file]);
    await run(['delete', 'configmap', 'owner', '-n', 'sa-probe']);
    await waitFor('dependent collected', () => getJson(['configmap', 'dependent', '-n', 'sa-probe']), (found) => found === undefined, 30_000);
  });

  it('the Deployment and ReplicaSet controllers make the pod, and the scheduler says no node can take it', async () => {
    await run(['create', 'deployment', 'web', '--image=public.ecr.aws/nginx/nginx:1.27', '-n', 'sa-probe']);
    type PodList = { items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }[] };
    const pods = await waitFor(
      'a pod the scheduler looked at',
      () => getJson<PodList>(['pods', '-n', 'sa-probe', '-l', 'app=web']),
      (list) => Boolean(list?.items.some((pod) => pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'))),
      60_000,
    );
    const scheduled = pods?.items[0]?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(scheduled).toMatchObject({ reason: 'Unschedulable', message: 'no nodes available to schedule pods' });
  });

  it('on a simulated node (KWOK) the scheduler places the pod, it runs, and the Deployment controller reports it available', async () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'simulated-0', annotations: { [SIMULATED_NODE_ANNOTATION.key]: SIMULATED_NODE_ANNOTATION.value }, labels: { 'kubernetes.io/hostname': 'simulated-0', type: 'kwok' } },
      // What a kubelet registers: the scheduler fits pods into the allocatable resources.
      status: { capacity: { cpu: '2', memory: '4Gi', pods: '10' }, allocatable: { cpu: '2', memory: '4Gi', pods: '10' } },
    };
    const file = join(dir, 'node.json');
    writeFileSync(file, JSON.stringify(node));
    await run(['apply', '-f', file]);
    type NodeView = { status?: { conditions?: { type: string; status: string }[] } };
    await waitFor('node Ready', () => getJson<NodeView>(['node', 'simulated-0']), (n) => Boolean(n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), 30_000);
    type DeploymentView = { status?: { availableReplicas?: number } };
    await waitFor('Deployment available', () => getJson<DeploymentView>(['deployment', 'web', '-n', 'sa-probe']), (d) => d?.status?.availableReplicas === 1, 60_000);
    type PodList = { items: { spec: { nodeName?: string }; status: { phase: string } }[] };
    const pods = await getJson<PodList>(['pods', '-n', 'sa-probe', '-l', 'app=web']);
    expect(pods?.items.map((pod) => [pod.spec.nodeName, pod.status.phase])).toEqual([['simulated-0', 'Running']]);
  });

  it('KWOK renews the simulated node\'s Lease, as a kubelet does, so that the node lifecycle controller keeps it Ready', async () => {
    // The node lifecycle controller judges a node by its Lease (40 s grace): a Lease not renewed
    // makes the node NotReady and its pods not Ready. KWOK renews it every quarter of its duration.
    type LeaseView = { spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string } };
    const first = await waitFor('the node\'s Lease', () => getJson<LeaseView>(['lease', 'simulated-0', '-n', 'kube-node-lease']), (lease) => Boolean(lease?.spec?.renewTime), 30_000);
    expect(first?.spec).toMatchObject({ holderIdentity: expect.any(String), leaseDurationSeconds: 40 });
    await waitFor('the Lease renewed', () => getJson<LeaseView>(['lease', 'simulated-0', '-n', 'kube-node-lease']), (lease) => lease?.spec?.renewTime !== first?.spec?.renewTime, 30_000);
  }, 60_000);

  it('the namespace controller empties and removes a deleted namespace', async () => {
    await run(['delete', 'namespace', 'sa-probe', '--wait=false']);
    await waitFor('namespace gone', () => getJson(['namespace', 'sa-probe']), (found) => found === undefined, 60_000);
  });

  it('the Fargate scheduler stand-in gives a matching pod a Fargate node of its own, leaves another Pending with an event, and removes the node with the pod', async () => {
    await run(['delete', 'node', 'simulated-0']);
    let profiles: ProfileView[] = [{ name: 'fw-shared-1a2b', status: 'ACTIVE', selectors: [{ namespace: 'fargate-*', labels: {} }], subnets: ['subnet-a', 'subnet-b'] }];
    const subnets: Record<string, { zone: string; cidr: string }> = { 'subnet-a': { zone: 'us-east-1a', cidr: '10.0.1.0/24' }, 'subnet-b': { zone: 'us-east-1b', cidr: '10.0.2.0/24' } };
    const scheduler = await startFargateScheduler({
      kubeConfig: loadKubeConfig({ kubeconfig: plane!.kubeconfigPath }),
      region: 'us-east-1',
      clusterName: 'local',
      profiles: async () => profiles,
      subnetOf: async (subnet) => subnets[subnet] ?? Promise.reject(new Error(`unknown subnet ${subnet}`)),
      resyncMs: 250,
    });
    try {
      for (const namespace of ['fargate-a', 'elsewhere']) {
        await run(['create', 'namespace', namespace]);
        const deployment = {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'api', namespace },
          spec: {
            selector: { matchLabels: { app: 'api' } },
            template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
          },
        };
        writeFileSync(join(dir, `${namespace}.json`), JSON.stringify(deployment));
        await run(['apply', '-f', join(dir, `${namespace}.json`)]);
      }
      type PodList = { items: { metadata: { name: string; annotations?: Record<string, string> }; spec: { nodeName?: string }; status: { phase: string } }[] };
      const running = await waitFor(
        'the pod Running on a Fargate node',
        () => getJson<PodList>(['pods', '-n', 'fargate-a', '-l', 'app=api']),
        (list) => list?.items.length === 1 && list.items[0]!.status.phase === 'Running' && Boolean(list.items[0]!.spec.nodeName),
        60_000,
      );
      const pod = running!.items[0]!;
      // A private IP of one of the profile's subnets (the first four addresses are AWS's), in that subnet's zone.
      expect(pod.spec.nodeName).toMatch(/^fargate-ip-10-0-[12]-([4-9]|\d\d+)\.ec2\.internal$/);
      expect(pod.metadata.annotations?.['CapacityProvisioned']).toBe('0.25vCPU 1GB');
      type NodeView = { metadata: { labels: Record<string, string> }; spec: { taints?: { key: string; effect: string }[] } };
      const node = await getJson<NodeView>(['node', pod.spec.nodeName!]);
      const zone = pod.spec.nodeName!.startsWith('fargate-ip-10-0-1-') ? 'us-east-1a' : 'us-east-1b';
      expect(node?.metadata.labels).toMatchObject({ 'eks.amazonaws.com/compute-type': 'fargate', 'eks.amazonaws.com/fargate-profile': 'fw-shared-1a2b', 'topology.kubernetes.io/zone': zone });
      expect(node?.spec.taints).toEqual([expect.objectContaining({ key: 'eks.amazonaws.com/compute-type', effect: 'NoSchedule' })]);

      type EventList = { items: { reason: string; message: string; involvedObject: { name: string } }[] };
      const events = await waitFor('the unmatched pod\'s event', () => getJson<EventList>(['events', '-n', 'elsewhere']), (list) => Boolean(list?.items.some((e) => e.message.startsWith('Pod not supported on Fargate'))), 30_000);
      expect(events?.items.find((e) => e.message.startsWith('Pod not supported on Fargate'))?.message).toContain('no Fargate profile matches namespace elsewhere');
      const pending = await getJson<PodList>(['pods', '-n', 'elsewhere', '-l', 'app=api']);
      expect(pending?.items.map((p) => [p.status.phase, p.spec.nodeName])).toEqual([['Pending', undefined]]);

      // Deleting a profile deletes the pods scheduled with it; their replacement matches nothing and stays Pending.
      profiles = [{ ...profiles[0]!, status: 'DELETING' }];
      const replaced = await waitFor(
        'the pod deleted with its profile, and its replacement Pending',
        () => getJson<PodList>(['pods', '-n', 'fargate-a', '-l', 'app=api']),
        (list) => list?.items.length === 1 && list.items[0]!.metadata.name !== pod.metadata.name && list.items[0]!.status.phase === 'Pending',
        60_000,
      );
      await waitFor('the old node gone with its pod', () => getJson(['node', pod.spec.nodeName!]), (found) => found === undefined, 60_000);
      expect(replaced!.items[0]!.spec.nodeName).toBeUndefined();
      const deletedEvents = await waitFor('the deletion event', () => getJson<EventList>(['events', '-n', 'fargate-a']), (list) => Boolean(list?.items.some((e) => e.reason === 'FargateProfileDeleted')), 30_000);
      expect(deletedEvents?.items.find((e) => e.reason === 'FargateProfileDeleted')?.message).toBe('Fargate profile fw-shared-1a2b is being deleted: the pod is deleted with it');

      profiles = [{ ...profiles[0]!, name: 'fw-shared-9z9z', status: 'ACTIVE' }];
      const moved = await waitFor(
        'the replacement Running on a node of the new profile',
        () => getJson<PodList>(['pods', '-n', 'fargate-a', '-l', 'app=api']),
        (list) => list?.items.length === 1 && list.items[0]!.status.phase === 'Running',
        60_000,
      );
      const movedNode = await getJson<NodeView>(['node', moved!.items[0]!.spec.nodeName!]);
      expect(movedNode?.metadata.labels['eks.amazonaws.com/fargate-profile']).toBe('fw-shared-9z9z');

      await run(['delete', 'deployment', 'api', '-n', 'fargate-a']);
      await waitFor('the Fargate node gone with its pod', () => getJson(['node', moved!.items[0]!.spec.nodeName!]), (found) => found === undefined, 60_000);
    } finally {
      await scheduler.stop();
    }
  }, 120_000);
});
