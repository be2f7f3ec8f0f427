/**
 * The FargateWorkload reconciler over fresh in-memory fakes, run as the controller would: one
 * reconcile, or reconciles until nothing more is asked, following requeues on a manual clock,
 * with every Deployment rolled out between passes (the Deployment controller's part).
 */
import type { FargateCluster } from '../../src/api/types.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { ManualClock } from '../../src/controller/clock.js';
import type { ReconcileResult } from '../../src/controller/reconciler.js';
import { parseKey } from '../../src/kube/object-key.js';
import { createLogger } from '../../src/observability/logger.js';
import { Confirmations } from '../../src/operator/confirmations.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { FAKE_ACCOUNT, FAKE_REGION, FAKE_VPC, FakeAwsAccount } from './fakes/fake-aws.js';
import { FakeKubernetes } from './fakes/fake-kubernetes.js';

export interface WorkloadHarnessOptions {
  /** How long a confirmed role is trusted without a read (the context's default otherwise). */
  confirmationsTtlMs?: number;
  /** The delay the queue promises a failed reconcile (ReconcileContext.retryDelayMs). */
  retryDelayMs?: number;
}

/** The reconciler, with `cluster` in the cache. */
export function workloadHarness(cluster: FargateCluster, options: WorkloadHarnessOptions = {}) {
  const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
  const aws = new FakeAwsAccount();
  const lane = new ProfileLane({ now: () => clock.now() });
  const kube = new FakeKubernetes();
  kube.clusters.set(cluster.metadata.name ?? '', cluster);
  const operatorContext = kube.context(aws.services(lane), lane, clock);
  if (options.confirmationsTtlMs !== undefined) operatorContext.confirmedRoles = new Confirmations(clock, options.confirmationsTtlMs);
  const reconciler = createFargateWorkloadReconciler(operatorContext);
  const context = { reconcileId: 'test', logger: createLogger({ silent: true }), signal: new AbortController().signal, retryDelayMs: options.retryDelayMs ?? 1_000 };
  /** One reconcile: its result, or the error it threw. */
  const run = async (key: string, runOptions: { resync?: { number: number } } = {}): Promise<ReconcileResult | Error> =>
    reconciler.reconcile(parseKey(key), { ...context, ...runOptions }).catch((error: unknown) => error as Error);
  /** Plays the Deployment controller: every Deployment has its current generation rolled out, all its replicas available. */
  const markAvailable = (): void => {
    for (const object of kube.objects.values()) {
      if (object.kind !== 'Deployment') continue;
      const replicas = (object.spec as { replicas?: number }).replicas ?? 1;
      const metadata = object.metadata as { generation?: number };
      metadata.generation ??= 1;
      object.status = { observedGeneration: metadata.generation, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas };
    }
  };
  /** Reconciles until nothing more is asked (or an error), following requeues on the clock. */
  const converge = async (key: string, rounds = 12): Promise<ReconcileResult | Error> => {
    let outcome: ReconcileResult | Error = {};
    for (let i = 0; i < rounds; i++) {
      markAvailable();
      outcome = await run(key);
      if (outcome instanceof Error || outcome.requeueAfterMs === undefined) return outcome;
      clock.advance(outcome.requeueAfterMs);
    }
    return outcome;
  };
  const condition = (key: string, type: string) => kube.workloads.get(key)?.status?.conditions?.find((c) => c.type === type);
  return { clock, aws, kube, run, converge, condition, markAvailable };
}

/** The EKS cluster the harness's FargateCluster names, and the facts its status reports. */
export const HARNESS_CLUSTER = 'prod';
export const HARNESS_SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'];
export const HARNESS_ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const HARNESS_EXECUTION_ROLE = `arn:aws:iam::${FAKE_ACCOUNT}:role/${HARNESS_CLUSTER}-us-east-1-fargate-pod-execution`;

/** A FargateCluster its reconciler has made Ready (facts in status), with `spec` laid over the base. */
export function readyFargateCluster(spec: Partial<FargateCluster['spec']>): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: HARNESS_CLUSTER, uid: 'cluster-uid', generation: 1 },
    spec: { region: FAKE_REGION, subnetIds: HARNESS_SUBNETS, profiles: { maxProfiles: 10, namePrefix: 'fw' }, ...spec },
    status: { oidcIssuer: HARNESS_ISSUER, podExecutionRoleArn: HARNESS_EXECUTION_ROLE, accountId: FAKE_ACCOUNT, vpcId: FAKE_VPC, conditions: [] } as FargateCluster['status'],
  };
}
