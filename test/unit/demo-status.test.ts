import { isReady, renderTable, statusRow, type OperatorObject, podPlacementReport, type PodLike } from '../../scripts/demo-status.js';

const condition = (type: string, status: string, reason = '', message = '') => ({ type, status, reason, message });

const readyWorkload: OperatorObject = {
  kind: 'FargateWorkload',
  metadata: { name: 'web', namespace: 'shop', generation: 2 },
  status: {
    observedGeneration: 2,
    conditions: [condition('Ready', 'True', 'Ready'), condition('Reconciling', 'False'), condition('Stalled', 'False'), condition('IAMRoleReady', 'True')],
    fargateProfile: { name: 'fw-shared-1', status: 'ACTIVE' },
    iamRoleArn: 'arn:aws:iam::123456789012:role/eksops/demo-shop-web-68cf3a59',
  },
};

test('Ready counts only for the observed generation', () => {
  expect(isReady(readyWorkload)).toBe(true);
  expect(isReady({ ...readyWorkload, metadata: { ...readyWorkload.metadata, generation: 3 } })).toBe(false);
  expect(isReady({ kind: 'FargateWorkload', metadata: { name: 'new' } })).toBe(false);
});

test('a row shows the role by name and the profile with its status', () => {
  expect(statusRow(readyWorkload)).toEqual({
    object: 'fw/shop/web',
    ready: 'True',
    reason: 'Ready',
    profile: 'fw-shared-1 (ACTIVE)',
    role: 'demo-shop-web-68cf3a59',
    waitingOn: '',
  });
});

test('a workload not Ready says what it waits on; a Stalled condition comes first', () => {
  const waiting: OperatorObject = {
    kind: 'FargateWorkload',
    metadata: { name: 'web', namespace: 'shop' },
    status: { conditions: [condition('Ready', 'False', 'Creating'), condition('FargateProfileReady', 'False', 'Creating', 'Creating Fargate profile fw-shared-1')] },
  };
  expect(statusRow(waiting).waitingOn).toBe('FargateProfileReady: Creating Creating Fargate profile fw-shared-1');
  const stalled: OperatorObject = {
    ...waiting,
    status: { conditions: [...(waiting.status?.conditions ?? []), condition('Stalled', 'True', 'InvalidSpec', 'spec.replicas: too many')] },
  };
  expect(statusRow(stalled).waitingOn).toBe('Stalled: InvalidSpec spec.replicas: too many');
});

test('the table aligns columns under a header and cuts lines at the width', () => {
  const cluster: OperatorObject = { kind: 'FargateCluster', metadata: { name: 'demo' }, status: { conditions: [condition('Ready', 'True', 'Ready')], podExecutionRoleArn: 'arn:aws:iam::1:role/demo-exec' } };
  const lines = renderTable([statusRow(cluster), statusRow(readyWorkload)]).split('\n');
  expect(lines[0]).toMatch(/^KIND\/NAME\s+READY\s+REASON\s+PROFILE\s+ROLE\s+WAITING ON$/);
  expect(lines[1]).toMatch(/^fc\/demo\s+True\s+Ready\s+-\s+demo-exec$/);
  expect(lines[0]!.indexOf('READY')).toBe(lines[2]!.indexOf('True'));
  expect(renderTable([statusRow(readyWorkload)], 20).split('\n').every((line) => line.length <= 20)).toBe(true);
});

describe('podPlacementReport', () => {
  const workload = { kind: 'FargateWorkload', metadata: { name: 'web', namespace: 'shop' }, status: { capacity: { vcpu: '0.5', memoryGB: '1' } } };
  const pod = (name: string, node: string | undefined, phase: string, provisioned?: string): PodLike => ({
    metadata: { name, namespace: 'shop', labels: { 'fargate.eksops.dev/workload': 'web' }, annotations: provisioned ? { CapacityProvisioned: provisioned } : ({} as Record<string, string>) },
    spec: node ? { nodeName: node } : {},
    status: { phase },
  });

  it('passes pods Running on Fargate nodes provisioned at the size in status, one line each', () => {
    const report = podPlacementReport([workload], [pod('web-1', 'fargate-ip-10-0-1-4.ec2.internal', 'Running', '0.5vCPU 1GB')], 'fargate.eksops.dev/workload');
    expect(report).toEqual({ problems: [], lines: ['shop/web-1  Running  fargate-ip-10-0-1-4.ec2.internal  CapacityProvisioned=0.5vCPU 1GB  status.capacity=0.5vCPU 1GB'] });
  });

  it('names a Pending pod, a pod off Fargate, a size that differs, and a workload without pods', () => {
    const other = { ...workload, metadata: { name: 'api', namespace: 'shop' } };
    const report = podPlacementReport([workload, other], [pod('web-1', undefined, 'Pending'), pod('web-2', 'ip-10-0-1-9.ec2.internal', 'Running', '1vCPU 2GB')], 'fargate.eksops.dev/workload');
    expect(report.problems).toEqual([
      'shop/web-1 is Pending',
      'shop/web-1 is not on a Fargate node (none)',
      "shop/web-1: CapacityProvisioned (none) differs from the workload's status.capacity 0.5vCPU 1GB",
      'shop/web-2 is not on a Fargate node (ip-10-0-1-9.ec2.internal)',
      "shop/web-2: CapacityProvisioned 1vCPU 2GB differs from the workload's status.capacity 0.5vCPU 1GB",
      'shop/api: no pods',
    ]);
  });
});
