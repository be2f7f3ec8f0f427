/**
 * The bad-input corpus: invalid FargateWorkloads and FargateClusters, each with the outcome a user
 * must get, as early as it can be given:
 * - `refused`: the API server refuses it at admission (CRD schema or CEL rule), and its message
 *   says these things;
 * - `stalled`: the API server accepts it (only the FargateCluster's guard rails or the operator's
 *   own checks can judge it), and the operator sets Stalled with this reason, naming `field`,
 *   before any AWS write.
 * `bin/eks-fargate-operator validate`, given the same files and the corpus FargateCluster, must
 * call each one invalid and name the same fields. test/integration/bad-input-corpus.test.ts runs
 * it against the real API server, the running operator and the command.
 */
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';

/** What the corpus needs to know about the place it runs in. */
export interface CorpusContext {
  /** Namespace of every workload case. */
  namespace: string;
  /** The FargateCluster (and EKS cluster) every workload case names. */
  clusterName: string;
  accountId: string;
  privateSubnetIds: string[];
  publicSubnetId: string;
}

/** The one managed policy the corpus cluster allows. */
export const CORPUS_ALLOWED_POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

/** The outcome a case must get. */
export type Verdict = { refused: RegExp[] } | { stalled: string; field: string };

/** One invalid object and its verdict. */
export interface BadInputCase {
  /** Unique; the object's file is named after it (and the object too, but for the invalid-name cases). */
  id: string;
  /** What is wrong, in words. */
  what: string;
  object: FargateWorkload | FargateCluster;
  verdict: Verdict;
}

type Spec = Record<string, unknown>;
const container = (extra: Spec = {}) => ({ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } }, ...extra });

/**
 * The FargateCluster the workload cases are judged against: strict guard rails (one managed
 * policy; inline policies only with sqs actions; no security groups or roles brought; internal
 * load balancers only; the seeded private subnets).
 */
export function corpusCluster(context: CorpusContext, namePrefix: string): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: context.clusterName },
    spec: {
      region: 'us-east-1',
      subnetIds: context.privateSubnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix },
      iam: { rolePath: '/eksops/', allowedManagedPolicyArns: [CORPUS_ALLOWED_POLICY], allowInlinePolicies: true, inlinePolicyActions: ['sqs:*'], createOIDCProvider: true },
    },
  };
}

/** The full corpus for a context. */
export function badInputCorpus(context: CorpusContext): BadInputCase[] {
  const workload = (id: string, spec: Spec = {}, podSpec: Spec = {}, podMeta: Spec = {}): FargateWorkload =>
    ({
      apiVersion: 'fargate.eksops.dev/v1alpha1',
      kind: 'FargateWorkload',
      metadata: { name: id, namespace: context.namespace },
      spec: {
        clusterName: context.clusterName,
        template: { metadata: { labels: { app: id }, ...podMeta }, spec: { containers: [container()], ...podSpec } },
        ...spec,
      },
    }) as unknown as FargateWorkload;
  const cluster = (id: string, spec: Spec = {}, name = id): FargateCluster =>
    ({ apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateCluster', metadata: { name }, spec: { region: 'us-east-1', subnetIds: ['subnet-0123456789abcdef0'], ...spec } }) as unknown as FargateCluster;
  const refused = (id: string, what: string, object: FargateWorkload | FargateCluster, messages: RegExp[]): BadInputCase => ({ id, what, object, verdict: { refused: messages } });
  const stalled = (id: string, what: string, object: FargateWorkload, field: string, reason = 'InvalidSpec'): BadInputCase => ({ id, what, object, verdict: { stalled: reason, field } });
  const inline = (statement: Spec) => ({ iam: { inlinePolicy: { Version: '2012-10-17', Statement: [statement] } } });
  const nodeAffinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'In', values: ['ec2'] }] }] } } };

  return [
    // What Fargate cannot run: refused by the CRD's CEL rules.
    refused('privileged', 'a privileged container', workload('privileged', {}, { containers: [container({ securityContext: { privileged: true } })] }), [/privileged/, /not supported on Fargate/]),
    refused('privileged-init', 'a privileged init container', workload('privileged-init', {}, { initContainers: [container({ name: 'init', securityContext: { privileged: true } })] }), [/initContainers/, /privileged/]),
    refused('host-network', 'the host network', workload('host-network', {}, { hostNetwork: true }), [/hostNetwork/, /Fargate/]),
    refused('host-pid', 'the host PID namespace', workload('host-pid', {}, { hostPID: true }), [/hostPID/]),
    refused('host-ipc', 'the host IPC namespace', workload('host-ipc', {}, { hostIPC: true }), [/hostIPC/]),
    refused('host-port', 'a host port', workload('host-port', {}, { containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })] }), [/hostPort/]),
    refused('gpu', 'a GPU', workload('gpu', {}, { containers: [container({ resources: { limits: { 'nvidia.com/gpu': 1 } } })] }), [/nvidia\.com\/gpu|GPU|extended resource/i, /cpu, memory/]),
    refused('windows', 'a Windows node', workload('windows', {}, { nodeSelector: { 'kubernetes.io/os': 'windows' } }), [/[Ww]indows/, /Linux/]),
    refused('ebs-volume', 'an EBS volume', workload('ebs-volume', {}, { volumes: [{ name: 'data', awsElasticBlockStore: { volumeID: 'vol-1' } }] }), [/EBS/, /EFS/]),
    refused('host-path', 'the host filesystem', workload('host-path', {}, { volumes: [{ name: 'root', hostPath: { path: '/' } }] }), [/spec\.template\.spec\.volumes\[0\]\.hostPath/, /emptyDir/]),
    refused('capability-add', 'an added capability', workload('capability-add', {}, { containers: [container({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })] }), [/capabilities\.add/, /SYS_PTRACE/]),
    refused('node-name', 'a pod pinned to a node', workload('node-name', {}, { nodeName: 'ip-10-0-1-5.ec2.internal' }), [/spec\.template\.spec\.nodeName/, /Fargate scheduler/]),
    refused('scheduler-name', 'another scheduler', workload('scheduler-name', {}, { schedulerName: 'my-scheduler' }), [/spec\.template\.spec\.schedulerName/]),
    refused('node-affinity', 'node affinity to EC2', workload('node-affinity', {}, { affinity: nodeAffinity }), [/nodeAffinity/]),
    refused('compute-type-annotation', 'the EC2 compute-type annotation', workload('compute-type-annotation', {}, {}, { annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } }), [/compute-type/, /EC2/]),
    refused('compute-type-selector', 'an EC2 compute-type node selector', workload('compute-type-selector', {}, { nodeSelector: { 'eks.amazonaws.com/compute-type': 'ec2' } }), [/nodeSelector/, /EC2/]),
    refused('system-priority', 'a system priority class', workload('system-priority', {}, { priorityClassName: 'system-node-critical' }), [/priorityClassName/]),
    refused('profile-label', "choosing another team's Fargate profile by label", workload('profile-label', {}, {}, { labels: { app: 'profile-label', 'eks.amazonaws.com/fargate-profile': 'platform-critical' } }), [/fargate-profile/]),
    refused('operator-profile-label', "setting the operator's own profile label", workload('operator-profile-label', {}, {}, { labels: { app: 'operator-profile-label', 'fargate.eksops.dev/profile': 'fw-shared-0000' } }), [/fargate\.eksops\.dev\/profile/]),
    refused('target-type-instance', 'ALB targets by instance (node ports)', workload('target-type-instance', { ingress: { port: 8080, annotations: { 'alb.ingress.kubernetes.io/target-type': 'instance' } } }), [/spec\.ingress\.annotations/, /target-type must be ip/]),
    // Shapes the schema refuses.
    refused('bad-subnet', 'a subnet id of the wrong form', workload('bad-subnet', { fargateProfile: { subnetIds: ['subnet-nothex'] } }), [/subnetIds/, /subnet-/]),
    refused('bad-security-group', 'a security group id of the wrong form', workload('bad-security-group', { networking: { securityGroupIds: ['sg-xyz'] } }), [/securityGroupIds/, /sg-/]),
    refused('six-security-groups', 'more security groups than a pod can have', workload('six-security-groups', { networking: { securityGroupIds: [1, 2, 3, 4, 5, 6].map((i) => `sg-0000000${i}0000000${i}`) } }), [/securityGroupIds/, /5 items|must have at most 5/]),
    refused('bad-policy-arn', 'a policy name instead of its ARN', workload('bad-policy-arn', { iam: { managedPolicyArns: ['AmazonS3ReadOnlyAccess'] } }), [/managedPolicyArns/]),
    refused('port-zero', 'ingress port 0', workload('port-zero', { ingress: { port: 0 } }), [/ingress\.port/, /should be greater than or equal to 1/]),
    refused('port-too-big', 'ingress port above 65535', workload('port-too-big', { ingress: { port: 70000 } }), [/ingress\.port/, /65535/]),
    refused('min-over-max', 'minReplicas above maxReplicas', workload('min-over-max', { autoscaling: { minReplicas: 5, maxReplicas: 2 } }), [/minReplicas must be less than or equal to autoscaling\.maxReplicas/]),
    refused('replicas-negative', 'negative replicas', workload('replicas-negative', { replicas: -1 }), [/spec\.replicas/]),
    refused('replicas-too-many', 'more replicas than the operator allows', workload('replicas-too-many', { replicas: 1001 }), [/spec\.replicas/, /1000/]),
    refused('role-and-policies', 'a role brought and policies to attach to it', workload('role-and-policies', { iam: { roleArn: 'arn:aws:iam::123456789012:role/mine', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } }), [/roleArn/]),
    refused('bad-placement', 'a placement that does not exist', workload('bad-placement', { fargateProfile: { placement: 'Everywhere' } }), [/placement/, /Shared/]),
    refused('container-without-image', 'a container without an image', workload('container-without-image', {}, { containers: [{ name: 'app' }] }), [/spec\.template\.spec\.containers\[0\]\.image: Required value/]),
    refused('duplicate-container-names', 'two containers of one name', workload('duplicate-container-names', {}, { containers: [container(), container()] }), [/spec\.template\.spec\.containers\[1\]: Duplicate value/]),
    refused('restart-never', 'restartPolicy Never in a Deployment', workload('restart-never', {}, { restartPolicy: 'Never' }), [/spec\.template\.spec\.restartPolicy: Unsupported value: "Never"/, /"Always"/]),
    refused('probe-port-not-a-port', 'a probe port that is neither number nor name', workload('probe-port-not-a-port', {}, { containers: [container({ livenessProbe: { httpGet: { port: true } } })] }), [/spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.port/]),
    refused('unknown-pod-field', 'a misspelt pod field', workload('unknown-pod-field', {}, { hostNetworking: true }), [/unknown field "spec\.template\.spec\.hostNetworking"/]),
    refused('disruption-both', 'maxUnavailable and minAvailable both', workload('disruption-both', { disruption: { maxUnavailable: 1, minAvailable: 1 } }), [/disruption\.maxUnavailable or disruption\.minAvailable, not both/]),
    refused('disruption-zero', 'a disruption budget that blocks every drain', workload('disruption-zero', { disruption: { maxUnavailable: 0 } }), [/disruption\.maxUnavailable must be a number of at least 1/]),
    refused('workload-name-uppercase', 'a workload name that is no DNS label', workload('Web-App'), [/metadata\.name/, /lowercase/]),
    refused('workload-no-template', 'no pod template', { ...workload('workload-no-template'), spec: { clusterName: context.clusterName } } as unknown as FargateWorkload, [/spec\.template: Required value/]),
    refused('workload-no-containers', 'a pod template without containers', workload('workload-no-containers', {}, { containers: [] }), [/spec\.template\.spec\.containers/]),
    // FargateClusters the schema and CEL rules refuse.
    refused('cluster-both-roles', 'an execution role both made and brought', cluster('cluster-both-roles', { podExecutionRole: { create: true, arn: 'arn:aws:iam::123456789012:role/x' } }), [/podExecutionRole/]),
    refused('cluster-bad-subnet', 'a cluster subnet id of the wrong form', cluster('cluster-bad-subnet', { subnetIds: ['subnet-1'] }), [/subnetIds/]),
    refused('cluster-too-many-subnets', 'more subnets than a Fargate profile takes', cluster('cluster-too-many-subnets', { subnetIds: Array.from({ length: 17 }, (_, i) => `subnet-0123456789abcd${String(i).padStart(3, '0')}`) }), [/subnetIds/, /16/]),
    refused('cluster-bad-retention', 'a log retention CloudWatch does not offer', cluster('cluster-bad-retention', { logging: { cloudWatch: { logGroupName: '/eks/prod', retentionDays: 2 } } }), [/retentionDays/]),
    refused('cluster-bad-region', 'a region of the wrong form', cluster('cluster-bad-region', { region: 'us-east' }), [/spec\.region/]),
    refused('cluster-bad-role-arn', 'an execution role ARN of the wrong form', cluster('cluster-bad-role-arn', { podExecutionRole: { arn: 'arn:aws:iam::12345:role/x' } }), [/podExecutionRole\.arn/]),
    refused('cluster-max-profiles-zero', 'a profile quota of 0', cluster('cluster-max-profiles-zero', { profiles: { maxProfiles: 0 } }), [/maxProfiles/]),
    refused('cluster-long-prefix', 'a profile name prefix longer than 20', cluster('cluster-long-prefix', { profiles: { namePrefix: 'a-very-long-profile-prefix' } }), [/namePrefix/]),
    refused('cluster-bad-prefix', 'a profile name prefix with a dot', cluster('cluster-bad-prefix', { profiles: { namePrefix: 'team.a' } }), [/namePrefix/]),
    refused('cluster-bad-role-path', 'an IAM role path without slashes', cluster('cluster-bad-role-path', { iam: { rolePath: 'eksops' } }), [/rolePath/]),
    refused('cluster-bad-allowed-policy', 'an allowed managed policy that is no policy ARN', cluster('cluster-bad-allowed-policy', { iam: { allowedManagedPolicyArns: ['AdministratorAccess'] } }), [/allowedManagedPolicyArns/]),
    refused('cluster-inline-unguarded', 'inline policies allowed with no boundary and no action list', cluster('cluster-inline-unguarded', { iam: { allowInlinePolicies: true } }), [/allowInlinePolicies/, /permissionsBoundaryArn|inlinePolicyActions/]),
    refused('cluster-bad-log-group', 'a log group name CloudWatch refuses', cluster('cluster-bad-log-group', { logging: { cloudWatch: { logGroupName: 'my logs' } } }), [/logGroupName/]),
    refused('cluster-name-uppercase', 'a cluster name EKS refuses', cluster('cluster-name-uppercase', {}, 'Prod'), [/metadata\.name/, /lowercase/]),
    // Accepted by the API server; the operator stalls them, naming the field, before any AWS write.
    stalled('admin-policy', 'account admin as a managed policy', workload('admin-policy', { iam: { managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } }), 'spec.iam.managedPolicyArns[0]'),
    stalled('unlisted-policy', 'a managed policy the cluster does not list', workload('unlisted-policy', { iam: { managedPolicyArns: [CORPUS_ALLOWED_POLICY, 'arn:aws:iam::aws:policy/IAMFullAccess'] } }), 'spec.iam.managedPolicyArns[1]'),
    // The corpus cluster lets no workload bring a role: the platform's own is refused like any other.
    stalled('own-role', "bringing a role (the platform's own)", workload('own-role', { iam: { roleArn: `arn:aws:iam::${context.accountId}:role/eks-fargate-operator` } }), 'spec.iam.roleArn'),
    stalled('inline-not-resource', 'an inline Allow with NotResource', workload('inline-not-resource', inline({ Effect: 'Allow', Action: 'sqs:SendMessage', NotResource: 'arn:aws:sqs:*:*:admin-*' })), 'spec.iam.inlinePolicy.Statement[0].NotResource'),
    stalled('inline-star', 'an inline policy allowing every action', workload('inline-star', inline({ Effect: 'Allow', Action: '*', Resource: '*' })), 'spec.iam.inlinePolicy.Statement[0].Action'),
    stalled('inline-unlisted-action', 'an inline action the cluster does not list', workload('inline-unlisted-action', inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })), 'spec.iam.inlinePolicy.Statement[0].Action'),
    stalled('inline-not-action', 'an inline Allow with NotAction', workload('inline-not-action', inline({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })), 'spec.iam.inlinePolicy.Statement[0].NotAction'),
    stalled('inline-bad-effect', 'an inline statement with an Effect IAM does not know', workload('inline-bad-effect', inline({ Effect: 'Maybe', Action: 'sqs:SendMessage', Resource: '*' })), 'spec.iam.inlinePolicy.Statement[0].Effect'),
    stalled('security-group', 'a security group of its choosing', workload('security-group', { networking: { securityGroupIds: ['sg-0123456789abcdef0'] } }), 'spec.networking.securityGroupIds[0]'),
    stalled('public-subnet', 'a subnet outside the cluster (the public one)', workload('public-subnet', { fargateProfile: { placement: 'Dedicated', subnetIds: [context.publicSubnetId] } }), 'spec.fargateProfile.subnetIds[0]'),
    stalled('internet-facing', 'an internet-facing load balancer', workload('internet-facing', { ingress: { port: 8080, scheme: 'internet-facing' } }), 'spec.ingress.scheme'),
    stalled('foreign-alb-group', "joining another team's ALB", workload('foreign-alb-group', { ingress: { port: 8080, groupName: 'payments' } }), 'spec.ingress.groupName'),
    stalled('alb-annotation', 'an ALB annotation that opens security groups', workload('alb-annotation', { ingress: { port: 8080, annotations: { 'alb.ingress.kubernetes.io/security-groups': 'sg-0123456789abcdef0' } } }), 'spec.ingress.annotations["alb.ingress.kubernetes.io/security-groups"]'),
    stalled('too-much-cpu', 'more vCPU than Fargate offers', workload('too-much-cpu', {}, { containers: [container({ resources: { requests: { cpu: '32', memory: '64Gi' } } })] }), 'spec.template.spec.containers[0].resources.requests.cpu'),
    stalled('too-much-memory', 'more memory than Fargate offers', workload('too-much-memory', {}, { containers: [container({ resources: { requests: { cpu: '4', memory: '200Gi' } } })] }), 'spec.template.spec.containers[0].resources.requests.memory'),
    stalled('ebs-csi-volume', 'an EBS volume through the CSI driver', workload('ebs-csi-volume', {}, { volumes: [{ name: 'data', csi: { driver: 'ebs.csi.aws.com' } }] }), 'spec.template.spec.volumes[0].csi.driver'),
    stalled('template-service-account', 'a pod template naming a ServiceAccount other than its role', workload('template-service-account', {}, { serviceAccountName: 'platform-admin' }), 'spec.template.spec.serviceAccountName'),
  ];
}
