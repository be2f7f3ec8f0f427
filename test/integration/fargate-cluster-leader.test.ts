/**
 * Leader election as startOperator wires it, two operators in one process on the real API server:
 * only the leader reconciles, a standby takes over when the leader stops, and a leader whose lease
 * is taken calls onLostLeadership.
 */
import { CoordinationV1Api, CustomObjectsApi, V1MicroTime } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../src/api/constants.js';
import type { FargateCluster } from '../../src/api/types.js';
import { isConflict, isNotFound } from '../../src/kube/api-error.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const environment = readTestEnvironment();
const kubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
const clusterRef = { group: API_GROUP, version: API_VERSION, plural: 'fargateclusters' };
const clusterName = `no-eks-${Date.now().toString(36)}`;
const lease = { namespace: 'default', name: `eksfo-test-${Date.now().toString(36)}`, leaseDurationSeconds: 2, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

async function readCluster(): Promise<FargateCluster | undefined> {
  try {
    return (await custom.getClusterCustomObject({ ...clusterRef, name: clusterName })) as FargateCluster;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function reconciles(under: OperatorUnderTest): Promise<number> {
  const metric = await under.operator.context.metrics.reconcileTotal.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

const started: OperatorUnderTest[] = [];
afterAll(async () => {
  for (const under of started) await under.stop();
});

it('lets only the leader reconcile, hands over when it stops, and reports a lost lease', async () => {
  const lost: string[] = [];
  const start = async (identity: string) => {
    const under = await startOperatorForTest({
      leaderElection: { ...lease, identity },
      onLostLeadership: (operator) => {
        lost.push(identity);
        void operator.stop();
      },
    });
    started.push(under);
    return under;
  };
  const a = await start('a');
  await waitFor('a leads', () => a.operator.isLeader(), Boolean);
  const b = await start('b');

  await custom.createClusterCustomObject({
    ...clusterRef,
    body: { apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateCluster', metadata: { name: clusterName }, spec: { region: 'us-east-1', subnetIds: ['subnet-0a1b2c3d'], podExecutionRole: { create: true } } },
  });
  await waitFor('a reconciles the cluster', readCluster, (c) => c?.status?.conditions?.some((x) => x.reason === 'ClusterNotFound') === true);
  expect(b.operator.isLeader()).toBe(false);
  expect(await reconciles(b)).toBe(0);
  expect(b.awsCalls.count()).toBe(0);

  await a.stop();
  await waitFor('b takes over', () => b.operator.isLeader(), Boolean);
  await waitFor('b reconciles', () => reconciles(b), (n) => n > 0);
  expect(b.awsCalls.count({ operation: 'DescribeCluster' })).toBeGreaterThan(0);

  // b, leading, handles the delete (the finalizer goes).
  await custom.deleteClusterCustomObject({ ...clusterRef, name: clusterName });
  await waitFor('the cluster is gone', readCluster, (c) => c === undefined);

  // Someone else takes the lease while b holds it: b must stop reconciling. b renews every 200 ms,
  // so the take-over is a read-modify-write that retries on a conflict, as a real contender's is.
  const takeLease = async (): Promise<boolean> => {
    const current = await coordination.readNamespacedLease({ name: lease.name, namespace: lease.namespace });
    const now = new V1MicroTime(new Date().toISOString());
    try {
      await coordination.replaceNamespacedLease({
        name: lease.name,
        namespace: lease.namespace,
        body: { ...current, spec: { ...current.spec, holderIdentity: 'c', acquireTime: now, renewTime: now, leaseDurationSeconds: 60 } },
      });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  };
  await waitFor('c takes the lease', takeLease, Boolean);
  await waitFor('b reports the lost lease', () => lost, (l) => l.includes('b'));
  expect(lost).toEqual(['b']);
  await b.operator.stopped;
  expect(b.operator.isLeader()).toBe(false);
  await coordination.deleteNamespacedLease({ name: lease.name, namespace: lease.namespace });
});
