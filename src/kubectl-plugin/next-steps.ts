/**
 * The next step for each condition reason the operator writes (pure data): the "fix" column of the
 * README's Troubleshooting table, as one instruction each. test/unit/kubectl-plugin-next-steps.test.ts
 * checks that every reason of that table has one here.
 */
import { REASON_GENERATION_NOT_OBSERVED, REASON_NOT_RECONCILED } from './workload-health.js';

/** Reasons the plugin itself gives to the pods part (the operator writes no condition for pods). */
export const REASON_PODS_PENDING = 'PodsPending';
export const REASON_PODS_NOT_READY = 'PodsNotReady';

const WAIT = 'Nothing to do: wait, the operator looks again by itself.';
const CHECK_AWS_PATH = 'Nothing if it converges; otherwise act on the error the message names (AWS or the API server, with the call and HTTP status).';

const NEXT_STEPS: Readonly<Record<string, string>> = {
  // Written by the plugin.
  [REASON_NOT_RECONCILED]: 'Check that the operator runs: kubectl -n eks-fargate-operator-system get pods, then its logs.',
  [REASON_GENERATION_NOT_OBSERVED]: 'Wait for the operator to reconcile the change; if it lasts, check that the operator runs and read its logs.',
  [REASON_PODS_PENDING]:
    "kubectl describe pod on a Pending pod: its events say why. No ACTIVE Fargate profile selects it (compare its labels with the selectors of status.fargateProfile), or its size fits no Fargate size; a pod created before its profile was ACTIVE needs kubectl rollout restart deployment/<name>.",
  [REASON_PODS_NOT_READY]: 'kubectl describe pod and kubectl logs on the pods named: a container that does not start or fails its readiness probe.',

  // The workload and its cluster.
  InvalidSpec: 'Change the field the message names in the FargateWorkload (or the FargateCluster guard rail it breaks).',
  WaitingForCluster: 'Create the FargateCluster or fix spec.clusterName; see the cluster\'s own conditions (kubectl describe fargatecluster). On a cluster being deleted, delete the workload or apply it again once the cluster is back.',
  NoFargateCluster: 'Set spec.clusterName, or have the platform team create the FargateCluster.',
  ClusterAmbiguous: 'Set spec.clusterName to one of the FargateClusters the message names.',
  ClusterNameChanged: 'Set spec.clusterName back to the recorded cluster (status.clusterName), or delete the workload and create it again naming the new one.',
  ClusterNotFound: 'Name the FargateCluster after the EKS cluster, or fix spec.region; check that the operator\'s role can eks:DescribeCluster.',
  NoOIDCIssuer: 'Use an EKS cluster with an OIDC issuer (every current EKS version has one).',
  OIDCProviderMissing: 'Create the cluster\'s IAM OIDC provider (the message gives the command), or set spec.iam.createOIDCProvider: true on the FargateCluster.',
  RoleNotFound: 'Create the pod execution role or fix spec.podExecutionRole.arn, or use podExecutionRole.create: true.',
  RoleNotTrusted: 'Let eks-fargate-pods.amazonaws.com assume the pod execution role (sts:AssumeRole in its trust policy).',
  RolePathConflict: 'Delete or rename the conflicting role, or align spec.iam.rolePath of the FargateCluster.',
  WorkloadsRemain: 'Delete the FargateWorkloads that still use the cluster first.',
  ConfigTooLong: 'Shorten the FargateCluster\'s logging configuration.',
  NamespaceNotOwned: 'Label the aws-observability namespace as the message says, or delete it so that the operator creates it.',
  ConfigMapNotOwned: 'Annotate aws-observability/aws-logging fargate.eksops.dev/adopt: "true" to let the operator replace it, delete it, or unset spec.logging on one of the two FargateClusters.',
  NamespaceTerminating: 'Wait until the aws-observability namespace is gone; one stuck Terminating has finalizers to resolve.',
  NoCoreDNSDeployment: 'Nothing if you run another DNS; otherwise install the CoreDNS add-on.',
  WaitingForExecutionRole: 'Wait; if it lasts, see the FargateCluster\'s PodExecutionRoleReady condition.',
  WaitingForEKSCluster: 'Wait; if it lasts, see the FargateCluster\'s ClusterFound condition.',

  // The Fargate profile.
  ProfileQuotaExceeded: 'Use fargateProfile.placement: Shared, delete unused profiles, or raise spec.profiles.maxProfiles of the FargateCluster (and the EKS quota).',
  WaitingInLane: `${WAIT} EKS runs one profile change at a time per cluster; the message names the profile this one waits behind.`,
  Creating: `${WAIT} EKS takes a few minutes to make a Fargate profile ACTIVE.`,
  Deleting: `${WAIT} EKS takes a few minutes to delete a Fargate profile.`,
  MovingProfile: `${WAIT} The new profile becomes ACTIVE, the pods move to it, then the old one is deleted.`,
  ProfileCreateFailed: 'Fix the cause EKS names (usually the subnets or the pod execution role) and delete the failed profile in EKS; the operator creates it again.',
  ProfileDeleteFailed: 'Fix the cause EKS names and delete the failed profile in EKS.',
  ProfileCreateRejected: 'Fix what the message says, in the FargateCluster\'s subnets or the workload\'s labels.',
  ProfileImmutable: 'Delete the profile yourself, or change the workload so that it plans another profile.',

  // Ownership, IAM and AWS.
  NotOwned: 'Pick another name (spec.iam.serviceAccountName), delete or rename the object, or annotate it (for an AWS resource, the workload) fargate.eksops.dev/adopt: "true" to take it over.',
  IAMRoleRejected: 'Fix spec.iam (the policy document or the policy ARNs) as IAM\'s error says.',
  InvalidPolicy: 'Fix the policy spec.iam names.',
  PolicyNotFound: 'Fix or remove the policy ARN the message names, or create that policy.',
  QuotaExceeded: 'Raise the AWS quota in Service Quotas, or delete unused resources.',
  AccessDenied: 'Render the operator\'s policy again (eks-fargate-operator iam-policy -f) for your FargateClusters and put it on the operator\'s role; check the IRSA annotation on its ServiceAccount.',
  RequestRejected: 'Read the message: AWS\'s error code and text say what to change.',
  AWSError: 'Read the message: AWS\'s error code and text say what to change.',
  Throttling: CHECK_AWS_PATH,
  ServiceError: CHECK_AWS_PATH,
  Network: CHECK_AWS_PATH,
  ConcurrentModification: CHECK_AWS_PATH,
  KubernetesAPIError: CHECK_AWS_PATH,
  Error: CHECK_AWS_PATH,
  Timeout: 'Check the network path from the operator to AWS (VPC endpoints, proxy, NAT).',
  CredentialsExpired: 'If it persists, check the operator\'s ServiceAccount annotation and its IAM role\'s trust policy.',
  IamPropagation: 'Wait; if it lasts, check that the identity the message names exists.',
  Aborted: 'Nothing: the operator is handing over to a new leader or shutting down.',

  // The Kubernetes children.
  WaitingForProfile: 'Wait for the Fargate profile to be ACTIVE: see the profile part.',
  WaitingForIAMRole: 'Wait for the IAM role: see the IAM role part.',
  DeploymentMissing: `${WAIT} The operator creates the Deployment again.`,
  Progressing: 'Wait for the pods to become available; if they do not, see the pods part.',
  SecurityGroupPolicyCRDMissing: 'Enable security groups for pods (EKS installs the SecurityGroupPolicy CRD), or drop spec.networking.securityGroupIds.',
  WaitingForLoadBalancer: 'Check that the AWS Load Balancer Controller runs and that its events on the Ingress show no error.',

  // The network preflight.
  PublicSubnet: 'Use private subnets in the FargateCluster\'s spec.subnetIds (or the workload\'s fargateProfile.subnetIds).',
  NoEgressPath: 'Add a NAT gateway route or the VPC endpoints Fargate needs (ECR, S3, STS, logs) to the subnets.',
  NoSubnets: 'Fix spec.subnetIds.',
  SubnetNotFound: 'Fix spec.subnetIds.',
  RouteTableNotFound: 'Fix spec.subnetIds.',
  SubnetNotInClusterVpc: 'Use subnets of the EKS cluster\'s VPC.',
  SubnetsInSeveralVpcs: 'Use subnets of the EKS cluster\'s VPC.',
  VpcDnsDisabled: 'Enable DNS support and DNS hostnames on the VPC.',
  SecurityGroupNotFound: 'Fix spec.networking.securityGroupIds.',
  SecurityGroupNotInClusterVpc: 'Fix spec.networking.securityGroupIds: use groups of the EKS cluster\'s VPC.',
};

/** The next step for a reason, or undefined when the reason is not known (the caller then shows the condition's message). */
export function nextStepFor(reason: string | undefined): string | undefined {
  return reason !== undefined && Object.hasOwn(NEXT_STEPS, reason) ? NEXT_STEPS[reason] : undefined;
}

/** Every reason with a next step. */
export function knownReasons(): string[] {
  return Object.keys(NEXT_STEPS);
}
