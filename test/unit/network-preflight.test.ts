/** The network preflight's evaluator: one test per check, bad and good, on hand-made EC2 facts. */
import type { NetworkFacts, RouteTableFacts, VpcEndpointFacts } from '../../src/aws/ec2-network.js';
import { endpointServiceName, evaluateNetwork, requiredEndpointServices, routeTableOf, type NetworkContext } from '../../src/aws/network-preflight.js';

const REGION = 'us-east-1';
const VPC = 'vpc-cluster';
const CONTEXT: NetworkContext = { clusterVpcId: VPC, region: REGION, loggingEnabled: false };
const PRIVATE_TABLE = 'rtb-private';

const natTable = (): RouteTableFacts => ({
  id: PRIVATE_TABLE,
  vpcId: VPC,
  main: false,
  subnetIds: ['subnet-a', 'subnet-b'],
  routes: [
    { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' },
    { destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-1', state: 'active' },
  ],
});

/** The good network: two private subnets routed to a NAT gateway, DNS on, one security group. */
function goodFacts(): NetworkFacts {
  return {
    subnets: [
      { id: 'subnet-a', vpcId: VPC, availabilityZone: 'us-east-1a', mapPublicIpOnLaunch: false },
      { id: 'subnet-b', vpcId: VPC, availabilityZone: 'us-east-1b', mapPublicIpOnLaunch: false },
    ],
    missingSubnetIds: [],
    routeTables: [
      { id: 'rtb-main', vpcId: VPC, main: true, subnetIds: [], routes: [{ destinationCidr: '10.0.0.0/16', gatewayId: 'local' }] },
      natTable(),
    ],
    vpcs: [{ vpcId: VPC, enableDnsSupport: true, enableDnsHostnames: true }],
    vpcEndpoints: [],
    securityGroups: [{ id: 'sg-1', name: 'web', vpcId: VPC }],
    missingSecurityGroupIds: [],
  };
}

/** The private table without its NAT route. */
function withoutNat(facts: NetworkFacts): NetworkFacts {
  return {
    ...facts,
    routeTables: facts.routeTables.map((t) => (t.id === PRIVATE_TABLE ? { ...t, routes: t.routes.filter((r) => !r.natGatewayId) } : t)),
  };
}

const interfaceEndpoint = (service: string, extra: Partial<VpcEndpointFacts> = {}): VpcEndpointFacts => ({
  id: `vpce-${service}`,
  vpcId: VPC,
  serviceName: endpointServiceName(REGION, service),
  type: 'Interface',
  state: 'available',
  routeTableIds: [],
  subnetIds: ['subnet-a'],
  privateDnsEnabled: true,
  ...extra,
});

const s3Gateway = (routeTableIds: string[] = [PRIVATE_TABLE]): VpcEndpointFacts => ({
  id: 'vpce-s3',
  vpcId: VPC,
  serviceName: endpointServiceName(REGION, 's3'),
  type: 'Gateway',
  state: 'available',
  routeTableIds,
  subnetIds: [],
});

const allEndpoints = (): VpcEndpointFacts[] => [
  interfaceEndpoint('ecr.api'),
  interfaceEndpoint('ecr.dkr'),
  interfaceEndpoint('sts'),
  s3Gateway(),
];

describe('evaluateNetwork', () => {
  it('passes the good network: ready, not terminal, no problems', () => {
    const verdict = evaluateNetwork(goodFacts(), CONTEXT);
    expect(verdict).toMatchObject({ ready: true, terminal: false, problems: [], reason: 'NetworkReady' });
  });

  describe('subnets exist', () => {
    it('names a missing subnet and the region; terminal', () => {
      const verdict = evaluateNetwork({ ...goodFacts(), missingSubnetIds: ['subnet-gone'] }, CONTEXT);
      expect(verdict.ready).toBe(false);
      expect(verdict.terminal).toBe(true);
      expect(verdict.problems).toEqual([
        { code: 'SubnetNotFound', subject: 'subnet-gone', message: 'subnet subnet-gone does not exist in us-east-1', terminal: true },
      ]);
      expect(verdict.reason).toBe('SubnetNotFound');
    });

    it('refuses an empty subnet list', () => {
      const verdict = evaluateNetwork({ ...goodFacts(), subnets: [] }, CONTEXT);
      expect(verdict.problems.map((p) => p.code)).toEqual(['NoSubnets']);
      expect(verdict.terminal).toBe(true);
    });
  });

  describe('subnets are private', () => {
    it('a default route to an internet gateway is terminal, naming the table and the gateway', () => {
      const facts = goodFacts();
      facts.subnets.push({ id: 'subnet-pub', vpcId: VPC, availabilityZone: 'us-east-1a', mapPublicIpOnLaunch: true });
      facts.routeTables.push({
        id: 'rtb-public',
        vpcId: VPC,
        main: false,
        subnetIds: ['subnet-pub'],
        routes: [{ destinationCidr: '0.0.0.0/0', gatewayId: 'igw-9', state: 'active' }],
      });
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.terminal).toBe(true);
      expect(verdict.problems).toEqual([
        {
          code: 'PublicSubnet',
          subject: 'subnet-pub',
          message: 'subnet-pub is public: its route table rtb-public sends 0.0.0.0/0 to igw-9; Fargate profiles need private subnets',
          terminal: true,
        },
      ]);
    });

    it('an IPv6 default route to an internet gateway also makes the subnet public', () => {
      const facts = goodFacts();
      facts.routeTables[1]!.routes.push({ destinationIpv6Cidr: '::/0', gatewayId: 'igw-6' });
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.problems.map((p) => [p.code, p.subject])).toEqual([
        ['PublicSubnet', 'subnet-a'],
        ['PublicSubnet', 'subnet-b'],
      ]);
      expect(verdict.problems[0]!.message).toContain('sends ::/0 to igw-6');
    });

    it('a subnet without an explicit association uses the main route table', () => {
      const facts = goodFacts();
      facts.subnets.push({ id: 'subnet-c', vpcId: VPC, availabilityZone: 'us-east-1c', mapPublicIpOnLaunch: false });
      facts.routeTables[0]!.routes.push({ destinationCidr: '0.0.0.0/0', gatewayId: 'igw-main' });
      expect(routeTableOf(facts, facts.subnets[2]!)?.id).toBe('rtb-main');
      expect(routeTableOf(facts, facts.subnets[0]!)?.id).toBe(PRIVATE_TABLE);
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.problems.map((p) => [p.code, p.subject])).toEqual([['PublicSubnet', 'subnet-c']]);
      expect(verdict.problems[0]!.message).toContain('its route table rtb-main sends 0.0.0.0/0 to igw-main');
    });

    it('a subnet with no route table at all is reported, not terminal', () => {
      const facts = goodFacts();
      facts.routeTables = [];
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.problems.map((p) => p.code)).toEqual(['RouteTableNotFound', 'RouteTableNotFound']);
      expect(verdict.terminal).toBe(false);
    });
  });

  describe("subnets are in the cluster's VPC", () => {
    it('names the subnet, its VPC and the cluster VPC; terminal', () => {
      const facts = goodFacts();
      facts.subnets.push({ id: 'subnet-x', vpcId: 'vpc-other', availabilityZone: 'us-east-1a', mapPublicIpOnLaunch: false });
      facts.routeTables.push({ ...natTable(), id: 'rtb-other', vpcId: 'vpc-other', subnetIds: ['subnet-x'] });
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.terminal).toBe(true);
      expect(verdict.problems).toEqual([
        { code: 'SubnetNotInClusterVpc', subject: 'subnet-x', message: "subnet-x is in vpc-other, not in the cluster's VPC vpc-cluster", terminal: true },
      ]);
    });

    it('without a known cluster VPC, subnets in two VPCs are terminal and listed by VPC', () => {
      const facts = goodFacts();
      facts.subnets[1] = { ...facts.subnets[1]!, vpcId: 'vpc-other' };
      facts.routeTables.push({ ...natTable(), id: 'rtb-other', vpcId: 'vpc-other', subnetIds: ['subnet-b'] });
      facts.vpcs.push({ vpcId: 'vpc-other', enableDnsSupport: true, enableDnsHostnames: true });
      const verdict = evaluateNetwork(facts, { region: REGION, loggingEnabled: false });
      expect(verdict.problems.map((p) => p.code)).toEqual(['SubnetsInSeveralVpcs']);
      expect(verdict.problems[0]!.message).toBe(
        "the subnets are in several VPCs: vpc-cluster (subnet-a), vpc-other (subnet-b); a Fargate profile's subnets must all be in the cluster's VPC",
      );
      expect(verdict.terminal).toBe(true);
    });

    it('without a known cluster VPC, subnets sharing one VPC pass', () => {
      expect(evaluateNetwork(goodFacts(), { region: REGION, loggingEnabled: false }).ready).toBe(true);
    });
  });

  describe('VPC DNS', () => {
    it('names DNS hostnames when only they are off, with the command to turn them on; not terminal', () => {
      const facts = { ...goodFacts(), vpcs: [{ vpcId: VPC, enableDnsSupport: true, enableDnsHostnames: false }] };
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.terminal).toBe(false);
      expect(verdict.problems).toEqual([
        {
          code: 'VpcDnsDisabled',
          subject: VPC,
          message: `${VPC} has DNS hostnames turned off; Fargate pods need both: run aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-hostnames '{"Value":true}'`,
          terminal: false,
        },
      ]);
    });

    it('names both when both are off, one command each', () => {
      const facts = { ...goodFacts(), vpcs: [{ vpcId: VPC, enableDnsSupport: false, enableDnsHostnames: false }] };
      const message = evaluateNetwork(facts, CONTEXT).problems[0]!.message;
      expect(message).toContain('has DNS support and DNS hostnames turned off');
      expect(message).toContain(`--vpc-id ${VPC} --enable-dns-support '{"Value":true}' and aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-hostnames`);
    });
  });

  describe('egress path', () => {
    it('without a NAT route or endpoints, lists exactly the missing endpoint services per subnet; not terminal', () => {
      const verdict = evaluateNetwork(withoutNat(goodFacts()), CONTEXT);
      expect(verdict.terminal).toBe(false);
      expect(verdict.reason).toBe('NoEgressPath');
      expect(verdict.problems.map((p) => p.subject)).toEqual(['subnet-a', 'subnet-b']);
      expect(verdict.problems[0]!.missingEndpointServices).toEqual([
        'com.amazonaws.us-east-1.ecr.api',
        'com.amazonaws.us-east-1.ecr.dkr',
        'com.amazonaws.us-east-1.s3',
        'com.amazonaws.us-east-1.sts',
      ]);
      expect(verdict.problems[0]!.message).toBe(
        'subnet-a has no egress path: its route table rtb-private has no 0.0.0.0/0 route to a NAT gateway or transit gateway, ' +
          `and ${VPC} lacks the VPC endpoints com.amazonaws.us-east-1.ecr.api, com.amazonaws.us-east-1.ecr.dkr, com.amazonaws.us-east-1.s3, com.amazonaws.us-east-1.sts`,
      );
    });

    it('with logging on, the logs endpoint is needed too', () => {
      const verdict = evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: allEndpoints() }, { ...CONTEXT, loggingEnabled: true });
      expect(verdict.problems.map((p) => p.missingEndpointServices)).toEqual([
        ['com.amazonaws.us-east-1.logs'],
        ['com.amazonaws.us-east-1.logs'],
      ]);
      expect(requiredEndpointServices(REGION, true)).toContain('com.amazonaws.us-east-1.logs');
      expect(requiredEndpointServices(REGION, false)).not.toContain('com.amazonaws.us-east-1.logs');
    });

    it('all endpoints present and usable: passes without a NAT route', () => {
      expect(evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: allEndpoints() }, CONTEXT).ready).toBe(true);
      const withLogs = [...allEndpoints(), interfaceEndpoint('logs')];
      expect(evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: withLogs }, { ...CONTEXT, loggingEnabled: true }).ready).toBe(true);
    });

    it('an S3 gateway endpoint not on the subnet route table does not count, and says why', () => {
      const endpoints = [...allEndpoints().filter((e) => e.id !== 'vpce-s3'), s3Gateway(['rtb-elsewhere'])];
      const problem = evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: endpoints }, CONTEXT).problems[0]!;
      expect(problem.missingEndpointServices).toEqual(['com.amazonaws.us-east-1.s3']);
      expect(problem.message).toContain('com.amazonaws.us-east-1.s3 (vpce-s3 is not associated with rtb-private)');
    });

    it('a pending endpoint or one without private DNS does not count, and says why', () => {
      const endpoints = [
        ...allEndpoints().filter((e) => !e.serviceName.endsWith('ecr.api') && !e.serviceName.endsWith('sts')),
        interfaceEndpoint('ecr.api', { state: 'pending' }),
        interfaceEndpoint('sts', { privateDnsEnabled: false }),
      ];
      const problem = evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: endpoints }, CONTEXT).problems[0]!;
      expect(problem.missingEndpointServices).toEqual(['com.amazonaws.us-east-1.ecr.api', 'com.amazonaws.us-east-1.sts']);
      expect(problem.message).toContain('com.amazonaws.us-east-1.ecr.api (vpce-ecr.api is pending), com.amazonaws.us-east-1.sts (vpce-sts has private DNS off)');
    });

    it('endpoints of another VPC do not count', () => {
      const endpoints = allEndpoints().map((e) => ({ ...e, vpcId: 'vpc-other' }));
      expect(evaluateNetwork({ ...withoutNat(goodFacts()), vpcEndpoints: endpoints }, CONTEXT).ready).toBe(false);
    });

    it('a transit gateway default route counts as egress; a blackhole NAT route or a NAT instance does not', () => {
      const withRoute = (route: RouteTableFacts['routes'][number]): NetworkFacts => {
        const facts = withoutNat(goodFacts());
        facts.routeTables[1]!.routes.push(route);
        return facts;
      };
      expect(evaluateNetwork(withRoute({ destinationCidr: '0.0.0.0/0', transitGatewayId: 'tgw-1' }), CONTEXT).ready).toBe(true);
      expect(evaluateNetwork(withRoute({ destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-1', state: 'blackhole' }), CONTEXT).ready).toBe(false);
      expect(evaluateNetwork(withRoute({ destinationCidr: '0.0.0.0/0', instanceId: 'i-nat' }), CONTEXT).ready).toBe(false);
    });

    it('China regions use the cn. service name prefix', () => {
      expect(endpointServiceName('cn-north-1', 'ecr.api')).toBe('cn.com.amazonaws.cn-north-1.ecr.api');
    });
  });

  describe('security groups', () => {
    it('names missing groups; not terminal', () => {
      const verdict = evaluateNetwork({ ...goodFacts(), missingSecurityGroupIds: ['sg-gone', 'sg-lost'] }, CONTEXT);
      expect(verdict.terminal).toBe(false);
      expect(verdict.problems).toEqual([
        { code: 'SecurityGroupNotFound', subject: 'sg-gone,sg-lost', message: 'security groups sg-gone, sg-lost do not exist in us-east-1', terminal: false },
      ]);
      expect(evaluateNetwork({ ...goodFacts(), missingSecurityGroupIds: ['sg-gone'] }, CONTEXT).message).toBe(
        'security group sg-gone does not exist in us-east-1',
      );
    });

    it("a group of another VPC is terminal, naming both VPCs", () => {
      const facts = { ...goodFacts(), securityGroups: [{ id: 'sg-2', name: 'db', vpcId: 'vpc-other' }] };
      const verdict = evaluateNetwork(facts, CONTEXT);
      expect(verdict.terminal).toBe(true);
      expect(verdict.problems[0]!.message).toBe("security group sg-2 (db) is in vpc-other, not in the cluster's VPC vpc-cluster");
    });
  });

  it('reason is the first terminal problem and the message lists every problem', () => {
    const facts = { ...withoutNat(goodFacts()), missingSubnetIds: [], missingSecurityGroupIds: ['sg-gone'] };
    facts.subnets = [...facts.subnets];
    const verdict = evaluateNetwork({ ...facts, securityGroups: [{ id: 'sg-2', name: 'db', vpcId: 'vpc-other' }] }, CONTEXT);
    expect(verdict.reason).toBe('SecurityGroupNotInClusterVpc');
    expect(verdict.problems.map((p) => p.code)).toEqual(['NoEgressPath', 'NoEgressPath', 'SecurityGroupNotFound', 'SecurityGroupNotInClusterVpc']);
    expect(verdict.message.split('; ')).toHaveLength(4);
  });
});
