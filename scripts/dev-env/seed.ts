import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { Filter, ResourceType, RouteTable, TagSpecification } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/** What a seeded account holds: the network and cluster a real EKS Fargate account would have. */
export interface SeedResult {
  vpcId: string;
  privateSubnetIds: string[];
  publicSubnetId: string;
  natGatewayId: string;
  clusterName: string;
  oidcIssuer: string;
  accountId: string;
  region: string;
}

/** Dummy credentials: the emulator accepts any, the SDK wants some to sign with. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Tag on everything the seed creates, valued with the cluster name; how a second run finds it. */
/** The tag on everything the seed makes (the account's fixtures, not the operator's). */
export const SEED_TAG = 'eksops-seed';
const VPC_CIDR = '10.0.0.0/16';
const PUBLIC_SUBNET = { cidr: '10.0.0.0/24', zone: 'a' };
const PRIVATE_SUBNETS = [
  { cidr: '10.0.1.0/24', zone: 'a' },
  { cidr: '10.0.2.0/24', zone: 'b' },
];

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`seed: the emulator returned no ${what}`);
  return value;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Creates in the emulator what a real account running EKS Fargate has, or finds it when a previous
 * call made it: a VPC 10.0.0.0/16 with DNS support and hostnames, an internet gateway, a public
 * subnet routed to it with a NAT gateway, two private subnets in two zones routed only to the NAT
 * gateway, a cluster IAM role and an EKS cluster on the private subnets.
 */
export async function seedAwsAccount(opts: { endpoint: string; region?: string; clusterName?: string }): Promise<SeedResult> {
  const region = opts.region ?? 'us-east-1';
  const clusterName = opts.clusterName ?? 'demo';
  const config = { endpoint: opts.endpoint, region, credentials: EMULATOR_CREDENTIALS };
  const ec2 = new EC2Client(config);
  const name = (suffix: string) => `${clusterName}-${suffix}`;
  const tags = (resourceType: ResourceType, suffix: string): TagSpecification[] => [
    { ResourceType: resourceType, Tags: [{ Key: 'Name', Value: name(suffix) }, { Key: SEED_TAG, Value: clusterName }] },
  ];
  const seeded = (suffix: string): Filter[] => [
    { Name: 'tag:Name', Values: [name(suffix)] },
    { Name: `tag:${SEED_TAG}`, Values: [clusterName] },
  ];

  const vpcId = await (async () => {
    const found = (await ec2.send(new DescribeVpcsCommand({ Filters: seeded('vpc') }))).Vpcs?.[0]?.VpcId;
    if (found) return found;
    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: tags('vpc', 'vpc') }));
    return required(created.Vpc?.VpcId, 'VPC id');
  })();
  // Fargate pods need both; setting them again is harmless.
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));

  const internetGatewayId = await (async () => {
    const found = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }));
    const existing = found.InternetGateways?.[0]?.InternetGatewayId;
    if (existing) return existing;
    const created = await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tags('internet-gateway', 'igw') }));
    const id = required(created.InternetGateway?.InternetGatewayId, 'internet gateway id');
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId }));
    return id;
  })();

  const subnet = async (cidr: string, zone: string, suffix: string): Promise<string> => {
    const found = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'cidr-block', Values: [cidr] }] }));
    const existing = found.Subnets?.[0]?.SubnetId;
    if (existing) return existing;
    const created = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${region}${zone}`, TagSpecifications: tags('subnet', suffix) }),
    );
    return required(created.Subnet?.SubnetId, 'subnet id');
  };
  const publicSubnetId = await subnet(PUBLIC_SUBNET.cidr, PUBLIC_SUBNET.zone, 'public');
  await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: publicSubnetId, MapPublicIpOnLaunch: { Value: true } }));
  const privateSubnetIds: string[] = [];
  for (const [index, { cidr, zone }] of PRIVATE_SUBNETS.entries()) privateSubnetIds.push(await subnet(cidr, zone, `private-${index + 1}`));

  const natGatewayId = await (async () => {
    const found = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'subnet-id', Values: [publicSubnetId] }, { Name: 'state', Values: ['pending', 'available'] }] }),
    );
    const existing = found.NatGateways?.[0]?.NatGatewayId;
    if (existing) return existing;
    const address = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tags('elastic-ip', 'nat-eip') }));
    const created = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: publicSubnetId,
        AllocationId: required(address.AllocationId, 'elastic IP allocation id'),
        TagSpecifications: tags('natgateway', 'nat'),
      }),
    );
    return required(created.NatGateway?.NatGatewayId, 'NAT gateway id');
  })();

  // One route table per kind, with its default route and its subnets associated.
  const routeTable = async (suffix: string, route: { GatewayId?: string; NatGatewayId?: string }, subnetIds: string[]): Promise<void> => {
    const found = await ec2.send(new DescribeRouteTablesCommand({ Filters: [...seeded(suffix), { Name: 'vpc-id', Values: [vpcId] }] }));
    let table: RouteTable | undefined = found.RouteTables?.[0];
    if (!table) {
      table = required((await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tags('route-table', suffix) }))).RouteTable, 'route table');
    }
    const routeTableId = required(table.RouteTableId, 'route table id');
    if (!table.Routes?.some((existing) => existing.DestinationCidrBlock === '0.0.0.0/0')) {
      await ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0', ...route }));
    }
    const associated = new Set((table.Associations ?? []).map((association) => association.SubnetId));
    for (const subnetId of subnetIds) {
      if (!associated.has(subnetId)) await ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
    }
  };
  await routeTable('public', { GatewayId: internetGatewayId }, [publicSubnetId]);
  await routeTable('private', { NatGatewayId: natGatewayId }, privateSubnetIds);

  const roleArn = await ensureClusterRole(new IAMClient(config), name('cluster-role'));
  const eks = new EKSClient(config);
  const cluster = await eks.send(new DescribeClusterCommand({ name: clusterName })).catch(async (error: unknown) => {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    await eks.send(
      new CreateClusterCommand({ name: clusterName, roleArn, resourcesVpcConfig: { subnetIds: privateSubnetIds }, tags: { [SEED_TAG]: clusterName } }),
    );
    return eks.send(new DescribeClusterCommand({ name: clusterName }));
  });
  const oidcIssuer = required(cluster.cluster?.identity?.oidc?.issuer, `OIDC issuer of cluster ${clusterName}`);

  const identity = await new STSClient(config).send(new GetCallerIdentityCommand({}));
  return { vpcId, privateSubnetIds, publicSubnetId, natGatewayId, clusterName, oidcIssuer, accountId: required(identity.Account, 'account id'), region };
}

/** The IAM role an EKS cluster runs with, trusted by eks.amazonaws.com, with AmazonEKSClusterPolicy. */
async function ensureClusterRole(iam: IAMClient, roleName: string): Promise<string> {
  try {
    return required((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.Arn, 'role ARN');
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntityException') throw error;
  }
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const created = await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust), Tags: [{ Key: SEED_TAG, Value: roleName }] }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' }));
  return required(created.Role?.Arn, 'role ARN');
}
