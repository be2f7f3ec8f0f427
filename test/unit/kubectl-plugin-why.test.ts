// `kubectl fargate why`: each part's state from recorded statuses, the cause, and the next step for its reason.
import { describe, expect, it } from '@jest/globals';
import type { FargateWorkload } from '../../src/api/types.js';
import { nextStepFor } from '../../src/kubectl-plugin/next-steps.js';
import { painter } from '../../src/kubectl-plugin/text-style.js';
import { explainWorkload, type PartExplanation, type WhyInput } from '../../src/kubectl-plugin/why-explainer.js';
import { renderWhy } from '../../src/kubectl-plugin/why-renderer.js';
import { childrenOf } from '../../src/kubectl-plugin/workload-tree.js';
import { childrenFor, clusterFixture, NO_CHILDREN, podOf, podWarning, recordedWorkload } from './kubectl-plugin-fixtures.js';

function input(workload: FargateWorkload, overrides: Partial<WhyInput> = {}): WhyInput {
  return { workload, clusters: [clusterFixture('healthy')], children: childrenOf(workload, NO_CHILDREN), podEvents: [], ...overrides };
}

/** part -> state (reason), to compare every part at once. */
const states = (parts: PartExplanation[]): Record<string, string> => Object.fromEntries(parts.map((p) => [p.part, p.reason ? `${p.state} (${p.reason})` : p.state]));

describe('why', () => {
  it('a Ready workload: every part Ready or not requested, no cause and no next step', () => {
    const workload = recordedWorkload('recorded-ready');
    const children = childrenOf(workload, childrenFor(workload, { ready: 1, desired: 1, pods: [podOf(workload, 'web-1', 'fargate-ip-10-0-1-5.ec2.internal')] }));
    const report = explainWorkload(input(workload, { children }));
    expect(report).toMatchObject({ ready: true, cause: null, nextStep: null });
    expect(states(report.parts)).toEqual({
      cluster: 'Ready (Ready)',
      spec: 'Ready',
      network: 'NotRequested (NotRequested)',
      fargateProfile: 'Ready (Active)',
      iamRole: 'Ready (Converged)',
      deployment: 'Ready (Available)',
      pods: 'Ready',
      ingress: 'NotRequested (NotRequested)',
    });
    expect(report.parts.find((p) => p.part === 'pods')?.message).toBe('Running and ready on fargate-ip-10-0-1-5.ec2.internal');
  });

  it('a workload waiting for its profile: the profile is the cause (not the parts that wait for it), with the next step for Creating', () => {
    const report = explainWorkload(input(recordedWorkload('recorded-progressing', { ingress: { port: 8080 } })));
    expect(states(report.parts)).toMatchObject({
      fargateProfile: 'Waiting (Creating)',
      network: 'Waiting (WaitingForProfile)',
      deployment: 'Waiting (WaitingForProfile)',
      pods: 'Unknown',
      ingress: 'Waiting (WaitingForProfile)',
    });
    expect(report).toMatchObject({ ready: false, health: { state: 'Progressing', reason: 'Creating' }, cause: 'fargateProfile', nextStep: nextStepFor('Creating') });
    expect(report.parts.find((p) => p.part === 'fargateProfile')).toMatchObject({ subject: 'Fargate profile rec-shared-95cfb18f (CREATING)', message: 'Fargate profile rec-shared-95cfb18f is CREATING' });
    // Without spec.ingress there is nothing to wait for.
    expect(states(explainWorkload(input(recordedWorkload('recorded-progressing'))).parts).ingress).toBe('NotRequested (NotRequested)');
  });

  it('a workload Stalled on its spec: the spec part is the cause and says which field; the parts after it are not reported', () => {
    const report = explainWorkload(input(recordedWorkload('recorded-stalled-invalid-spec')));
    const spec = report.parts.find((p) => p.part === 'spec');
    expect(spec).toMatchObject({ state: 'Stalled', reason: 'InvalidSpec', nextStep: nextStepFor('InvalidSpec') });
    expect(spec?.message).toMatch(/^spec\.template\.spec\.containers: the pod needs 20 vCPU/);
    expect(report).toMatchObject({ cause: 'spec', nextStep: nextStepFor('InvalidSpec') });
    expect(states(report.parts)).toMatchObject({ fargateProfile: 'Unknown', iamRole: 'Unknown', deployment: 'Unknown' });
    expect(report.parts.find((p) => p.part === 'iamRole')?.message).toBe('not reached: the operator stops before it while the workload is Stalled');
  });

  it('a workload Stalled on a part: that part Stalled with its next step (ProfileQuotaExceeded)', () => {
    const report = explainWorkload(input(recordedWorkload('recorded-stalled-profile-quota')));
    expect(report.parts.find((p) => p.part === 'fargateProfile')).toMatchObject({ state: 'Stalled', reason: 'ProfileQuotaExceeded', nextStep: nextStepFor('ProfileQuotaExceeded') });
    expect(report.cause).toBe('fargateProfile');
    expect(states(report.parts).spec).toBe('Ready');
  });

  it('conditions of an older generation than the summary are not taken as the present: Unknown, saying what was found before', () => {
    const ready = recordedWorkload('recorded-ready');
    const stalled = { type: 'Stalled', status: 'True' as const, reason: 'InvalidSpec', message: 'spec.iam.managedPolicyArns[0]: not allowed', lastTransitionTime: '', observedGeneration: 2 };
    const conditions = (ready.status?.conditions ?? []).map((c) => (c.type === 'Stalled' ? stalled : c.type === 'Ready' ? { ...stalled, type: 'Ready', status: 'False' as const } : c));
    const workload = { ...ready, metadata: { ...ready.metadata, generation: 2 }, status: { ...ready.status, observedGeneration: 2, conditions } };
    const report = explainWorkload(input(workload));
    expect(report.parts.find((p) => p.part === 'fargateProfile')).toMatchObject({ state: 'Unknown', message: 'not looked at in the latest reconcile, which stopped before it; earlier: Active' });
    expect(report).toMatchObject({ cause: 'spec', nextStep: nextStepFor('InvalidSpec') });
  });

  it('a reason without a known next step falls back to the condition message', () => {
    const workload = recordedWorkload('recorded-progressing');
    const conditions = (workload.status?.conditions ?? []).map((c) =>
      c.type === 'FargateProfileReady' || c.type === 'Ready' ? { ...c, reason: 'BrandNewReason', message: 'do the new thing' } : c,
    );
    const report = explainWorkload(input({ ...workload, status: { ...workload.status, conditions } }));
    expect(report.parts.find((p) => p.part === 'fargateProfile')).toMatchObject({ reason: 'BrandNewReason', nextStep: 'do the new thing' });
    expect(report.nextStep).toBe('do the new thing');
  });

  it('pending pods are the cause of a workload short of replicas, with their latest Warning event', () => {
    const ready = recordedWorkload('recorded-ready');
    const conditions = (ready.status?.conditions ?? []).map((c) =>
      c.type === 'WorkloadAvailable' || c.type === 'Ready' ? { ...c, status: 'False' as const, reason: 'Progressing', message: '0/1 replicas available' } : c,
    );
    const workload = { ...ready, status: { ...ready.status, conditions } };
    const pod = podOf(workload, 'web-1');
    const podEvents = [
      podWarning(pod, 'FailedScheduling', 'Pod not supported on Fargate: older', '2026-12-02T11:00:00Z'),
      podWarning(pod, 'FailedScheduling', 'Pod not supported on Fargate: no ACTIVE profile selects it', '2026-12-02T11:05:00Z'),
    ];
    const children = childrenOf(workload, childrenFor(workload, { ready: 0, desired: 1, pods: [pod] }));
    const report = explainWorkload(input(workload, { children, podEvents }));
    expect(report.parts.find((p) => p.part === 'pods')).toMatchObject({
      state: 'Waiting',
      reason: 'PodsPending',
      message: 'web-1 Pending: Pod not supported on Fargate: no ACTIVE profile selects it',
      nextStep: nextStepFor('PodsPending'),
    });
    expect(report.parts.find((p) => p.part === 'deployment')).toMatchObject({ state: 'Waiting', reason: 'Progressing', subject: 'Deployment web (0/1 ready)' });
    expect(report.cause).toBe('pods');
  });

  it('a workload waiting for its cluster: the cluster part gives the cluster\'s own reason when the FargateCluster exists but is not Ready', () => {
    const ready = recordedWorkload('recorded-ready');
    const waiting = { type: 'Ready', status: 'False' as const, reason: 'WaitingForCluster', message: 'FargateCluster demo is not ready yet: status lacks oidcIssuer', lastTransitionTime: '', observedGeneration: 1 };
    const conditions = (ready.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? waiting : c));
    const workload = { ...ready, status: { ...ready.status, conditions } };
    const stalledCluster = explainWorkload(input(workload, { clusters: [clusterFixture('stalled')] }));
    expect(stalledCluster.parts[0]).toMatchObject({ part: 'cluster', subject: 'FargateCluster demo', state: 'Stalled', reason: 'ClusterNotFound', nextStep: nextStepFor('ClusterNotFound') });
    expect(stalledCluster.cause).toBe('cluster');
    const missing = explainWorkload(input(workload, { clusters: [] }));
    expect(missing.parts[0]).toMatchObject({ state: 'Waiting', reason: 'WaitingForCluster', nextStep: nextStepFor('WaitingForCluster') });
    expect(missing.parts[1]).toMatchObject({ part: 'spec', state: 'Unknown' });
  });

  it('a cluster list RBAC forbids leaves the cluster part Unknown, saying so', () => {
    const report = explainWorkload(input(recordedWorkload('recorded-ready'), { clusters: undefined, clustersError: 'cannot list fargateclusters: HTTP 403 Forbidden' }));
    expect(report.parts[0]).toMatchObject({ state: 'Unknown', message: 'cannot read FargateClusters: cannot list fargateclusters: HTTP 403 Forbidden' });
  });

  it('renders the verdict, each part with its reason, message and next step, and the next step of the cause', () => {
    const text = renderWhy(explainWorkload(input(recordedWorkload('recorded-progressing'))), painter(false));
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['FargateWorkload shop/web is not Ready: Progressing (Creating)', '  Fargate profile rec-shared-95cfb18f is CREATING', '']);
    expect(lines).toContain('  profile     Waiting  Fargate profile rec-shared-95cfb18f (CREATING)');
    expect(lines).toContain('                       Creating: Fargate profile rec-shared-95cfb18f is CREATING');
    expect(lines).toContain(`                       next: ${nextStepFor('Creating')}`);
    expect(lines).toContain('  cluster     Ready    FargateCluster demo');
    expect(text.endsWith(`\nNext step (profile): ${nextStepFor('Creating')}\n`)).toBe(true);
    const ready = renderWhy(explainWorkload(input(recordedWorkload('recorded-ready'))), painter(false));
    expect(ready.split('\n')[0]).toBe('FargateWorkload shop/web is Ready');
    expect(ready).not.toContain('Next step');
  });
});
