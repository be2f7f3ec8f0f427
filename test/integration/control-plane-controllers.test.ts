/**
 * kube-controller-manager and kube-scheduler, built from the same k8s.io/kubernetes module as the
 * API server and started by the launcher with their own client certificates, on a control plane of
 * this suite's own (the shared one runs without them until the Fargate scheduler stand-in places
 * pods): real ServiceAccount, namespace, garbage-collection, Deployment and ReplicaSet controllers,
 * a scheduler that looks for a node for every pod, and KWOK, which keeps a simulated node Ready and
 * runs the pods bound to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, kubernetesVersion, type Binaries } from '../../scripts/dev-env/binaries.js';
import { SIMULATED_NODE_ANNOTATION, startControlPlane, type ControlPlane } from '../../scripts/dev-env/control-plane.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { waitFor } from '../support/wait-for.js';

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

  it('the namespace controller empties and removes a deleted namespace', async () => {
    await run(['delete', 'namespace', 'sa-probe', '--wait=false']);
    await waitFor('namespace gone', () => getJson(['namespace', 'sa-probe']), (found) => found === undefined, 60_000);
  });
});
