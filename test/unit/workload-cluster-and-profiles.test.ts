/** Which FargateCluster a workload runs on, the facts read from its status, and profile-use decisions. */
import { TAG_CLUSTER, TAG_COMPONENT, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../../src/api/constants.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { planFargateProfile } from '../../src/plan/index.js';
import { settles } from '../../src/aws/laned-profile-operations.js';
import { profilesToRelease } from '../../src/operator/reconcilers/fargate-workload-cleanup.js';
import {
  laneWaitMessage,
  profileOwnershipTags,
  quotaProblem,
  remainingProfileUsers,
  type ProfileUser,
} from '../../src/operator/workload/profile-usage.js';
import { profileUsers } from '../../src/operator/workload/profile-users.js';
import { clusterNameOfWorkload, workloadsOfCluster } from '../../src/operator/cluster/workload-cluster.js';
import { accountOfArn, clusterFacts, findWorkloadCluster } from '../../src/operator/workload/workload-cluster.js';
import { ACCOUNT, makeCluster, makeWorkload } from './plan-fixtures.js';

const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/prod-fargate-pod-execution`;
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC';

describe('findWorkloadCluster', () => {
  it('uses spec.clusterName, else the only cluster, and says why when neither works', () => {
    const prod = makeCluster({}, 'prod');
    const dev = makeCluster({}, 'dev');
    expect(findWorkloadCluster(makeWorkload({ clusterName: 'dev' }), [prod, dev])).toEqual({ found: true, cluster: dev });
    expect(findWorkloadCluster(makeWorkload(), [prod])).toEqual({ found: true, cluster: prod });
    expect(findWorkloadCluster(makeWorkload({ clusterName: 'qa' }), [prod])).toEqual({ found: false, stalled: false, reason: 'WaitingForCluster', message: 'FargateCluster qa does not exist' });
    expect(findWorkloadCluster(makeWorkload(), [])).toEqual({ found: false, stalled: true, reason: 'NoFargateCluster', message: expect.stringMatching(/^no FargateCluster exists/) });
    expect(findWorkloadCluster(makeWorkload(), [prod, dev])).toEqual({
      found: false,
      stalled: true,
      reason: 'ClusterAmbiguous',
      message: '2 FargateClusters exist (dev, prod) and the workload names none: set spec.clusterName to one of them',
    });
  });

  it('keeps a workload that names no cluster on the one recorded in its status when others appear', () => {
    const prod = makeCluster({}, 'prod');
    const dev = makeCluster({}, 'dev');
    const recorded = { ...makeWorkload(), status: { clusterName: 'prod' } };
    expect(findWorkloadCluster(recorded, [prod, dev])).toEqual({ found: true, cluster: prod });
    expect(clusterNameOfWorkload(recorded, ['dev', 'prod'])).toBe('prod');
    expect(workloadsOfCluster('prod', [recorded], ['dev', 'prod'])).toEqual([recorded]);
    // The record wins over a spec.clusterName set afterwards: the resources are on the recorded
    // cluster, and the workload stalls naming both until a person decides.
    const renamed = { ...recorded, spec: { ...recorded.spec, clusterName: 'dev' } };
    expect(clusterNameOfWorkload(renamed, ['dev', 'prod'])).toBe('prod');
    const lookup = findWorkloadCluster(renamed, [dev, prod]);
    expect(lookup).toMatchObject({ found: false, stalled: true, reason: 'ClusterNameChanged', message: expect.stringContaining('set spec.clusterName back to prod') });
    // A delete still finds the recorded cluster, to clean up there.
    const deleting = { ...renamed, metadata: { ...renamed.metadata, deletionTimestamp: '2026-12-02T10:00:00Z' } };
    expect(findWorkloadCluster(deleting, [dev, prod])).toMatchObject({ found: true, cluster: { metadata: { name: 'prod' } } });
  });
});

describe('clusterFacts', () => {
  it('lists what the cluster status still lacks', () => {
    expect(clusterFacts(makeCluster())).toEqual({ ready: false, missing: ['oidcIssuer', 'podExecutionRoleArn', 'accountId'] });
    expect(clusterFacts({ ...makeCluster(), status: { oidcIssuer: ISSUER } })).toEqual({
      ready: false,
      missing: ['podExecutionRoleArn', 'accountId'],
    });
  });

  it('takes the account from status.accountId, else from the execution role ARN', () => {
    const fromArn = clusterFacts({ ...makeCluster(), status: { oidcIssuer: ISSUER, podExecutionRoleArn: EXEC_ROLE } });
    expect(fromArn).toEqual({
      ready: true,
      facts: { accountId: ACCOUNT, region: 'us-east-1', oidcIssuer: ISSUER },
      podExecutionRoleArn: EXEC_ROLE,
    });
    const status = { oidcIssuer: ISSUER, podExecutionRoleArn: EXEC_ROLE, accountId: '999999999999' };
    const explicit = clusterFacts({ ...makeCluster(), status });
    expect(explicit.ready && explicit.facts.accountId).toBe('999999999999');
  });

  it('reads an account only from a 12-digit ARN field', () => {
    expect(accountOfArn('arn:aws:iam::123456789012:role/x')).toBe('123456789012');
    expect(accountOfArn('arn:aws:iam::aws:policy/x')).toBeUndefined();
    expect(accountOfArn(undefined)).toBeUndefined();
  });
});

describe('quotaProblem', () => {
  it('allows a create below the quota and explains the refusal at it', () => {
    expect(quotaProblem(9, 10)).toBeUndefined();
    const message = quotaProblem(10, 10);
    expect(message).toContain('has 10 Fargate profiles');
    expect(message).toContain('at most 10');
    expect(quotaProblem(3, 2)).toContain('has 3 Fargate profiles');
  });
});

describe('profileOwnershipTags', () => {
  it('drops only the uid tag', () => {
    const tags = { [TAG_CLUSTER]: 'prod', [TAG_NAMESPACE]: 'shop', [TAG_NAME]: 'web', [TAG_UID]: 'u1', [TAG_COMPONENT]: 'fargate-profile' };
    expect(profileOwnershipTags(tags)).toEqual({ [TAG_CLUSTER]: 'prod', [TAG_NAMESPACE]: 'shop', [TAG_NAME]: 'web', [TAG_COMPONENT]: 'fargate-profile' });
  });
});

describe('remainingProfileUsers', () => {
  const users: ProfileUser[] = [
    { key: 'shop/web', clusterName: 'prod', profileNames: ['fw-shared-1'], deleting: true },
    { key: 'shop/api', clusterName: 'prod', profileNames: ['fw-shared-1'], deleting: false },
    { key: 'blog/web', clusterName: 'prod', profileNames: ['fw-shared-2', 'fw-shared-1'], deleting: false },
    { key: 'blog/old', clusterName: 'prod', profileNames: ['fw-shared-1'], deleting: true },
    { key: 'dev/web', clusterName: 'dev', profileNames: ['fw-shared-1'], deleting: false },
  ];

  it('counts other live workloads on the same cluster that plan or run on the profile', () => {
    expect(remainingProfileUsers('fw-shared-1', 'prod', 'shop/web', users)).toEqual(['blog/web', 'shop/api']);
    expect(remainingProfileUsers('fw-shared-2', 'prod', 'blog/web', users)).toEqual([]);
    expect(remainingProfileUsers('fw-shared-1', 'dev', 'dev/web', users)).toEqual([]);
  });
});

describe('profileUsers', () => {
  it('names the planned profile and the one in status, and skips workloads without a cluster', () => {
    const cluster = makeCluster();
    const moving: FargateWorkload = { ...makeWorkload({}, { name: 'api' }), status: { fargateProfile: { name: 'fw-old', status: 'ACTIVE' } } };
    const lost = makeWorkload({ clusterName: 'nowhere' }, { name: 'lost' });
    const planned = planFargateProfile(moving, cluster, '').name;
    expect(profileUsers([moving, lost], [cluster])).toEqual([
      { key: 'shop/api', clusterName: 'prod', profileNames: [planned, 'fw-old'], deleting: false },
    ]);
  });

  it('gives two Shared workloads in different namespaces on the same subnets the same profile', () => {
    const cluster = makeCluster();
    const [a, b] = profileUsers([makeWorkload({}, { namespace: 'shop' }), makeWorkload({}, { namespace: 'blog' })], [cluster]);
    expect(a?.profileNames).toEqual(b?.profileNames);
    const dedicated = makeWorkload({ fargateProfile: { placement: 'Dedicated' } }, { namespace: 'blog', name: 'db' });
    const [c] = profileUsers([dedicated], [cluster]);
    expect(c?.profileNames).not.toEqual(a?.profileNames);
  });

  it('works a cached object out once, and again for a changed object or cluster', () => {
    const cluster = makeCluster();
    const web = makeWorkload({}, { name: 'web' });
    const [first] = profileUsers([web], [cluster]);
    // The same objects: the answer remembered, not planned again.
    expect(profileUsers([web], [cluster])[0]).toBe(first);
    // An informer replaces an object on change: the new one is planned, and its status read.
    const moved: FargateWorkload = { ...web, status: { fargateProfile: { name: 'fw-old', status: 'ACTIVE' } } };
    expect(profileUsers([moved], [cluster])[0]?.profileNames).toEqual([...(first?.profileNames ?? []), 'fw-old']);
    const deleting: FargateWorkload = { ...web, metadata: { ...web.metadata, deletionTimestamp: '2026-12-03T00:00:00Z' } };
    expect(profileUsers([deleting], [cluster])[0]?.deleting).toBe(true);
    // A changed FargateCluster (its profile prefix) changes the plan of an unchanged workload.
    const renamed = makeCluster({ profiles: { namePrefix: 'team' } });
    const [again] = profileUsers([web], [renamed]);
    expect(again).not.toBe(first);
    expect(again?.profileNames[0]).toMatch(/^team/);
    // A cluster gone: no use, and remembered as none until the cluster list changes.
    expect(profileUsers([web], [])).toEqual([]);
    expect(profileUsers([web], [cluster])[0]).toEqual(first);
  });
});

describe('profilesToRelease', () => {
  it('releases the planned profile and a different one still reported in status', () => {
    const workload = makeWorkload();
    expect(profilesToRelease('fw-a', workload)).toEqual(['fw-a']);
    expect(profilesToRelease('fw-a', { ...workload, status: { fargateProfile: { name: 'fw-a', status: 'ACTIVE' } } })).toEqual(['fw-a']);
    expect(profilesToRelease('fw-a', { ...workload, status: { fargateProfile: { name: 'fw-b', status: 'ACTIVE' } } })).toEqual(['fw-a', 'fw-b']);
  });
});

describe('laneWaitMessage', () => {
  it('says what the workload waits behind and where it stands', () => {
    expect(
      laneWaitMessage({ granted: false, reason: 'in-flight', waitingBehind: { profile: 'fw-x', status: 'CREATING' }, position: 2, requeueAfterMs: 5000 }, 'create', 'fw-y'),
    ).toBe('creating profile fw-y: waiting behind profile fw-x (CREATING), position 2');
    expect(
      laneWaitMessage({ granted: false, reason: 'in-flight', waitingBehind: { profile: 'fw-y', status: 'DELETING' }, position: 0, requeueAfterMs: 5000 }, 'delete', 'fw-y'),
    ).toBe('deleting profile fw-y: waiting behind profile fw-y (DELETING)');
    expect(laneWaitMessage({ granted: false, reason: 'unobserved', position: 0, requeueAfterMs: 0 }, 'create', 'fw-y')).toBe(
      "creating profile fw-y: waiting for the cluster's profile lane",
    );
  });
});

describe('settles (when a poll may free the profile lane)', () => {
  it('ends a create only at ACTIVE or CREATE_FAILED, a delete only when gone or DELETE_FAILED', () => {
    expect(settles('CREATING', undefined)).toBe(false);
    expect(settles('CREATING', { status: 'ACTIVE' })).toBe(true);
    expect(settles('CREATING', { status: 'CREATE_FAILED' })).toBe(true);
    expect(settles('DELETING', { status: 'ACTIVE' })).toBe(false);
    expect(settles('DELETING', undefined)).toBe(true);
    expect(settles('DELETING', { status: 'DELETE_FAILED' })).toBe(true);
  });
});
