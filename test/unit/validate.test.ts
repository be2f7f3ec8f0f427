import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { sizeFargatePod } from '../../src/api/sizing.js';
import { arnMatchesPattern, allowingPattern } from '../../src/api/policy-arn-match.js';
import type { Container, FargateCluster, FargateWorkload, PodSpec } from '../../src/api/types.js';
import { formatProblems, validate, validateCluster } from '../../src/api/validate.js';

function workload(): FargateWorkload {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateWorkload',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      clusterName: 'prod',
      replicas: 2,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'public.ecr.aws/nginx/nginx:1.27',
              ports: [{ containerPort: 8080 }],
              resources: { requests: { cpu: '500m', memory: '1Gi' } },
            },
          ],
        },
      },
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 60 },
      fargateProfile: { placement: 'Shared', subnetIds: ['subnet-0a1b2c3d', 'subnet-0b2c3d4e5f6a7b8c9'] },
      iam: {
        serviceAccountName: 'web',
        managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/app-orders'],
        inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
      },
      networking: { securityGroupIds: ['sg-0abc1234'] },
      ingress: {
        host: 'web.example.com',
        path: '/',
        port: 8080,
        scheme: 'internet-facing',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b-2c3d',
        healthCheckPath: '/healthz',
        groupName: 'shop',
      },
      deletionPolicy: 'Delete',
    },
  };
}

function cluster(): FargateCluster {
  return {
    apiVersion: 'fargate.eksops.dev/v1alpha1',
    kind: 'FargateCluster',
    metadata: { name: 'prod' },
    spec: {
      region: 'us-east-1',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-0b2c3d4e5f6a7b8c9'],
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: 'fw', namespacePattern: '*' },
      iam: {
        rolePath: '/eksops/',
        permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/app-boundary',
        allowedManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/app-*'],
        allowInlinePolicies: true,
        allowedRoleArns: ['arn:aws:iam::123456789012:role/*', 'arn:aws-us-gov:iam::123456789012:role/team/*'],
        createOIDCProvider: true,
      },
      logging: { cloudWatch: { logGroupName: '/eks/prod/fargate', retentionDays: 30 } },
      // Open enough for every rule's cases; the guard-rail cases close them one by one.
      networking: { allowedSecurityGroupIds: ['*'], allowedSubnetIds: ['subnet-0123456789abcdef0'] },
      ingress: { allowInternetFacing: true, sharedGroupNames: ['shop'] },
    },
  };
}

const pod = (w: FargateWorkload): PodSpec => w.spec.template.spec;
const app = (w: FargateWorkload): Container => pod(w).containers[0]!;
const iam = (w: FargateWorkload) => (w.spec.iam ??= {});
const ingress = (w: FargateWorkload) => w.spec.ingress!;
const initContainer = (extra: Partial<Container>): Container => ({ name: 'init', image: 'busybox', ...extra });

describe('the examples are valid', () => {
  it('a full workload with its cluster has no problems', () => {
    expect(validate(workload(), cluster())).toEqual([]);
  });
  it('a minimal workload without a cluster has no problems', () => {
    const w: FargateWorkload = {
      apiVersion: 'fargate.eksops.dev/v1alpha1',
      kind: 'FargateWorkload',
      metadata: { name: 'hello', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'hello', image: 'nginx' }] } } },
    };
    expect(validate(w)).toEqual([]);
  });
  it('the cluster has no problems', () => {
    expect(validateCluster(cluster())).toEqual([]);
  });
  it('a minimal cluster gets its defaults and no problems', () => {
    const c: FargateCluster = { ...cluster(), spec: { region: 'eu-central-1', subnetIds: ['subnet-0a1b2c3d'] } };
    expect(validateCluster(c)).toEqual([]);
  });
});

describe('the files in examples/', () => {
  const load = <T>(file: string): T => parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')) as T;

  it('are valid, and the full workload is sized as its comment says', () => {
    const c = load<FargateCluster>('fargatecluster.yaml');
    const full = load<FargateWorkload>('full-workload.yaml');
    expect(validateCluster(c)).toEqual([]);
    expect(validate(full, c)).toEqual([]);
    expect(validate(load<FargateWorkload>('minimal-workload.yaml'), c)).toEqual([]);
    const size = sizeFargatePod(full.spec.template.spec);
    expect(size.ok && [size.size.vcpu, size.size.memoryGB]).toEqual([1, 2]);
  });
});

type Mutation = (w: FargateWorkload, c: FargateCluster) => void;

// [rule, bad change, path of the problem, message, a good change of the same field]
const workloadRules: [string, Mutation, string, RegExp, Mutation][] = [
  ['privileged container', (w) => void (app(w).securityContext = { privileged: true }),
    'spec.template.spec.containers[0].securityContext.privileged', /privileged containers are not supported on Fargate/,
    (w) => void (app(w).securityContext = { privileged: false, capabilities: { add: ['SYS_PTRACE'], drop: ['ALL'] } })],
  ['privileged init container', (w) => void (pod(w).initContainers = [initContainer({ securityContext: { privileged: true } })]),
    'spec.template.spec.initContainers[0].securityContext.privileged', /privileged/,
    (w) => void (pod(w).initContainers = [initContainer({ securityContext: { runAsNonRoot: true } })])],
  ['hostNetwork', (w) => void (pod(w).hostNetwork = true), 'spec.template.spec.hostNetwork', /hostNetwork is not supported on Fargate/,
    (w) => void (pod(w).hostNetwork = false)],
  ['hostPID', (w) => void (pod(w).hostPID = true), 'spec.template.spec.hostPID', /hostPID is not supported/, (w) => void (pod(w).hostPID = false)],
  ['hostIPC', (w) => void (pod(w).hostIPC = true), 'spec.template.spec.hostIPC', /hostIPC is not supported/, (w) => void (pod(w).hostIPC = false)],
  ['hostPort', (w) => void (app(w).ports = [{ containerPort: 8080, hostPort: 80 }]), 'spec.template.spec.containers[0].ports[0].hostPort', /hostPort is not supported on Fargate/,
    (w) => void (app(w).ports = [{ containerPort: 8080, hostPort: 0 }])],
  ['GPU request', (w) => void (app(w).resources = { limits: { 'nvidia.com/gpu': 1 } }), 'spec.template.spec.containers[0].resources.limits',
    /extended resources such as nvidia.com\/gpu \(GPUs\) and other devices are not available/, (w) => void (app(w).resources = { limits: { cpu: 1, memory: '2Gi', 'ephemeral-storage': '30Gi' } })],
  ['hugepages', (w) => void (pod(w).initContainers = [initContainer({ resources: { requests: { 'hugepages-2Mi': '1Gi' } } })]),
    'spec.template.spec.initContainers[0].resources.requests', /only cpu, memory and ephemeral-storage resources are supported on Fargate/,
    (w) => void (pod(w).initContainers = [initContainer({ resources: { requests: { memory: '1Gi' } } })])],
  ['Windows node selector', (w) => void (pod(w).nodeSelector = { 'kubernetes.io/os': 'windows' }), 'spec.template.spec.nodeSelector',
    /EKS Fargate runs Linux only/, (w) => void (pod(w).nodeSelector = { 'kubernetes.io/os': 'linux' })],
  ['Windows beta node selector', (w) => void (pod(w).nodeSelector = { 'beta.kubernetes.io/os': 'windows' }), 'spec.template.spec.nodeSelector',
    /Linux only/, (w) => void (pod(w).nodeSelector = { 'beta.kubernetes.io/os': 'linux', team: 'a' })],
  ['arm64 node selector', (w) => void (pod(w).nodeSelector = { 'kubernetes.io/arch': 'arm64' }), 'spec.template.spec.nodeSelector',
    /x86-64 only: kubernetes.io\/arch must be amd64/, (w) => void (pod(w).nodeSelector = { 'kubernetes.io/arch': 'amd64' })],
  // Nothing may place the pods off Fargate or onto a host (issue 11): each refused by a CRD rule.
  ['nodeName', (w) => void (pod(w).nodeName = 'ip-10-0-1-5.ec2.internal'), 'spec.template.spec.nodeName', /nodeName binds the pods to one node and bypasses the Fargate/,
    (w) => void (pod(w).topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }])],
  ['another scheduler', (w) => void (pod(w).schedulerName = 'my-scheduler'), 'spec.template.spec.schedulerName', /another scheduler could place the pods off Fargate/,
    (w) => void (pod(w).schedulerName = 'fargate-scheduler')],
  ['node affinity', (w) => void (pod(w).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate'] }] }] } } }),
    'spec.template.spec.affinity.nodeAffinity', /remove affinity.nodeAffinity/,
    (w) => void (pod(w).affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'web' } } } }] } })],
  ['system priority class', (w) => void (pod(w).priorityClassName = 'system-node-critical'), 'spec.template.spec.priorityClassName', /reserved for cluster components/,
    (w) => void (pod(w).priorityClassName = 'team-high')],
  ['hostPath volume', (w) => void (pod(w).volumes = [{ name: 'root', hostPath: { path: '/' } }]), 'spec.template.spec.volumes[0].hostPath', /hostPath volumes are not supported on Fargate/,
    (w) => void (pod(w).volumes = [{ name: 'root', emptyDir: {} }])],
  ['added capability', (w) => void (app(w).securityContext = { capabilities: { add: ['NET_ADMIN'] } }), 'spec.template.spec.containers[0].securityContext.capabilities.add',
    /Fargate adds no Linux capability but SYS_PTRACE/, (w) => void (app(w).securityContext = { capabilities: { add: ['CAP_SYS_PTRACE'] } })],
  ['compute-type annotation', (w) => void (w.spec.template.metadata = { annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } }), 'spec.template.metadata.annotations',
    /would make EKS schedule\s+the pods onto EC2 nodes/, (w) => void (w.spec.template.metadata = { annotations: { 'eks.amazonaws.com/compute-type': 'fargate' } })],
  ['compute-type node selector', (w) => void (pod(w).nodeSelector = { 'eks.amazonaws.com/compute-type': 'ec2' }), 'spec.template.spec.nodeSelector',
    /would send the pods to EC2 nodes/, (w) => void (pod(w).nodeSelector = { 'eks.amazonaws.com/compute-type': 'fargate' })],
  ['no containers', (w) => void (pod(w).containers = []), 'spec.template.spec.containers', /has 0 items; it must be from 1 to 32 items/, () => undefined],
  ['pod too large', (w) => void (app(w).resources = { requests: { cpu: '20' } }), 'spec.template.spec.containers[0].resources.requests.cpu',
    /needs 20 vCPU, more than Fargate's maximum of 16 vCPU per pod/, (w) => void (app(w).resources = { requests: { cpu: '16' } })],
  ['bad quantity', (w) => void (app(w).resources = { requests: { memory: '1GB' } }), 'spec.template.spec.containers[0].resources.requests.memory',
    /"1GB" is not a Kubernetes quantity/, (w) => void (app(w).resources = { requests: { memory: '1G' } })],
  ['EBS volume', (w) => void (pod(w).volumes = [{ name: 'data', awsElasticBlockStore: { volumeID: 'vol-1' } }]), 'spec.template.spec.volumes[0].awsElasticBlockStore',
    /EBS volumes are not supported on Fargate: remove awsElasticBlockStore and use EFS/, (w) => void (pod(w).volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'efs-claim' } }])],
  ['EBS CSI inline volume', (w) => void (pod(w).volumes = [{ name: 'data', csi: { driver: 'ebs.csi.aws.com' } }]), 'spec.template.spec.volumes[0].csi.driver',
    /EBS volumes cannot/, (w) => void (pod(w).volumes = [{ name: 'data', csi: { driver: 'efs.csi.aws.com' } }])],
  ['ephemeral volume on an EBS class', (w) => void (pod(w).volumes = [{ name: 's', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'gp3-encrypted' } } } }]),
    'spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName', /gp3-encrypted looks like EBS/,
    (w) => void (pod(w).volumes = [{ name: 's', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'webserver-efs' } } } }, { name: 't', emptyDir: {} }])],
  ['name missing', (w) => void delete w.metadata.name, 'metadata.name', /is required/, (w) => void (w.metadata.name = 'a')],
  ['name too long for a DNS label', (w) => void (w.metadata.name = 'a'.repeat(64)), '(object)', /metadata.name must be a DNS label of at most 63 characters/,
    (w) => void (w.metadata = { name: 'a'.repeat(63), namespace: 'n'.repeat(63) })], // any legal length: AWS names are cut with a hash
  ['name not a DNS label', (w) => void (w.metadata.name = '1web'), '(object)', /starts with a letter/, (w) => void (w.metadata.name = 'web-2')],
  ['reserved EKS profile label', (w) => void (w.spec.template.metadata = { labels: { 'eks.amazonaws.com/fargate-profile': 'theirs' } }),
    'spec.template.metadata.labels', /are set by the operator to route\s+pods to their Fargate profile/, (w) => void (w.spec.template.metadata = { labels: { 'eks.amazonaws.com/team': 'x' } })],
  ['reserved profile label', (w) => void (w.spec.template.metadata = { labels: { 'fargate.eksops.dev/profile': 'x' } }),
    'spec.template.metadata.labels', /set by the operator to\s+route pods/, (w) => void (w.spec.template.metadata = { labels: { 'fargate.eksops.dev/team': 'x' } })],
  ['duplicate managed policy', (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-a', 'arn:aws:iam::123456789012:policy/app-a']),
    'spec.iam.managedPolicyArns[1]', /listed twice/, (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-a', 'arn:aws:iam::123456789012:policy/app-b'])],
  ['service account name', (w) => void (iam(w).serviceAccountName = 'Web_SA'), 'spec.iam.serviceAccountName', /"Web_SA" does not have the required form .* \(ServiceAccount the pods run as/,
    (w) => void (iam(w).serviceAccountName = 'web.reader-1')],
  ['pod template names another service account', (w) => void (pod(w).serviceAccountName = 'other'), 'spec.template.spec.serviceAccountName',
    /names ServiceAccount other but the workload's IAM role is bound to web/, (w) => void (pod(w).serviceAccountName = 'web')],
  ['replicas above 1000', (w) => void (w.spec.replicas = 1001), 'spec.replicas', /1001 is out of range: it must be from 0 to 1000/, (w) => void (w.spec.replicas = 0)],
  ['replicas negative', (w) => void (w.spec.replicas = -1), 'spec.replicas', /from 0 to 1000/, (w) => void (w.spec.replicas = 1000)],
  ['replicas fractional', (w) => void (w.spec.replicas = 1.5), 'spec.replicas', /must be an integer \(a whole number\), not 1.5/, (w) => void (w.spec.replicas = 3)],
  ['minReplicas above maxReplicas', (w) => void (w.spec.autoscaling = { minReplicas: 5, maxReplicas: 3 }), 'spec.autoscaling.minReplicas',
    /autoscaling.minReplicas must be less than or equal to autoscaling.maxReplicas/, (w) => void (w.spec.autoscaling = { minReplicas: 3, maxReplicas: 3 })],
  ['minReplicas zero', (w) => void (w.spec.autoscaling = { minReplicas: 0, maxReplicas: 3 }), 'spec.autoscaling.minReplicas', /from 1 to 1000/,
    (w) => void (w.spec.autoscaling = { maxReplicas: 3 })],
  ['maxReplicas above 1000', (w) => void (w.spec.autoscaling = { maxReplicas: 1001 }), 'spec.autoscaling.maxReplicas', /from 1 to 1000/,
    (w) => void (w.spec.autoscaling = { maxReplicas: 1000 })],
  ['target CPU above 100', (w) => void (w.spec.autoscaling = { maxReplicas: 3, targetCPUUtilizationPercentage: 101 }), 'spec.autoscaling.targetCPUUtilizationPercentage',
    /from 1 to 100/, (w) => void (w.spec.autoscaling = { maxReplicas: 3, targetCPUUtilizationPercentage: 100 })],
  ['target CPU zero', (w) => void (w.spec.autoscaling = { maxReplicas: 3, targetCPUUtilizationPercentage: 0 }), 'spec.autoscaling.targetCPUUtilizationPercentage',
    /from 1 to 100/, (w) => void (w.spec.autoscaling = { maxReplicas: 3, targetCPUUtilizationPercentage: 1 })],
  ['placement', (w) => void (w.spec.fargateProfile = { placement: 'Everywhere' as never }), 'spec.fargateProfile.placement', /use one of Shared, Namespace, Dedicated/,
    (w) => void (w.spec.fargateProfile = { placement: 'Dedicated' })],
  ['subnet id format', (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1'] }), 'spec.fargateProfile.subnetIds[0]', /"subnet-0a1" does not have the required form \^subnet-\[0-9a-f\]\{8,17\}\$ \(Private subnets/,
    (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0123456789abcdef0'] })],
  ['empty subnet list', (w) => void (w.spec.fargateProfile = { subnetIds: [] }), 'spec.fargateProfile.subnetIds', /has 0 items; it must be from 1 to 16 items/,
    (w) => void (w.spec.fargateProfile = {})],
  ['duplicate subnet', (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'] }), 'spec.fargateProfile.subnetIds[1]', /listed twice/,
    (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1b2c3d'] })],
  ['security group format', (w) => void (w.spec.networking = { securityGroupIds: ['sg-XYZ12345'] }), 'spec.networking.securityGroupIds[0]', /"sg-XYZ12345" does not have the required form/,
    (w) => void (w.spec.networking = { securityGroupIds: ['sg-0123456789abcdef0'] })],
  ['no security groups', (w) => void (w.spec.networking = { securityGroupIds: [] }), 'spec.networking.securityGroupIds', /has 0 items; it must be from 1 to 5 items/,
    (w) => void (w.spec.networking = {})],
  ['six security groups', (w) => void (w.spec.networking = { securityGroupIds: ['1', '2', '3', '4', '5', '6'].map((d) => `sg-0000000${d}`) }),
    'spec.networking.securityGroupIds', /has 6 items; it must be from 1 to 5 items/,
    (w) => void (w.spec.networking = { securityGroupIds: ['1', '2', '3', '4', '5'].map((d) => `sg-0000000${d}`) })],
  ['managed policy ARN format', (w) => void (iam(w).managedPolicyArns = ['AmazonS3ReadOnlyAccess']), 'spec.iam.managedPolicyArns[0]', /"AmazonS3ReadOnlyAccess" does not have the required form \^arn:aws/,
    (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-x'])],
  ['role ARN format', (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123:role/x' }), 'spec.iam.roleArn', /"arn:aws:iam::123:role\/x" does not have the required form/,
    (w) => void (w.spec.iam = { roleArn: 'arn:aws-us-gov:iam::123456789012:role/team/x' })],
  ['roleArn with managed policies', (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123456789012:role/x', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] }),
    'spec.iam', /remove managedPolicyArns and inlinePolicy, or remove roleArn/, (w) => void (w.spec.iam = { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] })],
  ['too many managed policies', (w) => void (iam(w).managedPolicyArns = Array.from({ length: 21 }, (_, i) => `arn:aws:iam::123456789012:policy/app-${i}`)),
    'spec.iam.managedPolicyArns', /has 21 items; it must be at most 20 items/,
    (w) => void (iam(w).managedPolicyArns = Array.from({ length: 20 }, (_, i) => `arn:aws:iam::123456789012:policy/app-${i}`))],
  ['managed policy not allowed by the cluster', (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess']), 'spec.iam.managedPolicyArns[0]',
    /AdministratorAccess is not allowed by FargateCluster prod; allowed patterns: arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess, arn:aws:iam::123456789012:policy\/app-\*/,
    (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-'])],
  ['nothing allowed when the cluster list is empty', (w, c) => void (c.spec.iam!.allowedManagedPolicyArns = []), 'spec.iam.managedPolicyArns[0]',
    /allows no managed policies/, (w, c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::aws:policy/*', 'arn:aws:iam::123456789012:policy/app-????*'])],
  ['inline policy not allowed by the cluster', (w, c) => void (c.spec.iam!.allowInlinePolicies = false), 'spec.iam.inlinePolicy',
    /does not allow inline policies/, (w, c) => void (delete iam(w).inlinePolicy, (c.spec.iam!.allowInlinePolicies = false))],
  ['inline policy Version', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-18', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Version', /"2012-10-18" is not allowed; use one of 2012-10-17, 2008-10-17/,
    (w) => void (iam(w).inlinePolicy = { Version: '2008-10-17', Statement: { Effect: 'Deny', NotAction: 's3:*', NotResource: 'arn:aws:s3:::x' } })],
  ['inline policy Version not a string', (w) => void (iam(w).inlinePolicy = { Version: 2012 as never, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Version', /must be a string, not 2012/, (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] })],
  ['inline policy without Statement', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17' } as never), 'spec.iam.inlinePolicy.Statement', /is required \(One statement object or a list of them/,
    () => undefined],
  ['inline policy with an empty Statement', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [] }), 'spec.iam.inlinePolicy.Statement', /Statement is empty/,
    () => undefined],
  ['statement Effect', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0].Effect', /Effect must be "Allow" or "Deny", not "allow"/, () => undefined],
  ['statement without Action', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0]', /has no Action \(or NotAction\)/, () => undefined],
  ['statement with Action and NotAction', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'x', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0]', /either Action or NotAction, not both/, () => undefined],
  ['statement without Resource', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0]', /has no Resource/, () => undefined],
  ['statement with a Principal', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0].Principal', /cannot name a Principal/, () => undefined],
  ['inline policy over 10,240 characters', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }] }),
    'spec.iam.inlinePolicy', /characters without whitespace, more than IAM's 10240/,
    (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }] })],
  ['ingress port zero', (w) => void (ingress(w).port = 0), 'spec.ingress.port', /0 is out of range: it must be from 1 to 65535/, (w) => void (ingress(w).port = 1)],
  ['ingress port too high', (w) => void (ingress(w).port = 65536), 'spec.ingress.port', /from 1 to 65535/, (w) => void (ingress(w).port = 65535)],
  ['ingress scheme', (w) => void (ingress(w).scheme = 'public' as never), 'spec.ingress.scheme', /use one of internal, internet-facing/, (w) => void (ingress(w).scheme = 'internal')],
  ['ingress path', (w) => void (ingress(w).path = 'api'), 'spec.ingress.path', /"api" does not have the required form \^\/ \(Path prefix to route\)/, (w) => void (ingress(w).path = '/api')],
  ['health check path', (w) => void (ingress(w).healthCheckPath = 'healthz'), 'spec.ingress.healthCheckPath', /does not have the required form \^\//, (w) => void (ingress(w).healthCheckPath = '/')],
  ['ingress host', (w) => void (ingress(w).host = 'Web.Example.com'), 'spec.ingress.host', /"Web.Example.com" does not have the required form/, (w) => void (ingress(w).host = '*.example.com')],
  ['certificate ARN', (w) => void (ingress(w).certificateArn = 'arn:aws:iam::123456789012:server-certificate/x'), 'spec.ingress.certificateArn', /does not have the required form \^arn:aws\[a-zA-Z-\]\*:acm:/,
    (w) => void (ingress(w).certificateArn = 'arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc')],
  ['ALB group name', (w) => void (ingress(w).groupName = 'Shop_Group'), 'spec.ingress.groupName', /"Shop_Group" does not have the required form .* \(IngressGroup name/, (w) => void (ingress(w).groupName = 'shop.team-1')],
  ['deletion policy', (w) => void (w.spec.deletionPolicy = 'Orphan' as never), 'spec.deletionPolicy', /use one of Delete, Retain/, (w) => void (w.spec.deletionPolicy = 'Retain')],
  ['cluster name mismatch', (w) => void (w.spec.clusterName = 'staging'), 'spec.clusterName', /names cluster staging but was checked against FargateCluster prod/,
    (w) => void delete w.spec.clusterName],
];

describe('validate: every rule has a bad and a good case', () => {
  it.each(workloadRules)('%s', (_rule, bad, path, message, good) => {
    const w = workload();
    const c = cluster();
    bad(w, c);
    const problems = validate(w, c);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });

    const w2 = workload();
    const c2 = cluster();
    good(w2, c2);
    expect(validate(w2, c2)).toEqual([]);
  });
});

type Rail = (w: FargateWorkload, c: FargateCluster) => void;
// [guard rail, what the workload asks, path, message, what the platform allows to make it valid]
const guardRails: [string, Rail, string, RegExp, Rail][] = [
  ['a role of its own, none allowed', (w, c) => void ((w.spec.iam = { roleArn: 'arn:aws:iam::123456789012:role/admin' }), delete c.spec.iam!.allowedRoleArns), 'spec.iam.roleArn',
    /lets no workload bring its own role \(spec.iam.allowedRoleArns is empty\)/, (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123456789012:role/shop-web' })],
  ['a role of its own in another account', (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::999999999999:role/admin' }), 'spec.iam.roleArn',
    /arn:aws:iam::999999999999:role\/admin is not among the roles FargateCluster prod lets workloads bring/, (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123456789012:role/a/b' })],
  ['Action "*" in an inline policy', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0].Action', /"\*" allows every action; name the actions/,
    (w, c) => void ((iam(w).inlinePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), (c.spec.iam!.allowBroadInlinePolicies = true))],
  ['a service wildcard in an inline policy', (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'iam:*'], Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0].Action[1]', /"iam:\*" allows every action of the service/, (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: ['s3:Get*'], Resource: '*' }] })],
  ['NotAction in an inline policy', (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', NotAction: 's3:DeleteBucket', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Statement[0].NotAction', /an Allow with NotAction grants everything it does not name/,
    (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] })],
  ['NotResource in an inline policy', (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }] }),
    'spec.iam.inlinePolicy.Statement[0].NotResource', /an Allow with NotResource/, () => undefined],
  ['an action outside the inline allow-list', (w, c) => void ((c.spec.iam!.inlinePolicyActions = ['s3:Get*', 'sqs:ReceiveMessage']), (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: ['S3:GetObject', 'iam:PassRole'], Resource: '*' }] })),
    'spec.iam.inlinePolicy.Statement[0].Action[1]', /iam:PassRole is not among the actions FargateCluster prod allows in inline policies \(s3:get\*, sqs:receivemessage\)/,
    (w, c) => void ((c.spec.iam!.inlinePolicyActions = ['s3:Get*']), (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: 'S3:GetObject', Resource: '*' }] }))],
  ['a security group not allowed', (w, c) => void (c.spec.networking = { allowedSecurityGroupIds: ['sg-0fedcba9'] }), 'spec.networking.securityGroupIds[0]',
    /sg-0abc1234 is not among the security groups FargateCluster prod lets workloads use \(spec.networking.allowedSecurityGroupIds: sg-0fedcba9\)/,
    (w, c) => void (c.spec.networking = { allowedSecurityGroupIds: ['sg-0fedcba9', 'sg-0abc1234'] })],
  ['security groups, none allowed', (w, c) => void delete c.spec.networking, 'spec.networking.securityGroupIds[0]', /allowedSecurityGroupIds: none\); leave securityGroupIds out/,
    (w, c) => void ((delete c.spec.networking), delete w.spec.networking)],
  ['a subnet outside the cluster', (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0fedcba987654321f'] }), 'spec.fargateProfile.subnetIds[0]',
    /subnet-0fedcba987654321f is neither a subnet of FargateCluster prod/, (w, c) => void ((w.spec.fargateProfile = { subnetIds: ['subnet-0fedcba987654321f'] }), (c.spec.networking!.allowedSubnetIds = ['subnet-0fedcba987654321f']))],
  ['internet-facing not allowed', (w, c) => void delete c.spec.ingress!.allowInternetFacing, 'spec.ingress.scheme', /does not allow internet-facing load balancers/,
    (w, c) => void ((delete c.spec.ingress!.allowInternetFacing), (ingress(w).scheme = 'internal'))],
  ["another namespace's IngressGroup", (w, c) => void ((c.spec.ingress!.sharedGroupNames = []), (ingress(w).groupName = 'payments')), 'spec.ingress.groupName',
    /IngressGroup payments is not this namespace's: use shop or a name starting with shop-/, (w, c) => void ((c.spec.ingress!.sharedGroupNames = []), (ingress(w).groupName = 'shop-public'))],
  ['an Ingress annotation not allowed', (w) => void (ingress(w).annotations = { 'alb.ingress.kubernetes.io/security-groups': 'sg-0123' }), 'spec.ingress.annotations["alb.ingress.kubernetes.io/security-groups"]',
    /does not let workloads set the Ingress annotation alb.ingress.kubernetes.io\/security-groups \(spec.ingress.allowedAnnotations: none\)/,
    (w, c) => void ((ingress(w).annotations = { 'alb.ingress.kubernetes.io/wafv2-acl-arn': 'arn:aws:wafv2:x' }), (c.spec.ingress!.allowedAnnotations = ['alb.ingress.kubernetes.io/wafv2-*']))],
];

describe('validate: the FargateCluster guard rails, each with the workload inside and outside', () => {
  it.each(guardRails)('%s', (_rail, bad, path, message, good) => {
    const [w, c] = [workload(), cluster()];
    bad(w, c);
    expect(validate(w, c)).toContainEqual({ path, message: expect.stringMatching(message) });
    const [w2, c2] = [workload(), cluster()];
    good(w2, c2);
    expect(validateCluster(c2)).toEqual([]);
    expect(validate(w2, c2)).toEqual([]);
  });
});

describe('validate: without a cluster', () => {
  it('does not check the IAM guard rails, only formats', () => {
    const w = workload();
    iam(w).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    expect(validate(w)).toEqual([]);
  });

  it('a malformed object gets a problem instead of an exception', () => {
    expect(validate({ kind: 'FargateWorkload', metadata: { name: 'x' } } as never)).toEqual([{ path: 'spec', message: expect.stringMatching(/^is required \(What to run/) }]);
    expect(validate({ metadata: { name: 'x' }, spec: {} } as never)).toEqual([{ path: 'spec.template', message: expect.stringMatching(/^is required \(The pod template/) }]);
    expect(validate({ spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } } as never)).toEqual([
      { path: 'metadata.name', message: 'is required: give the object a name' },
    ]);
  });
});

describe('validate: several problems', () => {
  it('reports every problem, not just the first, with its path', () => {
    const w = workload();
    w.spec.replicas = 5000;
    pod(w).hostNetwork = true;
    pod(w).initContainers = [initContainer({ securityContext: { privileged: true } })];
    pod(w).containers.push({ name: 'gpu', image: 'cuda', resources: { limits: { 'nvidia.com/gpu': 1 } }, securityContext: { privileged: true } });
    pod(w).volumes = [{ name: 'v', awsElasticBlockStore: { volumeID: 'vol-1' } }];
    app(w).resources = { requests: { memory: '200Gi' } };
    w.spec.networking = { securityGroupIds: ['sg-1'] };
    iam(w).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    ingress(w).port = 70000;
    const problems = validate(w, cluster());
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'spec.replicas',
        'spec.template.spec.hostNetwork',
        'spec.template.spec.initContainers[0].securityContext.privileged',
        'spec.template.spec.containers[1].securityContext.privileged',
        'spec.template.spec.containers[1].resources.limits',
        'spec.template.spec.volumes[0].awsElasticBlockStore',
        'spec.template.spec.containers',
        'spec.networking.securityGroupIds[0]',
        'spec.iam.managedPolicyArns[0]',
        'spec.ingress.port',
      ].sort(),
    );
    expect(problems.find((p) => p.path === 'spec.template.spec.containers')?.message).toMatch(/more than Fargate's maximum of 120 GB/);
  });

  it('formatProblems prints one line per problem', () => {
    expect(
      formatProblems([
        { path: 'spec.replicas', message: 'too many' },
        { path: 'spec.template.spec.hostNetwork', message: 'not on Fargate' },
      ]),
    ).toBe('spec.replicas: too many\nspec.template.spec.hostNetwork: not on Fargate');
    expect(formatProblems([])).toBe('');
  });
});

type ClusterMutation = (c: FargateCluster) => void;
const clusterRules: [string, ClusterMutation, string, RegExp, ClusterMutation][] = [
  ['cluster name', (c) => void (c.metadata.name = 'Prod_cluster'), '(object)', /metadata.name must be the EKS cluster name/, (c) => void (c.metadata.name = '0prod-cluster-2')],
  ['cluster name too long', (c) => void (c.metadata.name = 'a'.repeat(101)), '(object)', /at most 100 characters/, (c) => void (c.metadata.name = 'a'.repeat(100))],
  ['region', (c) => void (c.spec.region = 'us-east'), 'spec.region', /"us-east" does not have the required form/, (c) => void (c.spec.region = 'us-gov-west-1')],
  ['region in capitals', (c) => void (c.spec.region = 'US-EAST-1'), 'spec.region', /"US-EAST-1" does not have the required form/, (c) => void (c.spec.region = 'us-iso-east-1')],
  ['no subnets', (c) => void (c.spec.subnetIds = []), 'spec.subnetIds', /has 0 items; it must be from 1 to 16 items/, (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d'])],
  ['17 subnets', (c) => void (c.spec.subnetIds = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`)), 'spec.subnetIds', /has 17 items; it must be from 1 to 16 items/,
    (c) => void (c.spec.subnetIds = Array.from({ length: 16 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`))],
  ['subnet format', (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d', 'sn-0a1b2c3d']), 'spec.subnetIds[1]', /"sn-0a1b2c3d" does not have the required form/, () => undefined],
  ['duplicate subnets', (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d', 'subnet-0a1b2c3d']), 'spec.subnetIds[1]', /listed twice/, () => undefined],
  ['both create and arn', (c) => void (c.spec.podExecutionRole = { create: true, arn: 'arn:aws:iam::123456789012:role/x' }), 'spec.podExecutionRole', /needs exactly one of create: true/,
    (c) => void (c.spec.podExecutionRole = { arn: 'arn:aws:iam::123456789012:role/x' })],
  ['neither create nor arn', (c) => void (c.spec.podExecutionRole = { create: false }), 'spec.podExecutionRole', /needs exactly one of create: true/, (c) => void delete c.spec.podExecutionRole],
  ['execution role ARN format', (c) => void (c.spec.podExecutionRole = { arn: 'arn:aws:iam::123456789012:policy/x' }), 'spec.podExecutionRole.arn', /does not have the required form .*:role\//,
    (c) => void (c.spec.podExecutionRole = { create: false, arn: 'arn:aws:iam::123456789012:role/x' })],
  ['rolePath without the trailing slash', (c) => void (c.spec.iam!.rolePath = '/eksops'), 'spec.iam.rolePath', /"\/eksops" does not have the required form/, (c) => void (c.spec.iam!.rolePath = '/')],
  ['rolePath too long', (c) => void (c.spec.iam!.rolePath = `/${'a'.repeat(511)}/`), 'spec.iam.rolePath', /has 513 characters; it must be from 1 to 512 characters/, (c) => void (c.spec.iam!.rolePath = `/${'a'.repeat(510)}/`)],
  ['boundary ARN', (c) => void (c.spec.iam!.permissionsBoundaryArn = 'app-boundary'), 'spec.iam.permissionsBoundaryArn', /"app-boundary" does not have the required form/,
    (c) => void (c.spec.iam!.permissionsBoundaryArn = 'arn:aws:iam::aws:policy/PowerUserAccess')],
  ['allowed-ARN pattern format', (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['*']), 'spec.iam.allowedManagedPolicyArns[0]', /"\*" does not have the required form/,
    (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::aws:policy/*', 'arn:aws:iam::123456789012:policy/team/Amazon?3*'])],
  ['allowed-ARN pattern with a wildcard account', (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::*:policy/x']), 'spec.iam.allowedManagedPolicyArns[0]',
    /"arn:aws:iam::\*:policy\/x" does not have the required form/, (c) => void (c.spec.iam!.allowedManagedPolicyArns = [])],
  ['maxProfiles zero', (c) => void (c.spec.profiles = { maxProfiles: 0 }), 'spec.profiles.maxProfiles', /0 is out of range: it must be from 1 to 1000/, (c) => void (c.spec.profiles = { maxProfiles: 1 })],
  ['maxProfiles above 1000', (c) => void (c.spec.profiles = { maxProfiles: 1001 }), 'spec.profiles.maxProfiles', /from 1 to 1000/, (c) => void (c.spec.profiles = { maxProfiles: 1000 })],
  ['namePrefix', (c) => void (c.spec.profiles = { namePrefix: '-fw' }), 'spec.profiles.namePrefix', /"-fw" does not have the required form/,
    (c) => void (c.spec.profiles = { namePrefix: '1Fw_prod' })],
  ['namePrefix too long', (c) => void (c.spec.profiles = { namePrefix: 'f'.repeat(21) }), 'spec.profiles.namePrefix', /has 21 characters; it must be from 1 to 20 characters/, (c) => void (c.spec.profiles = { namePrefix: 'f'.repeat(20) })],
  ['namespace pattern', (c) => void (c.spec.profiles = { namespacePattern: 'Team A' }), 'spec.profiles.namespacePattern', /"Team A" does not have the required form/,
    (c) => void (c.spec.profiles = { namespacePattern: '?*' })],
  ['namespace pattern too long', (c) => void (c.spec.profiles = { namespacePattern: 'n'.repeat(64) }), 'spec.profiles.namespacePattern', /has 64 characters; it must be from 1 to 63 characters/,
    (c) => void (c.spec.profiles = { namespacePattern: 'team-*' })],
  ['log group name', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: 'eks prod' } }), 'spec.logging.cloudWatch.logGroupName', /"eks prod" does not have the required form/,
    (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/aws/eks/prod#fargate_logs' } })],
  ['log retention', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', retentionDays: 31 } }), 'spec.logging.cloudWatch.retentionDays', /31 is not allowed; use one of 1, 3, 5, 7/,
    (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', retentionDays: 3653 } })],
  ['inline policies without a boundary or an action list', (c) => void delete c.spec.iam!.permissionsBoundaryArn, 'spec.iam.allowInlinePolicies',
    /allow them only\s+under a permissionsBoundaryArn, or with an inlinePolicyActions allow-list/, (c) => void ((delete c.spec.iam!.permissionsBoundaryArn), (c.spec.iam!.inlinePolicyActions = ['s3:GetObject']))],
  ['allowed security groups', (c) => void (c.spec.networking = { allowedSecurityGroupIds: ['sg-1'] }), 'spec.networking.allowedSecurityGroupIds[0]', /does not have the required form/,
    (c) => void (c.spec.networking = { allowedSecurityGroupIds: ['*'] })],
  ['log stream prefix', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', logStreamPrefix: 'a:b' } }), 'spec.logging.cloudWatch.logStreamPrefix', /"a:b" does not have the required form .*CloudWatch stream names cannot hold them/,
    (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', logStreamPrefix: 'fargate-' } })],
];

describe('validateCluster: every rule has a bad and a good case', () => {
  it.each(clusterRules)('%s', (_rule, bad, path, message, good) => {
    const c = cluster();
    bad(c);
    expect(validateCluster(c)).toContainEqual({ path, message: expect.stringMatching(message) });
    const c2 = cluster();
    good(c2);
    expect(validateCluster(c2)).toEqual([]);
  });

  it('reports every problem of a cluster', () => {
    const c = cluster();
    c.spec.region = 'nowhere';
    c.spec.subnetIds = [];
    c.spec.profiles = { maxProfiles: 0, namePrefix: '' };
    c.spec.logging = { cloudWatch: { logGroupName: '/x', retentionDays: 2 } };
    expect(validateCluster(c).map((p) => p.path)).toEqual([
      'spec.region',
      'spec.subnetIds',
      'spec.profiles.maxProfiles',
      'spec.profiles.namePrefix',
      'spec.profiles.namePrefix',
      'spec.logging.cloudWatch.retentionDays',
    ]);
  });

  it('a cluster without spec gets a problem instead of an exception', () => {
    expect(validateCluster({ metadata: { name: 'x' } } as never)).toEqual([{ path: 'spec', message: expect.stringMatching(/^is required/) }]);
  });
});

describe('one source for the rules: the CRDs', () => {
  const crdText = (file: string): string => readFileSync(new URL(`../../crds/${file}`, import.meta.url), 'utf8');
  const validationSources = ['validate.ts', 'validate-pod.ts', 'policy-document.ts', 'schema-check.ts', 'cel-rules.ts'].map((file) =>
    readFileSync(new URL(`../../src/api/${file}`, import.meta.url), 'utf8'),
  );
  const crds = ['fargateworkloads.fargate.eksops.dev.yaml', 'fargateclusters.fargate.eksops.dev.yaml'].map((file) => parse(crdText(file)) as unknown);
  const collect = (node: unknown, out: { patterns: Set<string>; rules: Set<string> }): void => {
    if (Array.isArray(node)) node.forEach((n) => collect(n, out));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'pattern' && typeof value === 'string') out.patterns.add(value);
        if (key === 'rule' && typeof value === 'string') out.rules.add(value);
        collect(value, out);
      }
    }
  };
  const found = { patterns: new Set<string>(), rules: new Set<string>() };
  crds.forEach((crd) => collect(crd, found));

  it('finds the rules and patterns to look for', () => {
    expect(found.rules.size).toBeGreaterThanOrEqual(15);
    expect(found.patterns.size).toBeGreaterThanOrEqual(10);
  });

  it('no validation module repeats a pattern or a CEL rule of the CRDs', () => {
    // A regular expression written in TypeScript escapes "/", which the CRD's patterns do not.
    const variants = (text: string) => [text, text.replace(/\//g, '\\/')];
    for (const source of validationSources) {
      for (const pattern of found.patterns) for (const v of variants(pattern)) expect(source).not.toContain(v);
      for (const rule of found.rules) expect(source).not.toContain(rule);
    }
  });
});

describe('arnMatchesPattern', () => {
  it.each<[string, string, boolean]>([
    ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', true],
    ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccessX', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', false],
    ['arn:aws:iam::123456789012:policy/app-orders', 'arn:aws:iam::123456789012:policy/app-*', true],
    ['arn:aws:iam::123456789012:policy/app-', 'arn:aws:iam::123456789012:policy/app-*', true],
    ['arn:aws:iam::123456789012:policy/other', 'arn:aws:iam::123456789012:policy/app-*', false],
    ['arn:aws:iam::999999999999:policy/app-x', 'arn:aws:iam::123456789012:policy/app-*', false],
    ['arn:aws:iam::123456789012:policy/team/app-x', 'arn:aws:iam::*:policy/*app-?', true],
    ['arn:aws:iam::123456789012:policy/app-xy', 'arn:aws:iam::*:policy/app-?', false],
    ['arn:aws:iam::aws:policy/amazons3readonlyaccess', 'arn:aws:iam::aws:policy/AmazonS3*', false],
    ['a'.repeat(60), `${'*a'.repeat(30)}*b`, false],
  ])('%s ~ %s = %p', (arn, pattern, expected) => {
    expect(arnMatchesPattern(arn, pattern)).toBe(expected);
  });

  it('allowingPattern finds the first allowing pattern; an empty list allows nothing', () => {
    expect(allowingPattern('arn:aws:iam::1:policy/a', ['arn:aws:iam::2:policy/*', 'arn:aws:iam::?:policy/*', '*'])).toBe('arn:aws:iam::?:policy/*');
    expect(allowingPattern('arn:aws:iam::1:policy/a', [])).toBeUndefined();
  });
});
