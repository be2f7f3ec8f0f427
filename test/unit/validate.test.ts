import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { sizeFargatePod } from '../../src/api/sizing.js';
import { arnMatchesPattern, allowingPattern } from '../../src/api/policy-arn-match.js';
import type { Container, FargateCluster, FargateWorkload, PodSpec } from '../../src/api/types.js';
import * as awsNames from '../../src/api/aws-names.js';
import { NAMESPACE_GLOB_PATTERN, PROFILE_NAME_PREFIX_PATTERN } from '../../src/api/validate-cluster.js';
import {
  INGRESS_GROUP_PATTERN,
  INGRESS_HOST_PATTERN,
  WORKLOAD_NAME_PATTERN,
  formatProblems,
  validate,
  validateCluster,
} from '../../src/api/validate.js';

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
        createOIDCProvider: true,
      },
      logging: { cloudWatch: { logGroupName: '/eks/prod/fargate', retentionDays: 30 } },
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
    (w) => void (app(w).securityContext = { privileged: false, capabilities: { add: ['NET_BIND_SERVICE'] } })],
  ['privileged init container', (w) => void (pod(w).initContainers = [initContainer({ securityContext: { privileged: true } })]),
    'spec.template.spec.initContainers[0].securityContext.privileged', /privileged/,
    (w) => void (pod(w).initContainers = [initContainer({ securityContext: { runAsNonRoot: true } })])],
  ['hostNetwork', (w) => void (pod(w).hostNetwork = true), 'spec.template.spec.hostNetwork', /hostNetwork is not supported on Fargate/,
    (w) => void (pod(w).hostNetwork = false)],
  ['hostPID', (w) => void (pod(w).hostPID = true), 'spec.template.spec.hostPID', /hostPID is not supported/, (w) => void (pod(w).hostPID = false)],
  ['hostIPC', (w) => void (pod(w).hostIPC = true), 'spec.template.spec.hostIPC', /hostIPC is not supported/, (w) => void (pod(w).hostIPC = false)],
  ['hostPort', (w) => void (app(w).ports = [{ containerPort: 8080, hostPort: 80 }]), 'spec.template.spec.containers[0].ports[0].hostPort', /hostPort is not supported on Fargate/,
    (w) => void (app(w).ports = [{ containerPort: 8080, hostPort: 0 }])],
  ['GPU request', (w) => void (app(w).resources = { limits: { 'nvidia.com/gpu': 1 } }), 'spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]',
    /extended resources such as GPUs are not available on Fargate/, (w) => void (app(w).resources = { limits: { cpu: 1, memory: '2Gi', 'ephemeral-storage': '30Gi' } })],
  ['hugepages', (w) => void (pod(w).initContainers = [initContainer({ resources: { requests: { 'hugepages-2Mi': '1Gi' } } })]),
    'spec.template.spec.initContainers[0].resources.requests.hugepages-2Mi', /only cpu, memory, ephemeral-storage can/,
    (w) => void (pod(w).initContainers = [initContainer({ resources: { requests: { memory: '1Gi' } } })])],
  ['Windows node selector', (w) => void (pod(w).nodeSelector = { 'kubernetes.io/os': 'windows' }), 'spec.template.spec.nodeSelector["kubernetes.io/os"]',
    /Linux pods only, not windows/, (w) => void (pod(w).nodeSelector = { 'kubernetes.io/os': 'linux' })],
  ['Windows beta node selector', (w) => void (pod(w).nodeSelector = { 'beta.kubernetes.io/os': 'windows' }), 'spec.template.spec.nodeSelector["beta.kubernetes.io/os"]',
    /Linux pods only/, (w) => void (pod(w).nodeSelector = { 'beta.kubernetes.io/os': 'linux', team: 'a' })],
  ['arm64 node selector', (w) => void (pod(w).nodeSelector = { 'kubernetes.io/arch': 'arm64' }), 'spec.template.spec.nodeSelector["kubernetes.io/arch"]',
    /amd64 \(x86\) pods only, not arm64/, (w) => void (pod(w).nodeSelector = { 'kubernetes.io/arch': 'amd64' })],
  ['no containers', (w) => void (pod(w).containers = []), 'spec.template.spec.containers', /at least one container/, () => undefined],
  ['pod too large', (w) => void (app(w).resources = { requests: { cpu: '20' } }), 'spec.template.spec.containers[0].resources.requests.cpu',
    /needs 20 vCPU, more than Fargate's maximum of 16 vCPU per pod/, (w) => void (app(w).resources = { requests: { cpu: '16' } })],
  ['bad quantity', (w) => void (app(w).resources = { requests: { memory: '1GB' } }), 'spec.template.spec.containers[0].resources.requests.memory',
    /"1GB" is not a Kubernetes quantity/, (w) => void (app(w).resources = { requests: { memory: '1G' } })],
  ['EBS volume', (w) => void (pod(w).volumes = [{ name: 'data', awsElasticBlockStore: { volumeID: 'vol-1' } }]), 'spec.template.spec.volumes[0].awsElasticBlockStore',
    /EBS volumes cannot be attached to Fargate pods; use an EFS volume/, (w) => void (pod(w).volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'efs-claim' } }])],
  ['EBS CSI inline volume', (w) => void (pod(w).volumes = [{ name: 'data', csi: { driver: 'ebs.csi.aws.com' } }]), 'spec.template.spec.volumes[0].csi.driver',
    /EBS volumes cannot/, (w) => void (pod(w).volumes = [{ name: 'data', csi: { driver: 'efs.csi.aws.com' } }])],
  ['ephemeral volume on an EBS class', (w) => void (pod(w).volumes = [{ name: 's', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'gp3-encrypted' } } } }]),
    'spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName', /gp3-encrypted looks like EBS/,
    (w) => void (pod(w).volumes = [{ name: 's', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'webserver-efs' } } } }, { name: 't', emptyDir: {} }])],
  ['name missing', (w) => void delete w.metadata.name, 'metadata.name', /is required/, (w) => void (w.metadata.name = 'a')],
  ['name too long for a DNS label', (w) => void (w.metadata.name = 'a'.repeat(64)), 'metadata.name', /at most 63 lowercase letters/,
    (w) => void (w.metadata = { name: 'a'.repeat(41) })], // with the namespace "default": 48,
  ['namespace + name too long for the IAM role name', (w) => void (w.metadata = { name: 'n'.repeat(30), namespace: 's'.repeat(19) }), 'metadata.name',
    /together have 49 characters; keep them within 48/, (w) => void (w.metadata = { name: 'n'.repeat(30), namespace: 's'.repeat(18) })],
  ['name not a DNS label', (w) => void (w.metadata.name = '1web'), 'metadata.name', /starting with a letter/, (w) => void (w.metadata.name = 'web-2')],
  ['reserved profile label', (w) => void (w.spec.template.metadata = { labels: { 'fargate.eksops.dev/profile': 'x' } }),
    'spec.template.metadata.labels["fargate.eksops.dev/profile"]', /set by the operator/, (w) => void (w.spec.template.metadata = { labels: { 'fargate.eksops.dev/team': 'x' } })],
  ['duplicate managed policy', (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-a', 'arn:aws:iam::123456789012:policy/app-a']),
    'spec.iam.managedPolicyArns[1]', /listed twice/, (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-a', 'arn:aws:iam::123456789012:policy/app-b'])],
  ['service account name', (w) => void (iam(w).serviceAccountName = 'Web_SA'), 'spec.iam.serviceAccountName', /not a valid ServiceAccount name/,
    (w) => void (iam(w).serviceAccountName = 'web.reader-1')],
  ['pod template names another service account', (w) => void (pod(w).serviceAccountName = 'other'), 'spec.template.spec.serviceAccountName',
    /names ServiceAccount other but the workload's IAM role is bound to web/, (w) => void (pod(w).serviceAccountName = 'web')],
  ['replicas above 1000', (w) => void (w.spec.replicas = 1001), 'spec.replicas', /replicas must be a whole number from 0 to 1000, not 1001/, (w) => void (w.spec.replicas = 0)],
  ['replicas negative', (w) => void (w.spec.replicas = -1), 'spec.replicas', /from 0 to 1000/, (w) => void (w.spec.replicas = 1000)],
  ['replicas fractional', (w) => void (w.spec.replicas = 1.5), 'spec.replicas', /whole number/, (w) => void (w.spec.replicas = 3)],
  ['minReplicas above maxReplicas', (w) => void (w.spec.autoscaling = { minReplicas: 5, maxReplicas: 3 }), 'spec.autoscaling.minReplicas',
    /minReplicas 5 is more than maxReplicas 3/, (w) => void (w.spec.autoscaling = { minReplicas: 3, maxReplicas: 3 })],
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
  ['subnet id format', (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1'] }), 'spec.fargateProfile.subnetIds[0]', /"subnet-0a1" is not a subnet id/,
    (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0123456789abcdef0'] })],
  ['empty subnet list', (w) => void (w.spec.fargateProfile = { subnetIds: [] }), 'spec.fargateProfile.subnetIds', /has 0 subnet ids; give 1 to 16/,
    (w) => void (w.spec.fargateProfile = {})],
  ['duplicate subnet', (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'] }), 'spec.fargateProfile.subnetIds[1]', /listed twice/,
    (w) => void (w.spec.fargateProfile = { subnetIds: ['subnet-0a1b2c3d'] })],
  ['security group format', (w) => void (w.spec.networking = { securityGroupIds: ['sg-XYZ12345'] }), 'spec.networking.securityGroupIds[0]', /is not a security group id/,
    (w) => void (w.spec.networking = { securityGroupIds: ['sg-0123456789abcdef0'] })],
  ['no security groups', (w) => void (w.spec.networking = { securityGroupIds: [] }), 'spec.networking.securityGroupIds', /has 0 security group ids; give 1 to 5/,
    (w) => void (w.spec.networking = {})],
  ['six security groups', (w) => void (w.spec.networking = { securityGroupIds: ['1', '2', '3', '4', '5', '6'].map((d) => `sg-0000000${d}`) }),
    'spec.networking.securityGroupIds', /has 6 security group ids; give 1 to 5/,
    (w) => void (w.spec.networking = { securityGroupIds: ['1', '2', '3', '4', '5'].map((d) => `sg-0000000${d}`) })],
  ['managed policy ARN format', (w) => void (iam(w).managedPolicyArns = ['AmazonS3ReadOnlyAccess']), 'spec.iam.managedPolicyArns[0]', /is not an IAM policy ARN/,
    (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-x'])],
  ['role ARN format', (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123:role/x' }), 'spec.iam.roleArn', /is not an IAM role ARN/,
    (w) => void (w.spec.iam = { roleArn: 'arn:aws-us-gov:iam::123456789012:role/team/x' })],
  ['roleArn with managed policies', (w) => void (w.spec.iam = { roleArn: 'arn:aws:iam::123456789012:role/x', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] }),
    'spec.iam.roleArn', /remove managedPolicyArns and inlinePolicy, or remove roleArn/, (w) => void (w.spec.iam = { roleArn: '', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] })],
  ['too many managed policies', (w) => void (iam(w).managedPolicyArns = Array.from({ length: 21 }, (_, i) => `arn:aws:iam::123456789012:policy/app-${i}`)),
    'spec.iam.managedPolicyArns', /21 managed policies; IAM attaches at most 20/,
    (w) => void (iam(w).managedPolicyArns = Array.from({ length: 20 }, (_, i) => `arn:aws:iam::123456789012:policy/app-${i}`))],
  ['managed policy not allowed by the cluster', (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess']), 'spec.iam.managedPolicyArns[0]',
    /AdministratorAccess is not allowed by FargateCluster prod; allowed patterns: arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess, arn:aws:iam::123456789012:policy\/app-\*/,
    (w) => void (iam(w).managedPolicyArns = ['arn:aws:iam::123456789012:policy/app-'])],
  ['nothing allowed when the cluster list is empty', (w, c) => void (c.spec.iam!.allowedManagedPolicyArns = []), 'spec.iam.managedPolicyArns[0]',
    /allows no managed policies/, (w, c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::aws:policy/*', 'arn:aws:iam::123456789012:policy/app-????*'])],
  ['inline policy not allowed by the cluster', (w, c) => void (c.spec.iam!.allowInlinePolicies = false), 'spec.iam.inlinePolicy',
    /does not allow inline policies/, (w, c) => void (delete iam(w).inlinePolicy, (c.spec.iam!.allowInlinePolicies = false))],
  ['inline policy Version', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-18', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Version', /"2012-10-18" is not an IAM policy version/,
    (w) => void (iam(w).inlinePolicy = { Version: '2008-10-17', Statement: { Effect: 'Deny', NotAction: 's3:*', NotResource: 'arn:aws:s3:::x' } })],
  ['inline policy Version not a string', (w) => void (iam(w).inlinePolicy = { Version: 2012 as never, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    'spec.iam.inlinePolicy.Version', /2012 is not an IAM policy version/, (w) => void (iam(w).inlinePolicy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })],
  ['inline policy without Statement', (w) => void (iam(w).inlinePolicy = { Version: '2012-10-17' } as never), 'spec.iam.inlinePolicy.Statement', /Statement is missing/,
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
  ['ingress port zero', (w) => void (ingress(w).port = 0), 'spec.ingress.port', /the ingress port must be a whole number from 1 to 65535/, (w) => void (ingress(w).port = 1)],
  ['ingress port too high', (w) => void (ingress(w).port = 65536), 'spec.ingress.port', /from 1 to 65535/, (w) => void (ingress(w).port = 65535)],
  ['ingress scheme', (w) => void (ingress(w).scheme = 'public' as never), 'spec.ingress.scheme', /use one of internal, internet-facing/, (w) => void (ingress(w).scheme = 'internal')],
  ['ingress path', (w) => void (ingress(w).path = 'api'), 'spec.ingress.path', /starting with "\/"/, (w) => void (ingress(w).path = '/api')],
  ['health check path', (w) => void (ingress(w).healthCheckPath = 'healthz'), 'spec.ingress.healthCheckPath', /starting with "\/"/, (w) => void (ingress(w).healthCheckPath = '/')],
  ['ingress host', (w) => void (ingress(w).host = 'Web.Example.com'), 'spec.ingress.host', /is not a host name/, (w) => void (ingress(w).host = '*.example.com')],
  ['certificate ARN', (w) => void (ingress(w).certificateArn = 'arn:aws:iam::123456789012:server-certificate/x'), 'spec.ingress.certificateArn', /is not an ACM certificate ARN/,
    (w) => void (ingress(w).certificateArn = 'arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc')],
  ['ALB group name', (w) => void (ingress(w).groupName = 'Shop_Group'), 'spec.ingress.groupName', /is not an ALB group name/, (w) => void (ingress(w).groupName = 'shop.team-1')],
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

describe('validate: without a cluster', () => {
  it('does not check the IAM guard rails, only formats', () => {
    const w = workload();
    iam(w).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    expect(validate(w)).toEqual([]);
  });

  it('a malformed object gets a problem instead of an exception', () => {
    expect(validate({ kind: 'FargateWorkload' } as never)).toEqual([{ path: 'spec', message: 'spec is required' }]);
    expect(validate({ metadata: { name: 'x' }, spec: {} } as never)).toEqual([
      { path: 'spec.template.spec', message: expect.stringContaining('is required') },
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
    pod(w).volumes = [{ name: 'v', awsElasticBlockStore: {} }];
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
        'spec.template.spec.containers[1].resources.limits["nvidia.com/gpu"]',
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
  ['cluster name', (c) => void (c.metadata.name = 'Prod_cluster'), 'metadata.name', /it is the EKS cluster's name/, (c) => void (c.metadata.name = '0prod-cluster-2')],
  ['cluster name too long', (c) => void (c.metadata.name = 'a'.repeat(101)), 'metadata.name', /at most 100/, (c) => void (c.metadata.name = 'a'.repeat(100))],
  ['region', (c) => void (c.spec.region = 'us-east'), 'spec.region', /"us-east" is not an AWS region/, (c) => void (c.spec.region = 'us-gov-west-1')],
  ['region in capitals', (c) => void (c.spec.region = 'US-EAST-1'), 'spec.region', /is not an AWS region/, (c) => void (c.spec.region = 'us-iso-east-1')],
  ['no subnets', (c) => void (c.spec.subnetIds = []), 'spec.subnetIds', /has 0 subnet ids; give 1 to 16/, (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d'])],
  ['17 subnets', (c) => void (c.spec.subnetIds = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`)), 'spec.subnetIds', /has 17 subnet ids; give 1 to 16/,
    (c) => void (c.spec.subnetIds = Array.from({ length: 16 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`))],
  ['subnet format', (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d', 'sn-0a1b2c3d']), 'spec.subnetIds[1]', /is not a subnet id/, () => undefined],
  ['duplicate subnets', (c) => void (c.spec.subnetIds = ['subnet-0a1b2c3d', 'subnet-0a1b2c3d']), 'spec.subnetIds[1]', /listed twice/, () => undefined],
  ['both create and arn', (c) => void (c.spec.podExecutionRole = { create: true, arn: 'arn:aws:iam::123456789012:role/x' }), 'spec.podExecutionRole', /not both/,
    (c) => void (c.spec.podExecutionRole = { arn: 'arn:aws:iam::123456789012:role/x' })],
  ['neither create nor arn', (c) => void (c.spec.podExecutionRole = { create: false }), 'spec.podExecutionRole', /no pod execution role/, (c) => void delete c.spec.podExecutionRole],
  ['execution role ARN format', (c) => void (c.spec.podExecutionRole = { arn: 'arn:aws:iam::123456789012:policy/x' }), 'spec.podExecutionRole.arn', /is not an IAM role ARN/,
    (c) => void (c.spec.podExecutionRole = { create: false, arn: 'arn:aws:iam::123456789012:role/x' })],
  ['rolePath without the trailing slash', (c) => void (c.spec.iam!.rolePath = '/eksops'), 'spec.iam.rolePath', /starts and ends with "\/"/, (c) => void (c.spec.iam!.rolePath = '/')],
  ['rolePath too long', (c) => void (c.spec.iam!.rolePath = `/${'a'.repeat(511)}/`), 'spec.iam.rolePath', /at most 512/, (c) => void (c.spec.iam!.rolePath = `/${'a'.repeat(510)}/`)],
  ['boundary ARN', (c) => void (c.spec.iam!.permissionsBoundaryArn = 'app-boundary'), 'spec.iam.permissionsBoundaryArn', /is not an IAM policy ARN/,
    (c) => void (c.spec.iam!.permissionsBoundaryArn = 'arn:aws:iam::aws:policy/PowerUserAccess')],
  ['allowed-ARN pattern format', (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['*']), 'spec.iam.allowedManagedPolicyArns[0]', /is not a policy ARN pattern/,
    (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::aws:policy/*', 'arn:aws:iam::123456789012:policy/team/Amazon?3*'])],
  ['allowed-ARN pattern with a wildcard account', (c) => void (c.spec.iam!.allowedManagedPolicyArns = ['arn:aws:iam::*:policy/x']), 'spec.iam.allowedManagedPolicyArns[0]',
    /is not a policy ARN pattern/, (c) => void (c.spec.iam!.allowedManagedPolicyArns = [])],
  ['maxProfiles zero', (c) => void (c.spec.profiles = { maxProfiles: 0 }), 'spec.profiles.maxProfiles', /from 1 to 100/, (c) => void (c.spec.profiles = { maxProfiles: 1 })],
  ['maxProfiles above 1000', (c) => void (c.spec.profiles = { maxProfiles: 1001 }), 'spec.profiles.maxProfiles', /from 1 to 1000/, (c) => void (c.spec.profiles = { maxProfiles: 1000 })],
  ['namePrefix', (c) => void (c.spec.profiles = { namePrefix: '-fw' }), 'spec.profiles.namePrefix', /is not a profile name prefix/,
    (c) => void (c.spec.profiles = { namePrefix: '1Fw_prod' })],
  ['namePrefix too long', (c) => void (c.spec.profiles = { namePrefix: 'f'.repeat(21) }), 'spec.profiles.namePrefix', /1-20 letters/, (c) => void (c.spec.profiles = { namePrefix: 'f'.repeat(20) })],
  ['namespace pattern', (c) => void (c.spec.profiles = { namespacePattern: 'Team A' }), 'spec.profiles.namespacePattern', /is not a namespace pattern/,
    (c) => void (c.spec.profiles = { namespacePattern: '?*' })],
  ['namespace pattern too long', (c) => void (c.spec.profiles = { namespacePattern: 'n'.repeat(64) }), 'spec.profiles.namespacePattern', /is not a namespace pattern/,
    (c) => void (c.spec.profiles = { namespacePattern: 'team-*' })],
  ['log group name', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: 'eks prod' } }), 'spec.logging.cloudWatch.logGroupName', /is not a CloudWatch log group name/,
    (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/aws/eks/prod#fargate_logs' } })],
  ['log retention', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', retentionDays: 31 } }), 'spec.logging.cloudWatch.retentionDays', /31 days is not a CloudWatch retention; use one of 1, 3, 5/,
    (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', retentionDays: 3653 } })],
  ['log stream prefix', (c) => void (c.spec.logging = { cloudWatch: { logGroupName: '/eks/x', logStreamPrefix: 'a:b' } }), 'spec.logging.cloudWatch.logStreamPrefix', /cannot contain ':'/,
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
      'spec.logging.cloudWatch.retentionDays',
    ]);
  });

  it('a cluster without spec gets a problem instead of an exception', () => {
    expect(validateCluster({ metadata: { name: 'x' } } as never)).toEqual([{ path: 'spec', message: 'spec is required' }]);
  });
});

describe('agreement with the CRD schemas', () => {
  const crdText = (file: string): string => readFileSync(new URL(`../../crds/source/${file}`, import.meta.url), 'utf8');
  const workloadCrd = crdText('fargateworkloads.fargate.eksops.dev.yaml');
  const clusterCrd = crdText('fargateclusters.fargate.eksops.dev.yaml');
  // RegExp#source escapes "/", which the CRD's patterns do not.
  const source = (r: RegExp): string => r.source.replace(/\\\//g, '/');

  it.each<[string, RegExp, string]>([
    ['subnet id', awsNames.SUBNET_ID_PATTERN, 'both'],
    ['security group id', awsNames.SECURITY_GROUP_ID_PATTERN, 'workload'],
    ['policy ARN', awsNames.POLICY_ARN_PATTERN, 'both'],
    ['role ARN', awsNames.ROLE_ARN_PATTERN, 'both'],
    ['allowed policy ARN pattern', awsNames.POLICY_ARN_GLOB_PATTERN, 'cluster'],
    ['certificate ARN', awsNames.ACM_CERTIFICATE_ARN_PATTERN, 'workload'],
    ['service account name', awsNames.DNS1123_SUBDOMAIN_PATTERN, 'workload'],
    ['ingress host', INGRESS_HOST_PATTERN, 'workload'],
    ['ingress group', INGRESS_GROUP_PATTERN, 'workload'],
    ['region', awsNames.REGION_PATTERN, 'cluster'],
    ['IAM path', awsNames.IAM_PATH_PATTERN, 'cluster'],
    ['log group', awsNames.CLOUDWATCH_LOG_GROUP_PATTERN, 'cluster'],
    ['profile name prefix', PROFILE_NAME_PREFIX_PATTERN, 'cluster'],
    ['namespace pattern', NAMESPACE_GLOB_PATTERN, 'cluster'],
  ])('the %s pattern is the CRD pattern', (_what, pattern, where) => {
    if (where !== 'cluster') expect(workloadCrd).toContain(`pattern: '${source(pattern)}'`);
    if (where !== 'workload') expect(clusterCrd).toContain(`pattern: '${source(pattern)}'`);
  });

  it('the name rules and the retention list are the CRD ones', () => {
    expect(workloadCrd).toContain(`matches('${source(WORKLOAD_NAME_PATTERN)}')`);
    expect(clusterCrd).toContain(`matches('${source(awsNames.EKS_CLUSTER_NAME_PATTERN)}')`);
    expect(clusterCrd).toContain(`enum: [${awsNames.CLOUDWATCH_RETENTION_DAYS.join(', ')}]`);
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
