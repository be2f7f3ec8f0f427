/**
 * TypeScript shapes of the two custom resources, `FargateWorkload` and `FargateCluster`
 * (group fargate.eksops.dev, version v1alpha1). They mirror the CRD schemas in `crds/`;
 * test/unit/crd-types.test.ts proves the two agree.
 */

/** Standard Kubernetes object metadata, the part the operator reads. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/** A Kubernetes quantity as written in YAML: "500m", "1Gi", 2. */
export type Quantity = string | number;

export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

export interface ContainerPort {
  containerPort: number;
  hostPort?: number;
  name?: string;
  protocol?: string;
}

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  [key: string]: unknown;
}

/** A container of the pod template; fields the operator does not inspect pass through. */
export interface Container {
  name: string;
  image: string;
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  securityContext?: SecurityContext;
  [key: string]: unknown;
}

export interface Volume {
  name: string;
  awsElasticBlockStore?: unknown;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  ephemeral?: unknown;
  hostPath?: unknown;
  [key: string]: unknown;
}

/** The pod spec of the template; fields the operator does not inspect pass through. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  /** Always (the Deployment's only policy), or left out. */
  restartPolicy?: 'Always';
  serviceAccountName?: string;
  overhead?: Record<string, Quantity>;
  [key: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface AutoscalingSpec {
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}

/**
 * The PodDisruptionBudget of the workload's pods (Fargate evicts pods for infrastructure patching
 * through the eviction API, which respects it). One of the two; default maxUnavailable 1.
 */
export interface DisruptionSpec {
  maxUnavailable?: number | string;
  minAvailable?: number | string;
}

export type ProfilePlacement = 'Shared' | 'Namespace' | 'Dedicated';

export interface WorkloadProfileSpec {
  placement?: ProfilePlacement;
  subnetIds?: string[];
}

/** An IAM policy document (JSON), kept as written. */
export interface PolicyDocument {
  Version?: string;
  Statement: unknown[] | Record<string, unknown>;
  [key: string]: unknown;
}

export interface WorkloadIamSpec {
  serviceAccountName?: string;
  managedPolicyArns?: string[];
  inlinePolicy?: PolicyDocument;
  roleArn?: string;
}

export interface WorkloadNetworkingSpec {
  securityGroupIds?: string[];
}

export type IngressScheme = 'internal' | 'internet-facing';

export interface WorkloadIngressSpec {
  host?: string;
  path?: string;
  port: number;
  scheme?: IngressScheme;
  certificateArn?: string;
  healthCheckPath?: string;
  groupName?: string;
  annotations?: Record<string, string>;
}

export type DeletionPolicy = 'Delete' | 'Retain';

export interface FargateWorkloadSpec {
  /** Name of the FargateCluster this workload runs on; defaults to the only one. */
  clusterName?: string;
  replicas?: number;
  template: PodTemplateSpec;
  autoscaling?: AutoscalingSpec;
  disruption?: DisruptionSpec;
  fargateProfile?: WorkloadProfileSpec;
  iam?: WorkloadIamSpec;
  networking?: WorkloadNetworkingSpec;
  ingress?: WorkloadIngressSpec;
  deletionPolicy?: DeletionPolicy;
}

/** A status condition as the Kubernetes API conventions define it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Per-pod Fargate capacity as Fargate bills it. Strings, so that values print exactly. */
export interface CapacityStatus {
  vcpu: string;
  memoryGB: string;
  hourlyCostUSD: string;
}

/** One AWS resource in a workload's or cluster's inventory (status.awsResources). */
export interface AwsResourceStatus {
  kind: 'FargateProfile' | 'IAMRole' | 'OIDCProvider';
  name: string;
  arn?: string;
  /** ACTIVE, CREATING, DELETING (a profile's EKS status), Ready, InUse (a move's source) or Releasing. */
  state: string;
  /** Shared with other workloads (Shared and Namespace placements): not deleted with this one. */
  shared?: boolean;
}

export interface FargateWorkloadStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  fargateProfile?: { name: string; status: string };
  /** The FargateCluster the workload runs on, recorded when chosen. */
  clusterName?: string;
  iamRoleArn?: string;
  /** Every AWS resource the workload uses, with its state. */
  awsResources?: AwsResourceStatus[];
  serviceAccountName?: string;
  loadBalancer?: { hostname?: string };
  capacity?: CapacityStatus;
  replicas?: number;
  readyReplicas?: number;
}

export interface FargateWorkload {
  apiVersion: 'fargate.eksops.dev/v1alpha1';
  kind: 'FargateWorkload';
  metadata: ObjectMeta;
  spec: FargateWorkloadSpec;
  status?: FargateWorkloadStatus;
}

export interface PodExecutionRoleSpec {
  create?: boolean;
  arn?: string;
}

export interface ClusterProfilesSpec {
  maxProfiles?: number;
  namePrefix?: string;
  /** Namespace pattern of Shared profile selectors; `*` by default. */
  namespacePattern?: string;
}

export interface ClusterIamSpec {
  rolePath?: string;
  permissionsBoundaryArn?: string;
  allowedManagedPolicyArns?: string[];
  allowInlinePolicies?: boolean;
  /** Action patterns an inline policy may allow; none set: any the boundary permits. */
  inlinePolicyActions?: string[];
  /** NotAction, NotResource and wildcard actions in inline policies. */
  allowBroadInlinePolicies?: boolean;
  /** Role ARN patterns a workload may bring with spec.iam.roleArn; none: no role may be brought. */
  allowedRoleArns?: string[];
  createOIDCProvider?: boolean;
  /** On delete, also delete the OIDC provider the operator created, once no role trusts it. */
  deleteOIDCProvider?: boolean;
}

/** Which security groups and subnets workloads may name. */
export interface ClusterNetworkingSpec {
  allowedSecurityGroupIds?: string[];
  allowedSubnetIds?: string[];
}

/** What workload Ingresses may do. */
export interface ClusterIngressSpec {
  allowInternetFacing?: boolean;
  sharedGroupNames?: string[];
  allowedAnnotations?: string[];
}

export interface ClusterLoggingSpec {
  cloudWatch?: { logGroupName: string; retentionDays?: number; logStreamPrefix?: string };
}

export interface FargateClusterSpec {
  region: string;
  subnetIds: string[];
  podExecutionRole?: PodExecutionRoleSpec;
  profiles?: ClusterProfilesSpec;
  iam?: ClusterIamSpec;
  logging?: ClusterLoggingSpec;
  networking?: ClusterNetworkingSpec;
  ingress?: ClusterIngressSpec;
  coreDNSOnFargate?: boolean;
}

export interface ClusterProfileStatus {
  name: string;
  status: string;
  selectors?: { namespace: string; labels?: Record<string, string> }[];
  workloads?: string[];
}

export interface FargateClusterStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  oidcIssuer?: string;
  oidcProviderArn?: string;
  podExecutionRoleArn?: string;
  vpcId?: string;
  /** The AWS account that owns the cluster. */
  accountId?: string;
  profiles?: ClusterProfileStatus[];
  /** Every AWS resource the cluster owns, with its state. */
  awsResources?: AwsResourceStatus[];
}

export interface FargateCluster {
  apiVersion: 'fargate.eksops.dev/v1alpha1';
  kind: 'FargateCluster';
  metadata: ObjectMeta;
  spec: FargateClusterSpec;
  status?: FargateClusterStatus;
}
