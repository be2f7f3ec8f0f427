/** Whether a live aws-observability object already matches the plan (no write), and the status conditions of logging and CoreDNS. */
import { clusterStatus, CONDITION_CLUSTER_FOUND, CONDITION_COREDNS_READY, CONDITION_EXECUTION_ROLE_READY, CONDITION_LOGGING_READY, CONDITION_OIDC_PROVIDER_READY } from '../../src/operator/cluster/cluster-status.js';
import { partReady, partStalled, partWaiting } from '../../src/operator/part-report.js';
import { configMapNotOwnedReason, coversDesired } from '../../src/operator/cluster/logging-part.js';
import { planFargateLogging } from '../../src/plan/fargate-logging.js';
import { FACTS, makeCluster } from './plan-fixtures.js';

const cluster = { ...makeCluster({ logging: { cloudWatch: { logGroupName: '/eks/prod/fargate' } } }), metadata: { name: 'prod', uid: 'uid-1', generation: 2 } };
const plan = planFargateLogging(cluster, FACTS)!;

describe('coversDesired', () => {
  it('is true for the applied object with extra fields the API server added', () => {
    const live = { ...plan.configMap, metadata: { ...plan.configMap.metadata, labels: { ...plan.configMap.metadata.labels, extra: 'x' }, resourceVersion: '7' } };
    expect(coversDesired(live, plan.configMap)).toBe(true);
    expect(coversDesired(plan.namespace, plan.namespace)).toBe(true);
  });

  it('is false when the data, a label or the owner differ, or a data key is extra', () => {
    expect(coversDesired({ ...plan.configMap, data: { ...plan.configMap.data, flb_log_cw: 'false' } }, plan.configMap)).toBe(false);
    expect(coversDesired({ ...plan.configMap, data: { ...plan.configMap.data, 'filters.conf': '' } }, plan.configMap)).toBe(false);
    expect(coversDesired({ ...plan.namespace, metadata: { ...plan.namespace.metadata, labels: {} } }, plan.namespace)).toBe(false);
    const otherOwner = [{ ...plan.namespace.metadata.ownerReferences[0]!, uid: 'uid-old' }];
    expect(coversDesired({ ...plan.namespace, metadata: { ...plan.namespace.metadata, ownerReferences: otherOwner } }, plan.namespace)).toBe(false);
  });
});

describe('configMapNotOwnedReason: whose aws-logging ConfigMap this FargateCluster may change', () => {
  /** The FargateClusters that exist: this one and staging. */
  const LIVE = new Set(['uid-1', 'uid-2']);

  it("is none for the one the operator made for this FargateCluster, or one annotated for adoption", () => {
    expect(configMapNotOwnedReason(plan.configMap, cluster, LIVE)).toBeUndefined();
    expect(configMapNotOwnedReason({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aws-logging', annotations: { 'fargate.eksops.dev/adopt': 'true' } } }, cluster, LIVE)).toBeUndefined();
  });

  it('names what to do for one made by hand, and the other FargateCluster for one made for it', () => {
    const handMade = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aws-logging', namespace: 'aws-observability' } };
    expect(configMapNotOwnedReason(handMade, cluster, LIVE)).toBe(
      'ConfigMap aws-observability/aws-logging exists and was not made by the operator for this FargateCluster; annotate it fargate.eksops.dev/adopt: "true" to let the operator replace its configuration, or delete it',
    );
    const otherOwner = [{ ...plan.configMap.metadata.ownerReferences[0]!, uid: 'uid-2', name: 'staging' }];
    const others = { ...plan.configMap, metadata: { ...plan.configMap.metadata, ownerReferences: otherOwner } };
    expect(configMapNotOwnedReason(others, cluster, LIVE)).toMatch(/^ConfigMap aws-observability\/aws-logging configures Fargate logging for FargateCluster staging; .* only one FargateCluster of a Kubernetes cluster can set spec.logging/);
    // The adopt annotation does not take another FargateCluster's.
    const annotated = { ...others, metadata: { ...others.metadata, annotations: { 'fargate.eksops.dev/adopt': 'true' } } };
    expect(configMapNotOwnedReason(annotated, cluster, LIVE)).toMatch(/for FargateCluster staging/);
    // One a deleted FargateCluster left (the garbage collector not by yet) is the operator's to take.
    expect(configMapNotOwnedReason(others, cluster, new Set(['uid-1']))).toBeUndefined();
    // The operator's label alone is no proof: the owner reference names the FargateCluster.
    const labelOnly = { ...plan.configMap, metadata: { ...plan.configMap.metadata, ownerReferences: [] } };
    expect(configMapNotOwnedReason(labelOnly, cluster, LIVE)).toMatch(/not made by the operator for this FargateCluster/);
  });
});

describe('cluster status with logging and CoreDNS', () => {
  const found = partReady(CONDITION_CLUSTER_FOUND, 'Found', 'ok');
  const provider = partReady(CONDITION_OIDC_PROVIDER_READY, 'Ready', 'ok');
  const role = partReady(CONDITION_EXECUTION_ROLE_READY, 'Ready', 'ok');
  it('adds LoggingReady and CoreDNSReady, and a CoreDNS profile still CREATING keeps the cluster Reconciling', () => {
    const status = clusterStatus(
      cluster,
      {
        parts: [found, provider, role, partReady(CONDITION_LOGGING_READY, 'NotRequested', 'off'), partWaiting(CONDITION_COREDNS_READY, 'Creating', 'Fargate profile fw-coredns is CREATING', 5_000)],
        facts: {},
      },
      new Date(0),
    );
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.LoggingReady).toMatchObject({ status: 'True', reason: 'NotRequested' });
    expect(byType.CoreDNSReady).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(byType.Reconciling).toMatchObject({ status: 'True', reason: 'Creating' });
    expect(byType.Ready?.status).toBe('False');
  });

  it('stalls on a logging configuration over the limit', () => {
    const status = clusterStatus(cluster, { parts: [found, provider, role, partStalled(CONDITION_LOGGING_READY, 'ConfigTooLong', 'too long')], facts: {} }, new Date(0));
    expect(status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'ConfigTooLong' });
  });
});
