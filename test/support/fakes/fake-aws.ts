/**
 * An in-memory AWS account behind the operator's AWS ports (IAM roles, OIDC providers, EKS
 * clusters and Fargate profiles, EC2 network facts, account identity), for unit tests of the
 * reconcilers and parts. It models what the operator depends on: a profile is CREATING for a few
 * observations, then ACTIVE, and DELETING before it is gone; one profile of a cluster in
 * transition at a time (ResourceInUseException otherwise); tags; NoSuchEntity for a policy the
 * account lacks; faults injected per operation. Every call is logged as `service:Operation`.
 * The real peers (moto behind the EKS proxy) are proven by the integration suite.
 */
import type { AccountNetworkReader } from '../../../src/aws/account-network.js';
import type { AwsClients } from '../../../src/aws/clients.js';
import type { Ec2NetworkReader, NetworkFacts, NetworkQuery } from '../../../src/aws/ec2-network.js';
import type { EksClusterReader, ObservedCluster } from '../../../src/aws/eks-cluster.js';
import type { FargateProfileSpec, FargateProfileStore, ObservedProfile } from '../../../src/aws/fargate-profiles.js';
import { diffRole, PolicyNotFoundError, trustsFederated, type IamRoleStore, type ListedRole, type ObservedRole, type RoleAction, type RoleHead, type RolePartReader, type RoleSpec } from '../../../src/aws/iam-roles.js';
import { LanedProfileOperations } from '../../../src/aws/laned-profile-operations.js';
import type { ObservedOidcProvider, OidcProviderSpec, OidcProviderStore } from '../../../src/aws/oidc-provider.js';
import { issuerKey } from '../../../src/aws/oidc-provider.js';
import type { ProfileLane } from '../../../src/aws/profile-lane.js';
import type { AwsServices } from '../../../src/operator/operator-context.js';

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-east-1';
export const FAKE_VPC = 'vpc-0fa4e0000000000a1';

/** The write operations, as AWS names them: what a steady state must not call. */
const WRITES = /^(iam|eks|ec2):(Create|Delete|Put|Attach|Detach|Update|Tag|Untag)/;

/** An AWS error as the SDK throws it. */
export function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/** A fault: the next `count` calls (default all) of `operation` (`iam:CreateRole`, `iam:*`) throw `error()`. */
export interface FakeFault {
  operation: string;
  error: () => Error;
  count?: number;
}

/** Options of {@link FakeAwsAccount}. */
export interface FakeAwsOptions {
  /** Managed policies the account has. */
  policies?: readonly string[];
  /** Observations a created profile stays CREATING (describe or list); default 1. */
  creatingObservations?: number;
  /** Observations a deleted profile stays DELETING; default 1. */
  deletingObservations?: number;
  clusters?: readonly ObservedCluster[];
  /** Security groups EC2 knows (any other asked for is missing). */
  securityGroups?: readonly string[];
}

interface StoredProfile {
  profile: ObservedProfile;
  /** Observations left in CREATING or DELETING. */
  left: number;
}

/** The account, its call log, and the ports over it. */
export class FakeAwsAccount {
  readonly roles = new Map<string, ObservedRole>();
  readonly policies: Set<string>;
  readonly profiles = new Map<string, StoredProfile>();
  readonly oidcProviders = new Map<string, ObservedOidcProvider>();
  readonly clusters = new Map<string, ObservedCluster>();
  readonly securityGroups: Set<string>;
  /** Every call, `service:Operation`, in order. */
  readonly calls: string[] = [];
  faults: FakeFault[] = [];
  private readonly creatingObservations: number;
  private readonly deletingObservations: number;

  constructor(options: FakeAwsOptions = {}) {
    this.policies = new Set(options.policies ?? ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
    this.creatingObservations = options.creatingObservations ?? 1;
    this.deletingObservations = options.deletingObservations ?? 1;
    for (const cluster of options.clusters ?? []) this.clusters.set(cluster.name, cluster);
    this.securityGroups = new Set(options.securityGroups ?? []);
  }

  /** The AWS writes made so far. */
  writes(): string[] {
    return this.calls.filter((call) => WRITES.test(call));
  }

  /** Records a call and throws the fault scheduled for it, if any. */
  call(operation: string): void {
    this.calls.push(operation);
    const [service] = operation.split(':');
    const fault = this.faults.find((f) => (f.operation === operation || f.operation === `${service}:*`) && (f.count === undefined || f.count > 0));
    if (!fault) return;
    if (fault.count !== undefined) fault.count--;
    throw fault.error();
  }

  /** The ports of one region, with the real lane and laned operations over the fake profile store. */
  services(lane: ProfileLane, wake: ConstructorParameters<typeof LanedProfileOperations>[2] = () => undefined): AwsServices {
    const profiles = new FakeProfileStore(this, this.creatingObservations, this.deletingObservations);
    return {
      clients: { destroy: () => undefined } as unknown as AwsClients,
      iamRoles: new FakeIamRoleStore(this),
      oidcProviders: new FakeOidcProviderStore(this),
      eksClusters: new FakeEksClusterReader(this),
      accountNetwork: new FakeAccountNetwork(this),
      ec2Network: new FakeEc2Network(this),
      profiles,
      lanedProfiles: new LanedProfileOperations(lane, profiles, wake),
    };
  }
}

const clone = <T>(value: T): T => structuredClone(value);

let nextRoleId = 1;

class FakeIamRoleStore implements IamRoleStore, RolePartReader {
  constructor(private readonly account: FakeAwsAccount) {}

  async listRolesUnder(pathPrefix: string): Promise<ListedRole[]> {
    this.account.call('iam:ListRoles');
    return [...this.account.roles.values()]
      .filter((role) => role.path.startsWith(pathPrefix))
      .map((role) => clone({ name: role.name, arn: role.arn, path: role.path, ...(role.id ? { id: role.id } : {}), trustPolicy: role.trustPolicy }));
  }

  async attachedPoliciesOf(name: string): Promise<string[] | undefined> {
    this.account.call('iam:ListAttachedRolePolicies');
    const role = this.account.roles.get(name);
    return role && [...role.attachedPolicyArns];
  }

  async inlinePoliciesOf(name: string): Promise<Record<string, unknown> | undefined> {
    this.account.call('iam:ListRolePolicies');
    const role = this.account.roles.get(name);
    if (!role) return undefined;
    for (const _ of Object.keys(role.inlinePolicies)) this.account.call('iam:GetRolePolicy');
    return clone(role.inlinePolicies);
  }

  async rolesTrusting(federatedPrincipal: string): Promise<string[]> {
    this.account.call('iam:ListRoles');
    return [...this.account.roles.values()].filter((role) => trustsFederated(role.trustPolicy, federatedPrincipal)).map((role) => role.name).sort();
  }

  async roleNamesUnder(pathPrefix: string): Promise<string[]> {
    this.account.call('iam:ListRoles');
    return [...this.account.roles.values()].filter((role) => role.path.startsWith(pathPrefix)).map((role) => role.name).sort();
  }

  async getRole(name: string): Promise<ObservedRole | undefined> {
    this.account.call('iam:GetRole');
    const role = this.account.roles.get(name);
    return role && clone(role);
  }

  async getRoleHead(name: string): Promise<RoleHead | undefined> {
    const role = await this.getRole(name);
    if (!role) return undefined;
    const { attachedPolicyArns: _attached, inlinePolicies: _inline, ...head } = role;
    return head;
  }

  async createRole(spec: RoleSpec): Promise<ObservedRole> {
    this.account.call('iam:CreateRole');
    if (this.account.roles.has(spec.name)) throw awsError('EntityAlreadyExistsException', `Role with name ${spec.name} already exists.`, 409);
    if (spec.permissionsBoundary && !this.account.policies.has(spec.permissionsBoundary)) throw new PolicyNotFoundError(spec.permissionsBoundary, 'boundary');
    const role: ObservedRole = {
      name: spec.name,
      arn: `arn:aws:iam::${FAKE_ACCOUNT}:role${spec.path}${spec.name}`,
      path: spec.path,
      id: `AROAFAKE${String(nextRoleId++).padStart(12, '0')}`,
      trustPolicy: clone(spec.trustPolicy),
      ...(spec.permissionsBoundary ? { permissionsBoundary: spec.permissionsBoundary } : {}),
      tags: { ...spec.tags },
      attachedPolicyArns: [],
      inlinePolicies: {},
      createdAt: new Date(),
    };
    this.account.roles.set(spec.name, role);
    await this.converge(spec, clone(role));
    return clone(this.account.roles.get(spec.name)!);
  }

  async converge(spec: RoleSpec, observed: ObservedRole): Promise<RoleAction[]> {
    const actions = diffRole(spec, observed);
    for (const action of actions) this.apply(spec.name, action);
    return actions;
  }

  async deleteRole(name: string): Promise<boolean> {
    this.account.call('iam:DeleteRole');
    return this.account.roles.delete(name);
  }

  private apply(name: string, action: RoleAction): void {
    const operation = {
      tagRole: 'TagRole',
      updateTrustPolicy: 'UpdateAssumeRolePolicy',
      putPermissionsBoundary: 'PutRolePermissionsBoundary',
      deletePermissionsBoundary: 'DeleteRolePermissionsBoundary',
      attachPolicy: 'AttachRolePolicy',
      detachPolicy: 'DetachRolePolicy',
      putInlinePolicy: 'PutRolePolicy',
      deleteInlinePolicy: 'DeleteRolePolicy',
    }[action.kind];
    this.account.call(`iam:${operation}`);
    const role = this.account.roles.get(name);
    if (!role) throw awsError('NoSuchEntityException', `The role with name ${name} cannot be found.`, 404);
    switch (action.kind) {
      case 'tagRole':
        Object.assign(role.tags, action.tags);
        return;
      case 'updateTrustPolicy':
        role.trustPolicy = clone(action.document);
        return;
      case 'putPermissionsBoundary':
        if (!this.account.policies.has(action.policyArn)) throw new PolicyNotFoundError(action.policyArn, 'boundary');
        role.permissionsBoundary = action.policyArn;
        return;
      case 'deletePermissionsBoundary':
        delete role.permissionsBoundary;
        return;
      case 'attachPolicy':
        if (!this.account.policies.has(action.policyArn)) throw new PolicyNotFoundError(action.policyArn, 'managed');
        role.attachedPolicyArns.push(action.policyArn);
        return;
      case 'detachPolicy':
        role.attachedPolicyArns = role.attachedPolicyArns.filter((arn) => arn !== action.policyArn);
        return;
      case 'putInlinePolicy':
        role.inlinePolicies[action.policyName] = clone(action.document);
        return;
      case 'deleteInlinePolicy':
        delete role.inlinePolicies[action.policyName];
        return;
    }
  }
}

class FakeOidcProviderStore implements OidcProviderStore {
  constructor(private readonly account: FakeAwsAccount) {}

  async find(issuerUrl: string): Promise<ObservedOidcProvider | undefined> {
    this.account.call('iam:ListOpenIDConnectProviders');
    const found = this.account.oidcProviders.get(issuerKey(issuerUrl));
    return found && clone(found);
  }

  async delete(arn: string): Promise<boolean> {
    this.account.call('iam:DeleteOpenIDConnectProvider');
    const entry = [...this.account.oidcProviders].find(([, provider]) => provider.arn === arn);
    return entry ? this.account.oidcProviders.delete(entry[0]) : false;
  }

  async create(spec: OidcProviderSpec): Promise<ObservedOidcProvider> {
    this.account.call('iam:CreateOpenIDConnectProvider');
    const url = issuerKey(spec.issuerUrl);
    const provider: ObservedOidcProvider = { arn: `arn:aws:iam::${FAKE_ACCOUNT}:oidc-provider/${url}`, url, clientIds: ['sts.amazonaws.com'], tags: { ...spec.tags }, createdAt: new Date() };
    this.account.oidcProviders.set(url, provider);
    return clone(provider);
  }
}

class FakeEksClusterReader implements EksClusterReader {
  constructor(private readonly account: FakeAwsAccount) {}

  async describeCluster(name: string): Promise<ObservedCluster | undefined> {
    this.account.call('eks:DescribeCluster');
    const cluster = this.account.clusters.get(name);
    return cluster && clone(cluster);
  }
}

class FakeAccountNetwork implements AccountNetworkReader {
  constructor(private readonly account: FakeAwsAccount) {}

  async callerAccountId(): Promise<string> {
    this.account.call('sts:GetCallerIdentity');
    return FAKE_ACCOUNT;
  }

  async vpcOfSubnets(subnetIds: readonly string[]): Promise<string | undefined> {
    this.account.call('ec2:DescribeSubnets');
    return subnetIds.length > 0 ? FAKE_VPC : undefined;
  }
}

/** Every subnet asked for is private, in the cluster's VPC, with a NAT route; DNS is on. */
class FakeEc2Network implements Ec2NetworkReader {
  constructor(private readonly account: FakeAwsAccount) {}

  async describeNetwork(query: NetworkQuery): Promise<NetworkFacts> {
    this.account.call('ec2:DescribeSubnets');
    const subnetIds = [...new Set(query.subnetIds)];
    const groups = [...new Set(query.securityGroupIds ?? [])];
    return {
      subnets: subnetIds.map((id, i) => ({ id, vpcId: FAKE_VPC, availabilityZone: `${FAKE_REGION}${'abc'[i % 3]}`, mapPublicIpOnLaunch: false })),
      missingSubnetIds: [],
      routeTables: [
        {
          id: 'rtb-private',
          vpcId: FAKE_VPC,
          main: false,
          subnetIds,
          routes: [
            { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' },
            { destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-0fa4e000000000001', state: 'active' },
          ],
        },
      ],
      vpcs: [{ vpcId: FAKE_VPC, enableDnsSupport: true, enableDnsHostnames: true }],
      vpcEndpoints: [],
      securityGroups: groups.filter((id) => this.account.securityGroups.has(id)).map((id) => ({ id, name: id, vpcId: FAKE_VPC })),
      missingSecurityGroupIds: groups.filter((id) => !this.account.securityGroups.has(id)),
    };
  }
}

/** Profiles with EKS's lifecycle: CREATING, then ACTIVE; DELETING, then gone; one in transition per cluster. */
class FakeProfileStore implements FargateProfileStore {
  constructor(
    private readonly account: FakeAwsAccount,
    private readonly creatingObservations: number,
    private readonly deletingObservations: number,
  ) {}

  async describe(clusterName: string, profileName: string): Promise<ObservedProfile | undefined> {
    this.account.call('eks:DescribeFargateProfile');
    return this.observe(`${clusterName}/${profileName}`);
  }

  async listNames(clusterName: string): Promise<string[]> {
    this.account.call('eks:ListFargateProfiles');
    return this.ofCluster(clusterName).map((stored) => stored.profile.name);
  }

  async list(clusterName: string): Promise<ObservedProfile[]> {
    this.account.call('eks:ListFargateProfiles');
    return this.ofCluster(clusterName).flatMap((stored) => {
      const observed = this.observe(`${clusterName}/${stored.profile.name}`);
      return observed ? [observed] : [];
    });
  }

  async tag(profileArn: string, tags: Record<string, string>): Promise<void> {
    this.account.call('eks:TagResource');
    const stored = [...this.account.profiles.values()].find((candidate) => candidate.profile.arn === profileArn);
    if (!stored) throw awsError('ResourceNotFoundException', `No resource found with ARN ${profileArn}`, 404);
    stored.profile.tags = { ...stored.profile.tags, ...tags };
  }

  async create(spec: FargateProfileSpec): Promise<ObservedProfile> {
    this.account.call('eks:CreateFargateProfile');
    const key = `${spec.clusterName}/${spec.name}`;
    if (this.account.profiles.has(key)) throw awsError('ResourceInUseException', `Fargate Profile already exists with the name ${spec.name}`, 409);
    const moving = this.ofCluster(spec.clusterName).find((stored) => stored.profile.status === 'CREATING' || stored.profile.status === 'DELETING');
    if (moving) {
      throw awsError(
        'ResourceInUseException',
        `Cannot create Fargate Profile ${spec.name} because cluster ${spec.clusterName} currently has Fargate profile ${moving.profile.name} in status ${moving.profile.status}`,
        409,
      );
    }
    const profile: ObservedProfile = {
      name: spec.name,
      clusterName: spec.clusterName,
      arn: `arn:aws:eks:${FAKE_REGION}:${FAKE_ACCOUNT}:fargateprofile/${spec.clusterName}/${spec.name}/0`,
      status: 'CREATING',
      subnets: [...spec.subnets],
      selectors: spec.selectors.map((selector) => ({ namespace: selector.namespace, labels: { ...selector.labels } })),
      podExecutionRoleArn: spec.podExecutionRoleArn,
      tags: { ...spec.tags },
      healthIssues: [],
      createdAt: new Date(),
    };
    this.account.profiles.set(key, { profile, left: this.creatingObservations });
    return clone(profile);
  }

  async delete(clusterName: string, profileName: string): Promise<boolean> {
    this.account.call('eks:DeleteFargateProfile');
    const stored = this.account.profiles.get(`${clusterName}/${profileName}`);
    if (!stored) return false;
    const moving = this.ofCluster(clusterName).find((other) => other !== stored && (other.profile.status === 'CREATING' || other.profile.status === 'DELETING'));
    if (moving) {
      throw awsError('ResourceInUseException', `Cannot delete Fargate Profile ${profileName} because cluster ${clusterName} currently has Fargate profile ${moving.profile.name} in status ${moving.profile.status}`, 409);
    }
    stored.profile.status = 'DELETING';
    stored.left = this.deletingObservations;
    return true;
  }

  private ofCluster(clusterName: string): StoredProfile[] {
    return [...this.account.profiles.values()].filter((stored) => stored.profile.clusterName === clusterName);
  }

  /** One observation: a profile in transition moves on when its count runs out. */
  private observe(key: string): ObservedProfile | undefined {
    const stored = this.account.profiles.get(key);
    if (!stored) return undefined;
    if (stored.profile.status === 'CREATING' || stored.profile.status === 'DELETING') {
      if (stored.left <= 0) {
        if (stored.profile.status === 'DELETING') {
          this.account.profiles.delete(key);
          return undefined;
        }
        stored.profile.status = 'ACTIVE';
      } else {
        stored.left--;
      }
    }
    return clone(stored.profile);
  }
}
