/**
 * The workload's converging parts as a workflow (workflow.ts): the Fargate profile, the IRSA
 * role, and the Kubernetes children, which wait for both. Pods created before a matching profile
 * is ACTIVE would never be scheduled on Fargate, and a ServiceAccount without its role's ARN would
 * give them no AWS credentials.
 */
import { withClusterDefaults } from '../../api/defaults.js';
import type { FargateCluster, FargateWorkload } from '../../api/types.js';
import type { WorkloadPlan } from '../../plan/index.js';
import type { AwsServices, OperatorContext } from '../operator-context.js';
import { CONDITION_AVAILABLE, CONDITION_INGRESS, CONDITION_NETWORK, partWaiting, type PartEvent, type PartReport, type StatusFields } from '../part-report.js';
import { waitingFor, type Dependent } from '../workflow.js';
import { deploymentAvailability, ingressReadiness, type DeploymentState, type IngressState } from './availability.js';
import { applyChildren } from './children-part.js';
import { convergeWorkloadProfile, type WorkloadProfileResult } from './fargate-profile-part.js';
import { convergeRole, type RolePartResult } from './iam-role-part.js';
import { combineNetworkReports } from './network-part.js';
import { profileUsers } from './profile-users.js';

/** What the workload's parts read, and the results they add for the parts after them and for status. */
export interface WorkloadState {
  ctx: OperatorContext;
  aws: AwsServices;
  /** The workload as it now is (with the finalizer). */
  workload: FargateWorkload;
  cluster: FargateCluster;
  plan: WorkloadPlan;
  queueKey: string;
  adopt: boolean;
  event: PartEvent;
  /** The network preflight's report: NetworkReady shows it first (combineNetworkReports). */
  preflight: PartReport;
  /** Age of the cluster's OIDC provider, read only when IAM calls the trust policy's principal invalid. */
  oidcProviderAgeMs: () => Promise<number | undefined>;
  /** Status fields the parts fill in. */
  fields: StatusFields;
  profile?: WorkloadProfileResult;
  role?: RolePartResult;
}

/** What a part blocked by a dependency waits for, in words. */
const WAITS_FOR: Record<string, string> = {
  Profile: 'the Fargate profile to be ACTIVE',
  IAMRole: 'the IAM role to be ready',
};

/** The Fargate profile: created through the cluster's lane, or moved (profile-move.ts). Ready once ACTIVE. */
const profilePart: Dependent<WorkloadState> = {
  name: 'Profile',
  async converge(state) {
    const { ctx, aws, cluster, plan } = state;
    state.profile = await convergeWorkloadProfile({
      aws,
      objects: ctx.objects,
      children: ctx.children,
      workload: state.workload,
      users: profileUsers(ctx.workloads.list(), ctx.clusters.list()),
      plan: plan.aws.fargateProfile,
      owner: state.queueKey,
      adopt: state.adopt,
      maxProfiles: withClusterDefaults(cluster).spec.profiles?.maxProfiles ?? Number.POSITIVE_INFINITY,
      event: state.event,
    });
    state.fields.fargateProfile = state.profile.status;
    return [state.profile.report];
  },
  // During a move the condition is False (MovingProfile) while the pods' profile is ACTIVE.
  ready: (state) => Boolean(state.profile?.active),
  waiting: () => [],
};

/** The IRSA role (or the workload's own). Ready once its ARN is known. */
const rolePart: Dependent<WorkloadState> = {
  name: 'IAMRole',
  async converge(state) {
    state.role = await convergeRole({ roles: state.aws.iamRoles, plan: state.plan.aws.iamRole, adopt: state.adopt, event: state.event, oidcProviderAgeMs: state.oidcProviderAgeMs });
    if (state.role.roleArn) state.fields.iamRoleArn = state.role.roleArn;
    return [state.role.report];
  },
  ready: (state) => Boolean(state.role?.roleArn),
  waiting: () => [],
};

/** The Kubernetes children: applied from the caches' view, with the move step's pod label; availability and ingress read back. */
const childrenPart: Dependent<WorkloadState> = {
  name: 'Children',
  dependsOn: ['Profile', 'IAMRole'],
  async converge(state) {
    const { ctx, workload, plan, profile } = state;
    const planned = profile ? profile.adjust(plan.kubernetes) : plan.kubernetes;
    const applied = await applyChildren(ctx.objects, planned, ctx.children.observe(workload), state.event);
    const name = workload.metadata.name ?? '';
    const availability = deploymentAvailability(applied.current.get(`Deployment/${name}`) as DeploymentState | undefined);
    const ingress = ingressReadiness(Boolean(workload.spec.ingress), applied.current.get(`Ingress/${name}`) as IngressState | undefined);
    state.fields.replicas = availability.replicas;
    state.fields.readyReplicas = availability.readyReplicas;
    if (ingress.hostname) state.fields.loadBalancer = { hostname: ingress.hostname };
    return [combineNetworkReports(state.preflight, applied.network), availability.report, ingress.report, ...applied.refused];
  },
  waiting(dependency, state) {
    const why = `waits for ${WAITS_FOR[dependency] ?? dependency}`;
    return [
      combineNetworkReports(state.preflight, partWaiting(CONDITION_NETWORK, waitingFor(dependency), `the SecurityGroupPolicy ${why}`)),
      partWaiting(CONDITION_AVAILABLE, waitingFor(dependency), `the Deployment ${why}`),
      partWaiting(CONDITION_INGRESS, waitingFor(dependency), `the Ingress ${why}`),
    ];
  },
};

/** The workload's parts, in dependency order. */
export const WORKLOAD_PARTS: readonly Dependent<WorkloadState>[] = [profilePart, rolePart, childrenPart];
