/**
 * The registry of child kinds (CHILD_KINDS) is what the informers, the cache reads and the
 * deletions of dropped children follow, so deploy/base's ClusterRole must grant exactly what each
 * kind needs; and the PodDisruptionBudget, the child added last, is planned as documented.
 */
import { describe, expect, it } from '@jest/globals';
import { apiGroupOf, CHILD_KINDS, childKind, collectionPath } from '../../src/operator/workload/child-state.js';
import { planPodDisruptionBudget } from '../../src/plan/pod-disruption-budget.js';
import { planWorkload } from '../../src/plan/index.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { permissionKey } from '../support/least-privilege.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
import { FACTS, makeCluster, makeWorkload } from './plan-fixtures.js';

/** What the operator does with every kind of child: informer (list, watch), server-side apply (create, patch), delete. */
const CHILD_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'];

describe('the child registry', () => {
  // Rules limited to named objects (kube-system/coredns) are another part's, not the children's.
  const rules = (parse(readFileSync(join(repoRoot(), 'deploy/base/rbac/cluster-role.yaml'), 'utf8')) as { rules: RbacRule[] }).rules.filter((rule) => !rule.resourceNames);
  const granted = new Set(rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => permissionKey(group, resource, verb))))));

  it.each(CHILD_KINDS.map((child) => [child.kind, child] as const))("deploy/base's ClusterRole grants %s exactly what the runtime does with it", (_kind, child) => {
    const group = apiGroupOf(child.apiVersion);
    const grantedVerbs = [...granted].filter((key) => key.startsWith(`${permissionKey(group, child.resource, '')}`)).map((key) => key.slice(key.lastIndexOf(':') + 1));
    expect(grantedVerbs.sort()).toEqual([...CHILD_VERBS].sort());
  });

  it('names every kind the planner can produce, with its watch path', () => {
    expect(CHILD_KINDS.map((child) => child.kind)).toEqual(['ServiceAccount', 'SecurityGroupPolicy', 'Deployment', 'PodDisruptionBudget', 'Service', 'Ingress', 'HorizontalPodAutoscaler']);
    expect(collectionPath(childKind('Deployment'))).toBe('/apis/apps/v1/deployments');
    expect(collectionPath(childKind('ServiceAccount'))).toBe('/api/v1/serviceaccounts');
    expect(childKind('SecurityGroupPolicy')).toMatchObject({ condition: 'NetworkReady' });
    expect(childKind('SecurityGroupPolicy').whenNotServed?.()).toMatchObject({ condition: { type: 'NetworkReady', status: 'False', reason: 'SecurityGroupPolicyCRDMissing' } });
    expect(childKind('Deployment').whenNotServed).toBeUndefined();
  });

  it('every planned child has a registry entry whose apiVersion matches the manifest', () => {
    const full = makeWorkload({
      autoscaling: { maxReplicas: 4 },
      networking: { securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
      ingress: { host: 'web.example.com', port: 8080 },
    });
    const kinds = planWorkload(full, makeCluster(), FACTS).kubernetes.map((object) => {
      expect(childKind(object.kind).apiVersion).toBe(object.apiVersion);
      return object.kind;
    });
    expect(kinds.sort()).toEqual(CHILD_KINDS.map((child) => child.kind).sort());
  });
});

describe('planPodDisruptionBudget', () => {
  const withSpec = (spec: Partial<FargateWorkload['spec']>): FargateWorkload => makeWorkload(spec);

  it('gives a workload of 2 or more replicas maxUnavailable 1 on the pod selector, owned by the workload', () => {
    const pdb = planPodDisruptionBudget(withSpec({ replicas: 2 }));
    expect(pdb?.spec).toEqual({ selector: { matchLabels: { 'fargate.eksops.dev/workload': 'web' } }, maxUnavailable: 1 });
    expect(pdb?.metadata.ownerReferences[0]).toMatchObject({ kind: 'FargateWorkload', controller: true });
  });

  it('gives none to a single replica, one to autoscaling and to an explicit disruption', () => {
    expect(planPodDisruptionBudget(withSpec({ replicas: 1, autoscaling: undefined }))).toBeUndefined();
    expect(planPodDisruptionBudget(withSpec({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 3 } }))?.spec.maxUnavailable).toBe(1);
    expect(planPodDisruptionBudget(withSpec({ replicas: 1, disruption: { minAvailable: '50%' } }))?.spec).toMatchObject({ minAvailable: '50%' });
    expect(planPodDisruptionBudget(withSpec({ replicas: 1, disruption: { minAvailable: '50%' } }))?.spec.maxUnavailable).toBeUndefined();
    expect(planPodDisruptionBudget(withSpec({ replicas: 5, disruption: { maxUnavailable: '25%' } }))?.spec.maxUnavailable).toBe('25%');
  });
});
