import { compareInventories, normalizeNames, renderCrashMatrix, writePointsOf } from '../support/crash-matrix.js';

describe('writePointsOf', () => {
  it('numbers each write operation by occurrence and skips reads and injected calls', () => {
    const calls = [
      { service: 'iam', operation: 'GetRole', write: false },
      { service: 'iam', operation: 'CreateRole', write: true },
      { service: 'iam', operation: 'AttachRolePolicy', write: true },
      { service: 'iam', operation: 'AttachRolePolicy', write: true, injected: 'throttle' },
      { service: 'iam', operation: 'AttachRolePolicy', write: true },
      { service: 'eks', operation: 'CreateFargateProfile', write: true },
    ];
    expect(writePointsOf(calls)).toEqual([
      { service: 'iam', operation: 'CreateRole', occurrence: 1 },
      { service: 'iam', operation: 'AttachRolePolicy', occurrence: 1 },
      { service: 'iam', operation: 'AttachRolePolicy', occurrence: 2 },
      { service: 'eks', operation: 'CreateFargateProfile', occurrence: 1 },
    ]);
  });
});

describe('normalizeNames', () => {
  it('replaces the cell id, uids and hashes, so two cells compare', () => {
    const a = normalizeNames('cp1xab-shop-app-1f2e3d4c uid=0b7e6a52-5119-4f6e-9253-a1b2c3d4e5f6', 'cp1xab');
    const b = normalizeNames('cp2xcd-shop-app-9a8b7c6d uid=2c1d0e9f-ee5f-47e4-a045-f6e5d4c3b2a1', 'cp2xcd');
    expect(a).toBe('<cell>-shop-app-<hash> uid=<uid>');
    expect(b).toBe(a);
  });
});

describe('compareInventories', () => {
  const role = { kind: 'iam-role', key: 'role a' };
  const profile = { kind: 'fargate-profile', key: 'profile p' };
  const workload = { kind: 'k8s', key: 'FargateWorkload Ready=True' };

  it('is converged for the same things in any order', () => {
    expect(compareInventories([role, profile, workload], [workload, profile, role])).toEqual({ verdict: 'converged' });
  });

  it('calls a second copy a duplicate, an unknown thing an orphan, a lost one missing', () => {
    expect(compareInventories([role], [role, role]).verdict).toBe('duplicate');
    expect(compareInventories([role], [role, profile]).verdict).toBe('orphan');
    expect(compareInventories([role, profile], [role]).verdict).toBe('missing');
    expect(compareInventories([role, workload], [role, { kind: 'k8s', key: 'FargateWorkload Ready=False' }]).verdict).toBe('k8s differs');
  });

  it('ranks an AWS duplicate above a Kubernetes difference, and says what differs', () => {
    const compared = compareInventories([role, workload], [role, role]);
    expect(compared.verdict).toBe('duplicate');
    expect(compared.detail).toContain('2 x iam-role role a (clean run: 1)');
    expect(compared.detail).toContain('0 x k8s FargateWorkload Ready=True (clean run: 1)');
  });
});

describe('renderCrashMatrix', () => {
  it('draws one row per write and one column per fault, and lists the failures', () => {
    const point = { service: 'iam', operation: 'CreateRole', occurrence: 1 };
    const text = renderCrashMatrix(
      [
        { lifecycle: 'workload create', point, fault: 'lost-response', verdict: 'converged', seconds: 4.2 },
        { lifecycle: 'workload create', point, fault: 'crash-after', verdict: 'duplicate', detail: '2 x iam-role', seconds: 6 },
      ],
      ['lost-response', 'crash-after'],
      ['workload delete (Retain)'],
    );
    expect(text.split('\n')[0]).toBe('crash-point matrix: 1/2 cells converged with no duplicate and no orphan');
    expect(text).toMatch(/workload create {2}iam:CreateRole#1 +\| converged \(4\.2 s\) +\| duplicate \(6\.0 s\)/);
    expect(text).toContain('workload create iam:CreateRole#1 crash-after: duplicate: 2 x iam-role');
    expect(text).toMatch(/workload delete \(Retain\) {2}\(no AWS write\) +\| nothing to fault/);
  });
});

describe('compareInventories on one changed thing', () => {
  it('names the fields that differ instead of both whole keys', () => {
    const clean = { kind: 'k8s', key: JSON.stringify({ kind: 'FargateCluster', finalizers: ['f'], status: { profiles: ['new ACTIVE'] } }) };
    const now = { kind: 'k8s', key: JSON.stringify({ kind: 'FargateCluster', finalizers: ['f'], status: { profiles: ['new ACTIVE', 'old DELETING'] } }) };
    expect(compareInventories([clean], [now])).toEqual({
      verdict: 'k8s differs',
      detail: 'FargateCluster status: {"profiles":["new ACTIVE"]} (clean run) -> {"profiles":["new ACTIVE","old DELETING"]}',
    });
  });
});
