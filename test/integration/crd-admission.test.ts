// The CRDs' schema and CEL rules as the real API server enforces them: each invalid object is
// refused at admission, with a message that says what is wrong and what Fargate allows. The
// operator's `validate` (which evaluates the same generated CRDs) gives the same verdict on each,
// naming fields the server names.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubectl, KubectlError } from '../../scripts/dev-env/kubectl.js';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { validate, validateCluster } from '../../src/api/validate.js';
import { readTestEnvironment } from '../support/test-env.js';

const environment = readTestEnvironment();
const target = { kubectl: environment.kubectl, kubeconfigPath: environment.kubeconfigPath };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crd-admission-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Spec = Record<string, unknown>;
const container = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx', ...extra });

function workload(spec: Spec, templateSpec: Spec = {}, name = 'web'): Record<string, unknown> {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { containers: [container()], ...templateSpec } }, ...spec },
  };
}

function cluster(spec: Spec, name = 'prod'): Record<string, unknown> {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name },
    spec: { region: 'us-east-1', subnetIds: ['subnet-0123456789abcdef0'], ...spec },
  };
}

/** The problems `validate` finds in the object (the CLI's answer for the same file). */
function validateObject(object: Record<string, unknown>) {
  return object.kind === 'FargateCluster' ? validateCluster(object as unknown as FargateCluster) : validate(object as unknown as FargateWorkload);
}

/** Sends the object to the API server with a server-side dry run; resolves what the server said. */
async function admit(name: string, object: Record<string, unknown>): Promise<{ accepted: boolean; message: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(object));
  try {
    await kubectl(target, ['create', '--dry-run=server', '-f', file]);
    return { accepted: true, message: '' };
  } catch (error) {
    if (error instanceof KubectlError) return { accepted: false, message: error.stderr };
    throw error;
  }
}

// Each case: an object the API server must refuse, and what its message must say.
const INVALID: [string, Record<string, unknown>, RegExp[]][] = [
  ['privileged', workload({}, { containers: [container({ securityContext: { privileged: true } })] }), [/privileged/, /not supported on Fargate/]],
  ['privileged-init', workload({}, { initContainers: [container({ name: 'init', securityContext: { privileged: true } })] }), [/initContainers/, /privileged/]],
  ['host-network', workload({}, { hostNetwork: true }), [/hostNetwork/, /Fargate/]],
  ['host-pid', workload({}, { hostPID: true }), [/hostPID/]],
  ['host-ipc', workload({}, { hostIPC: true }), [/hostIPC/]],
  ['host-port', workload({}, { containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })] }), [/hostPort/]],
  ['gpu', workload({}, { containers: [container({ resources: { limits: { 'nvidia.com/gpu': 1 } } })] }), [/nvidia\.com\/gpu|GPU|extended resource/i, /cpu, memory/]],
  ['windows', workload({}, { nodeSelector: { 'kubernetes.io/os': 'windows' } }), [/[Ww]indows/, /Linux/]],
  ['ebs-volume', workload({}, { volumes: [{ name: 'data', awsElasticBlockStore: { volumeID: 'vol-1' } }] }), [/EBS/, /EFS/]],
  ['bad-subnet', workload({ fargateProfile: { subnetIds: ['subnet-nothex'] } }), [/subnetIds/, /subnet-/]],
  ['bad-security-group', workload({ networking: { securityGroupIds: ['sg-xyz'] } }), [/securityGroupIds/, /sg-/]],
  ['six-security-groups', workload({ networking: { securityGroupIds: [1, 2, 3, 4, 5, 6].map((i) => `sg-0000000${i}0000000${i}`) } }), [/securityGroupIds/, /5 items|must have at most 5/]],
  ['bad-policy-arn', workload({ iam: { managedPolicyArns: ['AmazonS3ReadOnlyAccess'] } }), [/managedPolicyArns/]],
  ['port-zero', workload({ ingress: { port: 0 } }), [/ingress\.port/, /should be greater than or equal to 1/]],
  ['port-too-big', workload({ ingress: { port: 70000 } }), [/ingress\.port/, /65535/]],
  ['min-over-max', workload({ autoscaling: { minReplicas: 5, maxReplicas: 2 } }), [/minReplicas must be less than or equal to autoscaling\.maxReplicas/]],
  ['replicas-negative', workload({ replicas: -1 }), [/spec\.replicas/]],
  ['role-and-policies', workload({ iam: { roleArn: 'arn:aws:iam::123456789012:role/mine', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } }), [/roleArn/]],
  ['bad-placement', workload({ fargateProfile: { placement: 'Everywhere' } }), [/placement/, /Shared/]],
  // The Kubernetes PodSpec schema embedded in spec.template (crds/source + npm run generate:crds).
  ['container-without-image', workload({}, { containers: [{ name: 'app' }] }), [/spec\.template\.spec\.containers\[0\]\.image: Required value/]],
  ['duplicate-container-names', workload({}, { containers: [container(), container()] }), [/spec\.template\.spec\.containers\[1\]: Duplicate value/]],
  ['restart-never', workload({}, { restartPolicy: 'Never' }), [/spec\.template\.spec\.restartPolicy: Unsupported value: "Never"/, /"Always"/]],
  ['probe-port-not-a-port', workload({}, { containers: [container({ livenessProbe: { httpGet: { port: true } } })] }), [/spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.port/]],
  ['unknown-pod-field', workload({}, { hostNetworking: true }), [/unknown field "spec\.template\.spec\.hostNetworking"/]],
  ['disruption-both', workload({ disruption: { maxUnavailable: 1, minAvailable: 1 } }), [/disruption\.maxUnavailable or disruption\.minAvailable, not both/]],
  ['disruption-zero', workload({ disruption: { maxUnavailable: 0 } }), [/disruption\.maxUnavailable must be a number of at least 1/]],
  // Nothing that places pods off Fargate or onto a host (issue 11, item 2).
  ['node-name', workload({}, { nodeName: 'ip-10-0-1-5.ec2.internal' }), [/spec\.template\.spec\.nodeName/, /Fargate scheduler/]],
  ['scheduler-name', workload({}, { schedulerName: 'my-scheduler' }), [/spec\.template\.spec\.schedulerName/]],
  ['node-affinity', workload({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'In', values: ['ec2'] }] }] } } } }), [/nodeAffinity/]],
  ['host-path', workload({}, { volumes: [{ name: 'root', hostPath: { path: '/' } }] }), [/spec\.template\.spec\.volumes\[0\]\.hostPath/, /emptyDir/]],
  ['capability-add', workload({}, { containers: [container({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })] }), [/capabilities\.add/, /SYS_PTRACE/]],
  ['compute-type-annotation', { ...workload({}), spec: { template: { metadata: { annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } }, spec: { containers: [container()] } } } }, [/compute-type/, /EC2/]],
  ['compute-type-selector', workload({}, { nodeSelector: { 'eks.amazonaws.com/compute-type': 'ec2' } }), [/nodeSelector/, /EC2/]],
  ['system-priority', workload({}, { priorityClassName: 'system-node-critical' }), [/priorityClassName/]],
  ['cluster-both-roles', cluster({ podExecutionRole: { create: true, arn: 'arn:aws:iam::123456789012:role/x' } }), [/podExecutionRole/]],
  ['cluster-bad-subnet', cluster({ subnetIds: ['subnet-1'] }), [/subnetIds/]],
  ['cluster-bad-retention', cluster({ logging: { cloudWatch: { logGroupName: '/eks/prod', retentionDays: 2 } } }), [/retentionDays/]],
];

describe('the API server refuses invalid objects with messages that say what to fix', () => {
  test('the catalogue is large enough to mean something', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(12);
  });

  test.each(INVALID)('%s', async (name, object, messages) => {
    const result = await admit(name, object);
    expect(result.accepted).toBe(false);
    for (const message of messages) expect(result.message).toMatch(message);
    const problems = validateObject(object);
    expect(problems).not.toEqual([]);
    // Root-level rules have no field (the server says "<nil>"); every other path is one the server names.
    for (const problem of problems.filter((p) => p.path !== '(object)')) expect(result.message).toContain(problem.path);
  });

  test('the valid shapes next to them are accepted (the refusals are not for something else), by both', async () => {
    const fullPod = workload({ disruption: { maxUnavailable: '25%' } }, { restartPolicy: 'Always', containers: [container({ livenessProbe: { httpGet: { path: '/healthz', port: 8080 } }, env: [{ name: 'MODE', value: 'x' }] })] });
    const valid: [string, Record<string, unknown>][] = [
      ['valid-workload', workload({ networking: { securityGroupIds: ['sg-0123456789abcdef0'] }, ingress: { port: 8080 } })],
      ['valid-full-pod', fullPod],
      ['valid-cluster', cluster({ podExecutionRole: { create: true } })],
    ];
    for (const [name, object] of valid) {
      expect(await admit(name, object)).toEqual({ accepted: true, message: '' });
      expect(validateObject(object)).toEqual([]);
    }
  });
});
