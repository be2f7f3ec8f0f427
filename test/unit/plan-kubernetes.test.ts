/** The Kubernetes half of the plan: every child, its labels, owner reference and wiring. */
import {
  IRSA_REGIONAL_STS_ANNOTATION,
  IRSA_ROLE_ANNOTATION,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_WORKLOAD,
  PROFILE_LABEL,
  ROLE_HASH_ANNOTATION,
} from '../../src/api/constants.js';
import type { FargateWorkloadSpec } from '../../src/api/types.js';
import { childOfKind, planWorkload, roleArnHash, selectorMatches, type KubeObject } from '../../src/plan/index.js';
import { ACCOUNT, FACTS, makeCluster, makeWorkload } from './plan-fixtures.js';

const UID = '0b6c1e2a-7f3d-4c1e-9a57-3f2d1c0b9a88';
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/4f1c`;
const COMMON_LABELS = {
  [LABEL_MANAGED_BY]: 'eks-fargate-operator',
  [LABEL_NAME]: 'web',
  [LABEL_INSTANCE]: 'web',
  [LABEL_WORKLOAD]: 'web',
};

const FULL: Partial<FargateWorkloadSpec> = {
  replicas: 3,
  autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 60 },
  networking: { securityGroupIds: ['sg-0abc', 'sg-0def'] },
  ingress: { host: 'web.example.com', path: '/shop', port: 8080, scheme: 'internet-facing', certificateArn: CERT, healthCheckPath: '/healthz', groupName: 'shop' },
};

function children(spec: Partial<FargateWorkloadSpec> = {}, meta = {}): KubeObject[] {
  return planWorkload(makeWorkload(spec, meta), makeCluster(), FACTS).kubernetes;
}

/** The child of `kind`, failing the test when it is missing. */
function child<K extends KubeObject['kind']>(objects: KubeObject[], kind: K): Extract<KubeObject, { kind: K }> {
  const found = childOfKind(objects, kind);
  if (!found) throw new Error(`no ${kind} in the plan`);
  return found;
}

describe('the set of children', () => {
  it('is the ServiceAccount and Deployment for a minimal workload', () => {
    expect(children().map((o) => o.kind)).toEqual(['ServiceAccount', 'Deployment']);
  });

  it('holds every child of a full workload, the SecurityGroupPolicy before the pods it must apply to', () => {
    expect(children(FULL).map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'SecurityGroupPolicy',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'Ingress',
      'HorizontalPodAutoscaler',
    ]);
  });

  it('gives every child the common labels, the namespace and a controller reference to the workload', () => {
    for (const object of children(FULL)) {
      expect(object.metadata.namespace).toBe('shop');
      expect(object.metadata.labels).toEqual(COMMON_LABELS);
      expect(object.metadata.ownerReferences).toEqual([
        { apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateWorkload', name: 'web', uid: UID, controller: true, blockOwnerDeletion: true },
      ]);
    }
  });

  it('writes an empty owner uid in an offline plan', () => {
    for (const object of children(FULL, { uid: undefined })) {
      expect(object.metadata.ownerReferences[0]?.uid).toBe('');
    }
  });
});

describe('ServiceAccount', () => {
  it('is annotated with the managed IRSA role and regional STS', () => {
    const plan = planWorkload(makeWorkload({ iam: { serviceAccountName: 'web-runner' } }), makeCluster(), FACTS);
    const sa = child(plan.kubernetes, 'ServiceAccount');
    expect(sa.apiVersion).toBe('v1');
    expect(sa.metadata.name).toBe('web-runner');
    expect(sa.metadata.annotations).toEqual({
      [IRSA_ROLE_ANNOTATION]: plan.aws.iamRole.arn,
      [IRSA_REGIONAL_STS_ANNOTATION]: 'true',
    });
    expect(plan.aws.iamRole.arn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/prod-shop-web-[0-9a-f]{8}$`));
  });

  it('is annotated with the workload’s own role when it brings one', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/teams/shop-web`;
    const plan = planWorkload(makeWorkload({ iam: { roleArn: arn } }), makeCluster(), FACTS);
    expect(plan.aws.iamRole.managed).toBe(false);
    expect(child(plan.kubernetes, 'ServiceAccount').metadata.annotations?.[IRSA_ROLE_ANNOTATION]).toBe(arn);
  });
});

describe('Deployment', () => {
  it('selects on the workload label only, which never changes', () => {
    const deployment = child(children(FULL), 'Deployment');
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.metadata.name).toBe('web');
    expect(deployment.spec.selector).toEqual({ matchLabels: { [LABEL_WORKLOAD]: 'web' } });
  });

  it('labels the pods with the spec labels, the common labels and the profile label', () => {
    const plan = planWorkload(makeWorkload(), makeCluster(), FACTS);
    const labels = child(plan.kubernetes, 'Deployment').spec.template.metadata.labels;
    expect(labels).toEqual({ app: 'web', ...COMMON_LABELS, [PROFILE_LABEL]: plan.aws.fargateProfile.name, 'eks.amazonaws.com/fargate-profile': plan.aws.fargateProfile.name });
  });

  it('does not let spec labels break the selector or the profile match', () => {
    const w = makeWorkload();
    w.spec.template.metadata = { labels: { [LABEL_WORKLOAD]: 'other', [PROFILE_LABEL]: 'fw-elsewhere' } };
    const plan = planWorkload(w, makeCluster(), FACTS);
    const labels = child(plan.kubernetes, 'Deployment').spec.template.metadata.labels;
    expect(labels[LABEL_WORKLOAD]).toBe('web');
    expect(labels[PROFILE_LABEL]).toBe(plan.aws.fargateProfile.name);
  });

  it.each(['Shared', 'Namespace', 'Dedicated'] as const)('has pods that a selector of the %s profile picks', (placement) => {
    const plan = planWorkload(makeWorkload({ fargateProfile: { placement } }), makeCluster(), FACTS);
    const deployment = child(plan.kubernetes, 'Deployment');
    const selectors = plan.aws.fargateProfile.selectors;
    expect(selectors.length).toBeGreaterThan(0);
    const picked = selectors.filter((s) => selectorMatches(s, deployment.metadata.namespace, deployment.spec.template.metadata.labels));
    expect(picked).toHaveLength(1);
    // The Deployment's own selector must pick its pods too, or the API server rejects it.
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
      expect(deployment.spec.template.metadata.labels[key]).toBe(value);
    }
  });

  it('is not picked by a Shared profile whose namespace pattern excludes the namespace', () => {
    const plan = planWorkload(makeWorkload(), makeCluster({ profiles: { namespacePattern: 'team-*' } }), FACTS);
    const labels = child(plan.kubernetes, 'Deployment').spec.template.metadata.labels;
    expect(selectorMatches(plan.aws.fargateProfile.selectors[0]!, 'shop', labels)).toBe(false);
  });

  it('carries a hash of the role ARN, which changes with the role', () => {
    const plan = planWorkload(makeWorkload(), makeCluster(), FACTS);
    const annotations = child(plan.kubernetes, 'Deployment').spec.template.metadata.annotations;
    expect(annotations[ROLE_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/);
    expect(annotations[ROLE_HASH_ANNOTATION]).toBe(roleArnHash(plan.aws.iamRole.arn));

    const moved = planWorkload(makeWorkload(), makeCluster({ iam: { rolePath: '/eksops/' } }), FACTS);
    const own = planWorkload(makeWorkload({ iam: { roleArn: `arn:aws:iam::${ACCOUNT}:role/mine` } }), makeCluster(), FACTS);
    const hashOf = (objects: KubeObject[]) => child(objects, 'Deployment').spec.template.metadata.annotations[ROLE_HASH_ANNOTATION];
    expect(hashOf(moved.kubernetes)).not.toBe(hashOf(plan.kubernetes));
    expect(hashOf(own.kubernetes)).not.toBe(hashOf(plan.kubernetes));
  });

  it('keeps the spec annotations and pod spec, and runs as the planned service account', () => {
    const w = makeWorkload({ iam: { serviceAccountName: 'web-runner' } });
    w.spec.template.metadata = { labels: { app: 'web' }, annotations: { 'example.com/note': 'kept' } };
    w.spec.template.spec.serviceAccountName = 'someone-else';
    const deployment = child(planWorkload(w, makeCluster(), FACTS).kubernetes, 'Deployment');
    expect(deployment.spec.template.metadata.annotations['example.com/note']).toBe('kept');
    expect(deployment.spec.template.spec.serviceAccountName).toBe('web-runner');
    expect(deployment.spec.template.spec.containers).toEqual(w.spec.template.spec.containers);
  });

  it('sets the replicas, defaulting to 1', () => {
    expect(child(children({ replicas: 3 }), 'Deployment').spec.replicas).toBe(3);
    expect(child(children(), 'Deployment').spec.replicas).toBe(1);
  });

  it('leaves the replicas to the HPA when autoscaling is set', () => {
    const deployment = child(children(FULL), 'Deployment');
    expect('replicas' in deployment.spec).toBe(false);
  });

  it('never drops below the wanted capacity during a rollout', () => {
    expect(child(children(), 'Deployment').spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' },
    });
  });
});

describe('Service', () => {
  it('exposes the ingress port to the Deployment’s pods', () => {
    const objects = children(FULL);
    const service = child(objects, 'Service');
    expect(service.apiVersion).toBe('v1');
    expect(service.metadata.name).toBe('web');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.selector).toEqual(child(objects, 'Deployment').spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 }]);
  });
});

describe('Ingress', () => {
  const ALB = 'alb.ingress.kubernetes.io';

  it('is an ALB with IP targets and HTTP only without a certificate', () => {
    const ingress = child(children({ ingress: { port: 8080 } }), 'Ingress');
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.metadata.annotations).toEqual({
      [`${ALB}/target-type`]: 'ip',
      [`${ALB}/scheme`]: 'internal',
      [`${ALB}/listen-ports`]: '[{"HTTP":80}]',
    });
    expect(ingress.spec.rules).toEqual([
      { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } }] } },
    ]);
  });

  it('adds HTTPS, the redirect, the certificate, health check and group with TLS', () => {
    const ingress = child(children(FULL), 'Ingress');
    expect(ingress.metadata.annotations).toEqual({
      [`${ALB}/target-type`]: 'ip',
      [`${ALB}/scheme`]: 'internet-facing',
      [`${ALB}/listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]',
      [`${ALB}/ssl-redirect`]: '443',
      [`${ALB}/certificate-arn`]: CERT,
      [`${ALB}/healthcheck-path`]: '/healthz',
      [`${ALB}/group.name`]: 'shop',
    });
    expect(ingress.spec.rules).toEqual([
      {
        host: 'web.example.com',
        http: { paths: [{ path: '/shop', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } }] },
      },
    ]);
  });

  it('keeps user annotations, but not over the operator’s', () => {
    const annotations = {
      [`${ALB}/target-type`]: 'instance',
      [`${ALB}/scheme`]: 'internet-facing',
      [`${ALB}/load-balancer-attributes`]: 'idle_timeout.timeout_seconds=120',
    };
    const ingress = child(children({ ingress: { port: 8080, annotations } }), 'Ingress');
    expect(ingress.metadata.annotations?.[`${ALB}/target-type`]).toBe('ip');
    expect(ingress.metadata.annotations?.[`${ALB}/scheme`]).toBe('internal');
    expect(ingress.metadata.annotations?.[`${ALB}/load-balancer-attributes`]).toBe('idle_timeout.timeout_seconds=120');
  });

  it('is absent, with its Service, without an ingress', () => {
    const objects = children({ networking: { securityGroupIds: ['sg-0abc'] } });
    expect(childOfKind(objects, 'Ingress')).toBeUndefined();
    expect(childOfKind(objects, 'Service')).toBeUndefined();
  });
});

describe('SecurityGroupPolicy', () => {
  it('selects the Deployment’s pods and names the security groups', () => {
    const objects = children(FULL);
    const policy = child(objects, 'SecurityGroupPolicy');
    expect(policy.apiVersion).toBe('vpcresources.k8s.aws/v1beta1');
    expect(policy.metadata.name).toBe('web');
    expect(policy.spec.podSelector).toEqual({ matchLabels: child(objects, 'Deployment').spec.selector.matchLabels });
    expect(policy.spec.securityGroups).toEqual({ groupIds: ['sg-0abc', 'sg-0def'] });
  });

  it('is absent without security groups', () => {
    expect(childOfKind(children({ networking: { securityGroupIds: [] } }), 'SecurityGroupPolicy')).toBeUndefined();
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('scales the Deployment on CPU utilization', () => {
    const hpa = child(children(FULL), 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.name).toBe('web');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
  });

  it('defaults to 1 replica at least and 80 % CPU', () => {
    const hpa = child(children({ autoscaling: { maxReplicas: 4 } }), 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.metrics[0]?.resource.target.averageUtilization).toBe(80);
  });
});

describe('determinism', () => {
  it('plans the same input to the same bytes, without changing the input', () => {
    const workload = makeWorkload({ ...FULL, iam: { managedPolicyArns: ['arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/A'] } });
    const cluster = makeCluster({ logging: { cloudWatch: { logGroupName: '/eks/prod/fargate' } } });
    const before = JSON.stringify([workload, cluster]);
    const first = JSON.stringify(planWorkload(workload, cluster, FACTS));
    const second = JSON.stringify(planWorkload(structuredClone(workload), structuredClone(cluster), { ...FACTS }));
    expect(second).toBe(first);
    expect(JSON.stringify([workload, cluster])).toBe(before);
  });
});
