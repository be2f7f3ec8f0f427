import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { SdkEc2NetworkReader, type NetworkQuery } from '../../src/aws/ec2-network.js';
import { endpointServiceName, evaluateNetwork, type NetworkVerdict } from '../../src/aws/network-preflight.js';
import { EMULATOR_CREDENTIALS, seedAwsAccount, type SeedResult } from '../../scripts/dev-env/seed.js';
import { readTestEnvironment } from '../support/test-env.js';

// The network preflight against the real moto: the seeded network (VPC with DNS, two private
// subnets routed to a NAT gateway, one public subnet) and VPCs of this suite's own for the
// negative cases, so that the seeded network other suites use is never changed.
const REGION = 'us-east-1';
/** Unique per run: moto outlives a run when the environment is shared. */
const RUN = Date.now().toString(36);
const MISSING_SUBNET = 'subnet-0000000000000dead';
const MISSING_GROUP = 'sg-0000000000000dead';

let clients: AwsClients;
let reader: SdkEc2NetworkReader;
let seed: SeedResult;
/** Own VPCs: `noDns` keeps moto's default (DNS hostnames off); `bare` has DNS on, no NAT, no endpoints. */
const own = { noDnsVpc: '', noDnsSubnet: '', bareVpc: '', bareSubnet: '', bareMainTable: '', otherGroup: '' };
const endpointIds: string[] = [];

const check = async (query: NetworkQuery, context: { clusterVpcId?: string; loggingEnabled?: boolean } = {}): Promise<NetworkVerdict> =>
  evaluateNetwork(await reader.describeNetwork(query), {
    clusterVpcId: context.clusterVpcId ?? seed.vpcId,
    region: REGION,
    loggingEnabled: context.loggingEnabled ?? false,
  });

const tagged = (resourceType: 'vpc' | 'subnet', name: string) => [
  { ResourceType: resourceType, Tags: [{ Key: 'Name', Value: `preflight-${RUN}-${name}` }] },
];

beforeAll(async () => {
  // The SDK's default credential chain reads these; the emulator accepts any.
  process.env['AWS_ACCESS_KEY_ID'] ??= EMULATOR_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] ??= EMULATOR_CREDENTIALS.secretAccessKey;
  const env = readTestEnvironment();
  seed = env.seed ?? (await seedAwsAccount({ endpoint: env.motoUrl, region: REGION }));
  clients = createAwsClients({ region: REGION, endpoint: env.awsEndpoint });
  reader = new SdkEc2NetworkReader(clients.ec2);
  const ec2 = clients.ec2;

  own.noDnsVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.61.0.0/16', TagSpecifications: tagged('vpc', 'no-dns') }))).Vpc!.VpcId!;
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: own.noDnsVpc, EnableDnsHostnames: { Value: false } }));
  own.noDnsSubnet = (
    await ec2.send(new CreateSubnetCommand({ VpcId: own.noDnsVpc, CidrBlock: '10.61.1.0/24', AvailabilityZone: `${REGION}a`, TagSpecifications: tagged('subnet', 'no-dns') }))
  ).Subnet!.SubnetId!;

  own.bareVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.62.0.0/16', TagSpecifications: tagged('vpc', 'bare') }))).Vpc!.VpcId!;
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: own.bareVpc, EnableDnsSupport: { Value: true } }));
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: own.bareVpc, EnableDnsHostnames: { Value: true } }));
  own.bareSubnet = (
    await ec2.send(new CreateSubnetCommand({ VpcId: own.bareVpc, CidrBlock: '10.62.1.0/24', AvailabilityZone: `${REGION}b`, TagSpecifications: tagged('subnet', 'bare') }))
  ).Subnet!.SubnetId!;
  // No explicit association: the subnet uses the VPC's main route table, which has only the local route.
  const tables = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [own.bareVpc] }, { Name: 'association.main', Values: ['true'] }] }));
  own.bareMainTable = tables.RouteTables![0]!.RouteTableId!;
  own.otherGroup = (
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: `preflight-${RUN}`, Description: 'preflight test group', VpcId: own.bareVpc }))
  ).GroupId!;
}, 120_000);

afterAll(async () => {
  if (!clients) return;
  const ec2 = clients.ec2;
  if (endpointIds.length > 0) await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: endpointIds }));
  if (own.otherGroup) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: own.otherGroup }));
  for (const subnet of [own.noDnsSubnet, own.bareSubnet]) if (subnet) await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet }));
  for (const vpc of [own.noDnsVpc, own.bareVpc]) if (vpc) await ec2.send(new DeleteVpcCommand({ VpcId: vpc }));
  clients.destroy();
});

describe('network preflight against moto', () => {
  it('passes the seeded private subnets: NAT route, DNS support and hostnames', async () => {
    const facts = await reader.describeNetwork({ subnetIds: seed.privateSubnetIds, vpcId: seed.vpcId });
    expect(facts.subnets.map((s) => s.id).sort()).toEqual([...seed.privateSubnetIds].sort());
    expect(facts.subnets.every((s) => s.vpcId === seed.vpcId && s.availabilityZone.startsWith(REGION))).toBe(true);
    expect(facts.vpcs).toEqual([{ vpcId: seed.vpcId, enableDnsSupport: true, enableDnsHostnames: true }]);
    const verdict = evaluateNetwork(facts, { clusterVpcId: seed.vpcId, region: REGION, loggingEnabled: true });
    expect(verdict.problems).toEqual([]);
    expect(verdict.ready).toBe(true);
  });

  it('refuses the seeded public subnet, naming its route table and internet gateway; terminal', async () => {
    const verdict = await check({ subnetIds: [seed.publicSubnetId], vpcId: seed.vpcId });
    expect(verdict.terminal).toBe(true);
    expect(verdict.problems).toHaveLength(1);
    expect(verdict.problems[0]).toMatchObject({ code: 'PublicSubnet', subject: seed.publicSubnetId });
    expect(verdict.problems[0]!.message).toMatch(
      new RegExp(`^${seed.publicSubnetId} is public: its route table rtb-\\w+ sends 0\\.0\\.0\\.0/0 to igw-\\w+; Fargate profiles need private subnets$`),
    );
  });

  it('names a subnet that does not exist, without failing the read of the others', async () => {
    const verdict = await check({ subnetIds: [seed.privateSubnetIds[0]!, MISSING_SUBNET], vpcId: seed.vpcId });
    expect(verdict.problems).toEqual([
      { code: 'SubnetNotFound', subject: MISSING_SUBNET, message: `subnet ${MISSING_SUBNET} does not exist in ${REGION}`, terminal: true },
    ]);
  });

  it("refuses a subnet of another VPC, naming both VPCs; terminal", async () => {
    const verdict = await check({ subnetIds: [seed.privateSubnetIds[0]!, own.bareSubnet], vpcId: seed.vpcId });
    expect(verdict.terminal).toBe(true);
    expect(verdict.problems[0]).toEqual({
      code: 'SubnetNotInClusterVpc',
      subject: own.bareSubnet,
      message: `${own.bareSubnet} is in ${own.bareVpc}, not in the cluster's VPC ${seed.vpcId}`,
      terminal: true,
    });
  });

  it('reports a VPC without DNS hostnames with the command that turns them on; not terminal', async () => {
    const verdict = await check({ subnetIds: [own.noDnsSubnet], vpcId: own.noDnsVpc }, { clusterVpcId: own.noDnsVpc });
    expect(verdict.terminal).toBe(false);
    const dns = verdict.problems.find((p) => p.code === 'VpcDnsDisabled');
    expect(dns?.message).toBe(
      `${own.noDnsVpc} has DNS hostnames turned off; Fargate pods need both: run aws ec2 modify-vpc-attribute --vpc-id ${own.noDnsVpc} --enable-dns-hostnames '{"Value":true}'`,
    );
  });

  it('lists the missing endpoint services of a private subnet with neither NAT nor endpoints, then passes once they exist', async () => {
    const query = { subnetIds: [own.bareSubnet], vpcId: own.bareVpc };
    const before = await check(query, { clusterVpcId: own.bareVpc, loggingEnabled: true });
    expect(before.terminal).toBe(false);
    expect(before.problems.map((p) => p.code)).toEqual(['NoEgressPath']);
    const service = (name: string) => endpointServiceName(REGION, name);
    expect(before.problems[0]!.missingEndpointServices).toEqual([service('ecr.api'), service('ecr.dkr'), service('s3'), service('sts'), service('logs')]);
    expect(before.problems[0]!.message).toContain(`its route table ${own.bareMainTable} has no 0.0.0.0/0 route`);

    for (const name of ['ecr.api', 'ecr.dkr', 'sts', 'logs']) {
      const created = await clients.ec2.send(
        new CreateVpcEndpointCommand({ VpcId: own.bareVpc, ServiceName: service(name), VpcEndpointType: 'Interface', SubnetIds: [own.bareSubnet], PrivateDnsEnabled: true }),
      );
      endpointIds.push(created.VpcEndpoint!.VpcEndpointId!);
    }
    const partly = await check(query, { clusterVpcId: own.bareVpc, loggingEnabled: true });
    expect(partly.problems[0]!.missingEndpointServices).toEqual([service('s3')]);

    const s3 = await clients.ec2.send(
      new CreateVpcEndpointCommand({ VpcId: own.bareVpc, ServiceName: service('s3'), VpcEndpointType: 'Gateway', RouteTableIds: [own.bareMainTable] }),
    );
    endpointIds.push(s3.VpcEndpoint!.VpcEndpointId!);
    const endpoints = (await reader.describeNetwork(query)).vpcEndpoints;
    expect(endpoints.map((e) => [e.serviceName, e.type, e.state]).sort()).toEqual(
      [
        [service('ecr.api'), 'Interface', 'available'],
        [service('ecr.dkr'), 'Interface', 'available'],
        [service('logs'), 'Interface', 'available'],
        [service('s3'), 'Gateway', 'available'],
        [service('sts'), 'Interface', 'available'],
      ],
    );
    expect(endpoints.find((e) => e.type === 'Gateway')?.routeTableIds).toEqual([own.bareMainTable]);
    const after = await check(query, { clusterVpcId: own.bareVpc, loggingEnabled: true });
    expect(after.problems).toEqual([]);
    expect(after.ready).toBe(true);
  });

  it('names a missing security group and refuses one of another VPC', async () => {
    const groups = await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.vpcId] }] }));
    const seededGroup = groups.SecurityGroups![0]!.GroupId!;
    const facts = await reader.describeNetwork({ subnetIds: seed.privateSubnetIds, securityGroupIds: [seededGroup, MISSING_GROUP, own.otherGroup], vpcId: seed.vpcId });
    expect(facts.securityGroups.map((g) => g.id).sort()).toEqual([seededGroup, own.otherGroup].sort());
    expect(facts.missingSecurityGroupIds).toEqual([MISSING_GROUP]);
    const verdict = evaluateNetwork(facts, { clusterVpcId: seed.vpcId, region: REGION, loggingEnabled: false });
    expect(verdict.problems.map((p) => [p.code, p.subject])).toEqual([
      ['SecurityGroupNotFound', MISSING_GROUP],
      ['SecurityGroupNotInClusterVpc', own.otherGroup],
    ]);
    expect(verdict.problems[0]!.message).toBe(`security group ${MISSING_GROUP} does not exist in ${REGION}`);
  });
});
