/**
 * Reads what the network preflight (design, section 6) needs from EC2: the subnets, their route
 * tables, the VPC's DNS attributes, its VPC endpoints and the security groups. Only Describe calls;
 * the verdict is made by the pure evaluator in network-preflight.ts.
 */
import {
  DescribeVpcAttributeCommand,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  type EC2Client,
  type Route,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { isNotFound } from './error-classifier.js';

/** A subnet that exists. */
export interface SubnetFacts {
  id: string;
  vpcId: string;
  availabilityZone: string;
  mapPublicIpOnLaunch: boolean;
}

/** One route of a route table; exactly one target is set. */
export interface RouteFacts {
  destinationCidr?: string;
  destinationIpv6Cidr?: string;
  destinationPrefixListId?: string;
  /** `local`, an internet gateway (`igw-`), a virtual private gateway (`vgw-`) or a gateway VPC endpoint (`vpce-`). */
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  vpcPeeringConnectionId?: string;
  egressOnlyInternetGatewayId?: string;
  /** `active`, or `blackhole` when the target is gone. */
  state?: string;
}

/** A route table of the subnets' VPCs that matters to them: explicitly associated, or the main one. */
export interface RouteTableFacts {
  id: string;
  vpcId: string;
  /** The VPC's main route table: used by every subnet without an explicit association. */
  main: boolean;
  /** Subnets explicitly associated with this table. */
  subnetIds: string[];
  routes: RouteFacts[];
}

/** The DNS attributes of a VPC (DescribeVpcAttribute). */
export interface VpcDnsFacts {
  vpcId: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

/** A VPC endpoint of one of the VPCs. */
export interface VpcEndpointFacts {
  id: string;
  vpcId: string;
  /** e.g. `com.amazonaws.us-east-1.ecr.dkr`. */
  serviceName: string;
  /** `Interface`, `Gateway` or `GatewayLoadBalancer`. */
  type: string;
  /** `available`, `pending`, `pendingAcceptance`, `deleting`, `deleted`, `rejected`, `failed`. */
  state: string;
  /** Route tables a gateway endpoint is associated with. */
  routeTableIds: string[];
  /** Subnets an interface endpoint has network interfaces in. */
  subnetIds: string[];
  /** Whether an interface endpoint answers for the service's default DNS name; undefined when EC2 did not say. */
  privateDnsEnabled?: boolean;
}

/** A security group that exists. */
export interface SecurityGroupFacts {
  id: string;
  name: string;
  vpcId: string;
}

/** Everything the network preflight looks at, as EC2 reports it. */
export interface NetworkFacts {
  subnets: SubnetFacts[];
  /** Asked-for subnets EC2 does not know. */
  missingSubnetIds: string[];
  routeTables: RouteTableFacts[];
  vpcs: VpcDnsFacts[];
  vpcEndpoints: VpcEndpointFacts[];
  securityGroups: SecurityGroupFacts[];
  /** Asked-for security groups EC2 does not know. */
  missingSecurityGroupIds: string[];
}

/** What to describe. */
export interface NetworkQuery {
  subnetIds: readonly string[];
  securityGroupIds?: readonly string[];
  /** The cluster's VPC: its DNS attributes and endpoints are read even when no subnet is in it. */
  vpcId?: string;
}

/** EC2 reads of the network preflight. */
export interface Ec2NetworkReader {
  describeNetwork(query: NetworkQuery): Promise<NetworkFacts>;
}

/** {@link Ec2NetworkReader} on the AWS SDK. */
export class SdkEc2NetworkReader implements Ec2NetworkReader {
  constructor(private readonly ec2: EC2Client) {}

  async describeNetwork(query: NetworkQuery): Promise<NetworkFacts> {
    const subnetIds = unique(query.subnetIds);
    const securityGroupIds = unique(query.securityGroupIds ?? []);
    const subnets = await this.subnets(subnetIds);
    const vpcIds = unique([...(query.vpcId ? [query.vpcId] : []), ...subnets.map((s) => s.vpcId)]);
    const [routeTables, vpcs, vpcEndpoints, securityGroups] = await Promise.all([
      this.routeTables(vpcIds, new Set(subnets.map((s) => s.id))),
      Promise.all(vpcIds.map((vpcId) => this.vpcDns(vpcId))),
      this.vpcEndpoints(vpcIds),
      this.securityGroups(securityGroupIds),
    ]);
    const foundSubnets = new Set(subnets.map((s) => s.id));
    const foundGroups = new Set(securityGroups.map((g) => g.id));
    return {
      subnets,
      missingSubnetIds: subnetIds.filter((id) => !foundSubnets.has(id)),
      routeTables,
      vpcs: vpcs.filter((v): v is VpcDnsFacts => v !== undefined),
      vpcEndpoints,
      securityGroups,
      missingSecurityGroupIds: securityGroupIds.filter((id) => !foundGroups.has(id)),
    };
  }

  /** By a `subnet-id` filter: asking by SubnetIds fails the whole call on one unknown id. */
  private async subnets(ids: string[]): Promise<SubnetFacts[]> {
    if (ids.length === 0) return [];
    const found: SubnetFacts[] = [];
    for await (const page of paginateDescribeSubnets({ client: this.ec2 }, { Filters: [{ Name: 'subnet-id', Values: ids }] })) {
      for (const s of page.Subnets ?? []) {
        if (!s.SubnetId || !s.VpcId) continue;
        found.push({
          id: s.SubnetId,
          vpcId: s.VpcId,
          availabilityZone: s.AvailabilityZone ?? '',
          mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
        });
      }
    }
    return found;
  }

  /** The VPCs' main tables and the tables explicitly associated with one of the subnets. */
  private async routeTables(vpcIds: string[], subnetIds: ReadonlySet<string>): Promise<RouteTableFacts[]> {
    if (vpcIds.length === 0) return [];
    const tables: RouteTableFacts[] = [];
    for await (const page of paginateDescribeRouteTables({ client: this.ec2 }, { Filters: [{ Name: 'vpc-id', Values: vpcIds }] })) {
      for (const table of page.RouteTables ?? []) {
        const facts = routeTableFacts(table);
        if (facts && (facts.main || facts.subnetIds.some((id) => subnetIds.has(id)))) tables.push(facts);
      }
    }
    return tables;
  }

  /** One DescribeVpcAttribute call per attribute: the API takes one at a time. Undefined when the VPC is gone. */
  private async vpcDns(vpcId: string): Promise<VpcDnsFacts | undefined> {
    try {
      const [support, hostnames] = await Promise.all([
        this.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' })),
        this.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' })),
      ]);
      return {
        vpcId,
        enableDnsSupport: support.EnableDnsSupport?.Value ?? false,
        enableDnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false,
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async vpcEndpoints(vpcIds: string[]): Promise<VpcEndpointFacts[]> {
    if (vpcIds.length === 0) return [];
    const found: VpcEndpointFacts[] = [];
    for await (const page of paginateDescribeVpcEndpoints({ client: this.ec2 }, { Filters: [{ Name: 'vpc-id', Values: vpcIds }] })) {
      for (const e of page.VpcEndpoints ?? []) {
        if (!e.VpcEndpointId || !e.VpcId || !e.ServiceName) continue;
        found.push({
          id: e.VpcEndpointId,
          vpcId: e.VpcId,
          serviceName: e.ServiceName,
          type: e.VpcEndpointType ?? 'Gateway',
          state: (e.State ?? 'available').toString(),
          routeTableIds: e.RouteTableIds ?? [],
          subnetIds: e.SubnetIds ?? [],
          ...(e.PrivateDnsEnabled === undefined ? {} : { privateDnsEnabled: e.PrivateDnsEnabled }),
        });
      }
    }
    return found;
  }

  /** By a `group-id` filter: asking by GroupIds fails the whole call with InvalidGroup.NotFound on one unknown id. */
  private async securityGroups(ids: string[]): Promise<SecurityGroupFacts[]> {
    if (ids.length === 0) return [];
    const found: SecurityGroupFacts[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client: this.ec2 }, { Filters: [{ Name: 'group-id', Values: ids }] })) {
      for (const g of page.SecurityGroups ?? []) {
        if (g.GroupId) found.push({ id: g.GroupId, name: g.GroupName ?? '', vpcId: g.VpcId ?? '' });
      }
    }
    return found;
  }
}

function routeTableFacts(table: RouteTable): RouteTableFacts | undefined {
  if (!table.RouteTableId || !table.VpcId) return undefined;
  const associations = table.Associations ?? [];
  return {
    id: table.RouteTableId,
    vpcId: table.VpcId,
    main: associations.some((a) => a.Main === true),
    subnetIds: associations.flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
    routes: (table.Routes ?? []).map(routeFacts),
  };
}

/** The route with only the fields that are set, so that facts compare and print cleanly. */
function routeFacts(route: Route): RouteFacts {
  const fields: [keyof RouteFacts, string | undefined][] = [
    ['destinationCidr', route.DestinationCidrBlock],
    ['destinationIpv6Cidr', route.DestinationIpv6CidrBlock],
    ['destinationPrefixListId', route.DestinationPrefixListId],
    ['gatewayId', route.GatewayId],
    ['natGatewayId', route.NatGatewayId],
    ['transitGatewayId', route.TransitGatewayId],
    ['instanceId', route.InstanceId],
    ['networkInterfaceId', route.NetworkInterfaceId],
    ['vpcPeeringConnectionId', route.VpcPeeringConnectionId],
    ['egressOnlyInternetGatewayId', route.EgressOnlyInternetGatewayId],
    ['state', route.State],
  ];
  return Object.fromEntries(fields.filter(([, value]) => value !== undefined && value !== '')) as RouteFacts;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
