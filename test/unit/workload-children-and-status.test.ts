/** Pure decisions of the workload reconciler: applying children only when they differ, stale children, availability, status. */
import type { KubernetesObject } from '@kubernetes/client-node';
import { PROFILE_LABEL } from '../../src/api/constants.js';
import { childOfKind, planWorkload, type KubeObject } from '../../src/plan/index.js';
import { deploymentAvailability, ingressReadiness } from '../../src/operator/workload/availability.js';
import {
  APPLIED_HASH_ANNOTATION,
  holdsFields,
  isKindNotServed,
  needsApply,
  ownedBy,
  profileInUse,
  staleChildren,
  withAppliedHash,
} from '../../src/operator/workload/child-state.js';
import {
  CONDITION_IAM_ROLE,
  CONDITION_PROFILE,
  nextWorkloadStatus,
  partReady,
  partStalled,
  partWaiting,
  requeueOf,
  summarize,
} from '../../src/operator/part-report.js';
import { FACTS, makeCluster, makeWorkload } from './plan-fixtures.js';

const plan = planWorkload(
  makeWorkload({ ingress: { port: 8080, host: 'web.example.com' }, networking: { securityGroupIds: ['sg-0abc'] } }),
  makeCluster(),
  FACTS,
);
const deployment = withAppliedHash(childOfKind(plan.kubernetes, 'Deployment')!);

/** The parts of a served Deployment the tests change. */
interface ServedDeployment extends KubernetesObject {
  metadata: { resourceVersion?: string; annotations: Record<string, string> };
  spec: {
    progressDeadlineSeconds?: number;
    template: { spec: { containers: { image?: string; imagePullPolicy?: string; ports: { protocol?: string }[] }[] } };
  };
  status?: unknown;
}

/** The Deployment as the API server returns it: defaults added, quantities and numbers as it stores them. */
function asServed(object: KubeObject): ServedDeployment {
  const copy = JSON.parse(JSON.stringify(object)) as ServedDeployment;
  copy.metadata.resourceVersion = '42';
  copy.metadata.annotations['deployment.kubernetes.io/revision'] = '1';
  copy.spec.progressDeadlineSeconds = 600;
  const container = copy.spec.template.spec.containers[0]!;
  container.imagePullPolicy = 'IfNotPresent';
  container.ports[0]!.protocol = 'TCP';
  copy.status = { replicas: 1 };
  return copy;
}

describe('needsApply', () => {
  it('applies a missing child, and not one the API server holds as planned plus its defaults', () => {
    expect(needsApply(deployment, undefined)).toBe(true);
    expect(needsApply(deployment, asServed(deployment))).toBe(false);
  });

  it('applies again when someone changed a planned field (drift)', () => {
    const served = asServed(deployment);
    served.spec.template.spec.containers[0]!.image = 'nginx:evil';
    expect(needsApply(deployment, served)).toBe(true);
  });

  it('applies again when the plan dropped a field: the hash annotation differs', () => {
    const served = asServed(deployment);
    const planned = childOfKind(plan.kubernetes, 'Deployment')!;
    const { app: _dropped, ...labels } = planned.spec.template.metadata.labels;
    const smaller = withAppliedHash({ ...planned, spec: { ...planned.spec, template: { ...planned.spec.template, metadata: { ...planned.spec.template.metadata, labels } } } });
    expect(smaller.metadata.annotations?.[APPLIED_HASH_ANNOTATION]).not.toBe(deployment.metadata.annotations?.[APPLIED_HASH_ANNOTATION]);
    expect(needsApply(smaller, served)).toBe(true);
  });

  it('hashes independently of key order', () => {
    const planned = childOfKind(plan.kubernetes, 'ServiceAccount')!;
    const reordered = { metadata: planned.metadata, kind: planned.kind, apiVersion: planned.apiVersion } as KubeObject;
    expect(withAppliedHash(reordered).metadata.annotations?.[APPLIED_HASH_ANNOTATION]).toBe(
      withAppliedHash(planned).metadata.annotations?.[APPLIED_HASH_ANNOTATION],
    );
  });
});

describe('holdsFields', () => {
  it('lets maps hold more keys, not lists more items, and compares scalars as text', () => {
    expect(holdsFields({ a: 1, b: 2 }, { a: 1 })).toBe(true);
    expect(holdsFields({ a: '2' }, { a: 2 })).toBe(true);
    expect(holdsFields({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(holdsFields({ a: { b: null } }, { a: { b: 'x' } })).toBe(false);
    expect(holdsFields({}, { a: undefined })).toBe(true);
    expect(holdsFields([], {})).toBe(false);
  });
});

describe('staleChildren and ownedBy', () => {
  it('selects the live children the plan no longer names', () => {
    const live = [
      { kind: 'Deployment', metadata: { name: 'web' } },
      { kind: 'Ingress', metadata: { name: 'web' } },
      { kind: 'ServiceAccount', metadata: { name: 'old-sa' } },
    ];
    const withoutIngress = plan.kubernetes.filter((object) => object.kind !== 'Ingress');
    expect(staleChildren(withoutIngress, live).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Ingress/web', 'ServiceAccount/old-sa']);
    expect(staleChildren(plan.kubernetes, live).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ServiceAccount/old-sa']);
  });

  it('counts only a controller reference with the workload uid as ownership', () => {
    const child = { metadata: { ownerReferences: [{ apiVersion: 'x', kind: 'FargateWorkload', name: 'web', uid: 'u1', controller: true }] } };
    expect(ownedBy(child, 'u1')).toBe(true);
    expect(ownedBy(child, 'u2')).toBe(false);
    expect(ownedBy({ metadata: { labels: {} } }, 'u1')).toBe(false);
  });
});

describe('isKindNotServed', () => {
  it('recognises an uninstalled CRD, not other failures', () => {
    expect(isKindNotServed(new Error('Unrecognized API version and kind: vpcresources.k8s.aws/v1beta1 SecurityGroupPolicy'))).toBe(true);
    expect(isKindNotServed(Object.assign(new Error('Failed to fetch resource metadata for x/y: HTTP-Code: 404'), { code: 404 }))).toBe(true);
    expect(isKindNotServed(Object.assign(new Error('deployments.apps "web" not found'), { code: 404 }))).toBe(false);
    // The resource's path answers 404 (a CRD removed after discovery); one object's 404 names it.
    const status = (message: string, details: object) => Object.assign(new Error('HTTP-Code: 404'), { code: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', message, details }) });
    expect(isKindNotServed(status('the server could not find the requested resource', {}))).toBe(true);
    expect(isKindNotServed(status('securitygrouppolicies.vpcresources.k8s.aws "web" not found', { name: 'web', kind: 'securitygrouppolicies' }))).toBe(false);
    expect(isKindNotServed(status('namespaces "shop" not found', { name: 'shop', kind: 'namespaces' }))).toBe(false);
    expect(isKindNotServed(Object.assign(new Error('forbidden'), { code: 403 }))).toBe(false);
  });
});

describe('profileInUse', () => {
  it('reads the profile label of the Deployment pod template', () => {
    expect(profileInUse(deployment)).toBe(plan.aws.fargateProfile.name);
    expect(deployment.spec.template.metadata.labels[PROFILE_LABEL]).toBe(plan.aws.fargateProfile.name);
    expect(profileInUse(undefined)).toBeUndefined();
  });
});

describe('deploymentAvailability', () => {
  const base = { metadata: { name: 'web', generation: 2 }, spec: { replicas: 2 } };
  it('is available only when the current generation is observed and enough replicas are available', () => {
    expect(deploymentAvailability(undefined).report.condition).toMatchObject({ status: 'False', reason: 'DeploymentMissing' });
    const old = deploymentAvailability({ ...base, status: { observedGeneration: 1, availableReplicas: 2 } });
    expect(old.report.condition).toMatchObject({ status: 'False', reason: 'Progressing' });
    const short = deploymentAvailability({ ...base, status: { observedGeneration: 2, availableReplicas: 0, replicas: 2 } });
    expect(short.report.condition).toMatchObject({ status: 'False', reason: 'Progressing', message: '0/2 replicas available' });
    expect(short.report.requeueAfterMs).toBeGreaterThan(0);
    const ready = deploymentAvailability({ ...base, status: { observedGeneration: 2, availableReplicas: 2, replicas: 2, readyReplicas: 2 } });
    expect(ready).toEqual({ report: partReady('WorkloadAvailable', 'Available', '2/2 replicas available'), replicas: 2, readyReplicas: 2 });
  });
});

describe('ingressReadiness', () => {
  it('is NotRequested without an ingress, waits for the hostname, then reports it', () => {
    expect(ingressReadiness(false, undefined).report.condition).toMatchObject({ status: 'True', reason: 'NotRequested' });
    expect(ingressReadiness(true, { metadata: {} }).report.condition).toMatchObject({ status: 'False', reason: 'WaitingForLoadBalancer' });
    const ready = ingressReadiness(true, { metadata: {}, status: { loadBalancer: { ingress: [{ hostname: 'k8s-shop.elb.amazonaws.com' }] } } });
    expect(ready.hostname).toBe('k8s-shop.elb.amazonaws.com');
    expect(ready.report.condition.status).toBe('True');
  });
});

describe('summarize and requeueOf', () => {
  it('is Stalled when any part is, else Reconciling on the first pending part, else Ready', () => {
    const waiting = partWaiting(CONDITION_PROFILE, 'WaitingInLane', 'behind fw-x', 5000);
    const stalled = partStalled(CONDITION_IAM_ROLE, 'NotOwned', 'role exists');
    expect(summarize([waiting, stalled])).toEqual({ state: 'Stalled', reason: 'NotOwned', message: 'role exists' });
    expect(summarize([partReady(CONDITION_IAM_ROLE, 'Converged'), waiting])).toEqual({ state: 'Reconciling', reason: 'WaitingInLane', message: 'behind fw-x' });
    expect(summarize([partReady(CONDITION_IAM_ROLE, 'Converged')]).state).toBe('Ready');
    expect(requeueOf([waiting, partWaiting(CONDITION_IAM_ROLE, 'x', 'y', 1000), stalled])).toBe(1000);
    expect(requeueOf([stalled])).toBeUndefined();
  });
});

describe('nextWorkloadStatus', () => {
  const workload = { ...makeWorkload(), metadata: { ...makeWorkload().metadata, generation: 3 } };
  const parts = [partReady(CONDITION_PROFILE, 'Active'), partReady(CONDITION_IAM_ROLE, 'Converged')];

  it('sets part conditions, kstatus and fields with the generation', () => {
    const status = nextWorkloadStatus(workload, summarize(parts), parts, { iamRoleArn: 'arn:r', replicas: 2 }, new Date('2026-01-01T00:00:00Z'));
    expect(status.observedGeneration).toBe(3);
    expect(status.iamRoleArn).toBe('arn:r');
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['FargateProfileReady', 'True'],
      ['IAMRoleReady', 'True'],
      ['Ready', 'True'],
      ['Reconciling', 'False'],
      ['Stalled', 'False'],
    ]);
    expect(status.conditions?.every((c) => c.observedGeneration === 3 && c.lastTransitionTime === '2026-01-01T00:00:00Z')).toBe(true);
  });

  it('gives an equal status when nothing changed, later (no write in a steady state)', () => {
    const first = nextWorkloadStatus(workload, summarize(parts), parts, { replicas: 2 }, new Date('2026-01-01T00:00:00Z'));
    const again = nextWorkloadStatus({ ...workload, status: first }, summarize(parts), parts, { replicas: 2 }, new Date('2026-01-02T00:00:00Z'));
    expect(again).toEqual(first);
  });

  it('keeps fields it is not given, and part conditions when only kstatus changes', () => {
    const first = nextWorkloadStatus(workload, summarize(parts), parts, { iamRoleArn: 'arn:r' }, new Date(0));
    const invalid = nextWorkloadStatus({ ...workload, status: first }, { state: 'Stalled', reason: 'InvalidSpec', message: 'bad' }, [], {}, new Date(1000));
    expect(invalid.iamRoleArn).toBe('arn:r');
    expect(invalid.conditions?.find((c) => c.type === 'FargateProfileReady')?.status).toBe('True');
    expect(invalid.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'bad' });
    expect(invalid.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });
});
