import { isReady, renderTable, statusRow, type OperatorObject } from '../../scripts/demo-status.js';

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
