/**
 * The network preflight (design, section 6): whether Fargate pods in the given subnets can start,
 * pull their images and reach AWS APIs, decided from the facts EC2 reported (ec2-network.ts).
 * Pure, so every rule is unit-tested; each problem says exactly what is missing, because the usual
 * symptom otherwise is a pod stuck in ImagePullBackOff with no hint why.
 */
import type { NetworkFacts, RouteFacts, RouteTableFacts, SubnetFacts, VpcEndpointFacts } from './ec2-network.js';

/** Why a network is not ready; also usable as a condition reason. */
export type NetworkProblemCode =
  | 'NoSubnets'
  | 'SubnetNotFound'
  | 'SubnetNotInClusterVpc'
  | 'SubnetsInSeveralVpcs'
  | 'PublicSubnet'
  | 'RouteTableNotFound'
  | 'NoEgressPath'
  | 'VpcDnsDisabled'
  | 'SecurityGroupNotFound'
  | 'SecurityGroupNotInClusterVpc';

/** One thing wrong with the network. */
export interface NetworkProblem {
  code: NetworkProblemCode;
  /** The subnet, VPC or security group id the problem is about. */
  subject: string;
  message: string;
  /**
   * True when only a spec change helps (the subnet is public, in another VPC, does not exist):
   * Stalled, before any CreateFargateProfile. False when the network may be fixed outside the
   * operator (a NAT gateway or endpoints added, DNS turned on): NetworkReady False, slow requeue.
   */
  terminal: boolean;
  /** For NoEgressPath: the VPC endpoint services that are missing, in a fixed order. */
  missingEndpointServices?: string[];
}

/** The outcome of the preflight. */
export interface NetworkVerdict {
  ready: boolean;
  /** Some problem is terminal. */
  terminal: boolean;
  problems: NetworkProblem[];
  /** Condition reason: the first terminal problem's code, else the first problem's, else `NetworkReady`. */
  reason: string;
  /** Condition message: every problem's message, one sentence each. */
  message: string;
}

/** What the evaluator knows besides EC2's facts. */
export interface NetworkContext {
  /** The EKS cluster's VPC; when unknown, the subnets must at least share one VPC. */
  clusterVpcId?: string;
  region: string;
  /** CloudWatch logging on (FargateCluster `logging.cloudWatch`): the `logs` endpoint is then needed too. */
  loggingEnabled: boolean;
}

const DEFAULT_ROUTES = new Set(['0.0.0.0/0', '::/0']);

/** Judges the facts; the subnets are the ones asked for (found + missing). */
export function evaluateNetwork(facts: NetworkFacts, context: NetworkContext): NetworkVerdict {
  const problems: NetworkProblem[] = [
    ...subnetProblems(facts, context),
    ...dnsProblems(facts, context),
    ...securityGroupProblems(facts, context),
  ];
  const firstTerminal = problems.find((p) => p.terminal);
  return {
    ready: problems.length === 0,
    terminal: firstTerminal !== undefined,
    problems,
    reason: (firstTerminal ?? problems[0])?.code ?? 'NetworkReady',
    message: problems.length === 0 ? 'the subnets are private, in the cluster VPC, with DNS and an egress path' : problems.map((p) => p.message).join('; '),
  };
}

function subnetProblems(facts: NetworkFacts, context: NetworkContext): NetworkProblem[] {
  if (facts.subnets.length === 0 && facts.missingSubnetIds.length === 0) {
    return [{ code: 'NoSubnets', subject: '', message: 'no subnets are given; Fargate profiles need at least one private subnet', terminal: true }];
  }
  const problems: NetworkProblem[] = facts.missingSubnetIds.map((id) => ({
    code: 'SubnetNotFound',
    subject: id,
    message: `subnet ${id} does not exist in ${context.region}`,
    terminal: true,
  }));
  problems.push(...vpcMembershipProblems(facts.subnets, context));
  for (const subnet of facts.subnets) {
    const table = routeTableOf(facts, subnet);
    if (!table) {
      problems.push({
        code: 'RouteTableNotFound',
        subject: subnet.id,
        message: `${subnet.id} has no route table: neither an associated one nor a main route table of ${subnet.vpcId}`,
        terminal: false,
      });
      continue;
    }
    const internetRoute = table.routes.find((r) => isDefaultRoute(r) && r.gatewayId?.startsWith('igw-'));
    if (internetRoute) {
      problems.push({
        code: 'PublicSubnet',
        subject: subnet.id,
        message: `${subnet.id} is public: its route table ${table.id} sends ${destinationOf(internetRoute)} to ${internetRoute.gatewayId}; Fargate profiles need private subnets`,
        terminal: true,
      });
      continue;
    }
    const egress = egressProblem(facts, subnet, table, context);
    if (egress) problems.push(egress);
  }
  return problems;
}

/** Every subnet in the cluster's VPC; without it known, all subnets in one VPC. */
function vpcMembershipProblems(subnets: SubnetFacts[], context: NetworkContext): NetworkProblem[] {
  const clusterVpc = context.clusterVpcId;
  if (clusterVpc) {
    return subnets
      .filter((s) => s.vpcId !== clusterVpc)
      .map((s) => ({
        code: 'SubnetNotInClusterVpc',
        subject: s.id,
        message: `${s.id} is in ${s.vpcId}, not in the cluster's VPC ${clusterVpc}`,
        terminal: true,
      }));
  }
  const byVpc = new Map<string, string[]>();
  for (const s of subnets) byVpc.set(s.vpcId, [...(byVpc.get(s.vpcId) ?? []), s.id]);
  if (byVpc.size <= 1) return [];
  const listing = [...byVpc].map(([vpc, ids]) => `${vpc} (${ids.join(', ')})`).join(', ');
  return [
    {
      code: 'SubnetsInSeveralVpcs',
      subject: [...byVpc.keys()].join(','),
      message: `the subnets are in several VPCs: ${listing}; a Fargate profile's subnets must all be in the cluster's VPC`,
      terminal: true,
    },
  ];
}

/** The subnet's route table: the explicitly associated one, else its VPC's main route table. */
export function routeTableOf(facts: NetworkFacts, subnet: SubnetFacts): RouteTableFacts | undefined {
  return (
    facts.routeTables.find((t) => t.subnetIds.includes(subnet.id)) ??
    facts.routeTables.find((t) => t.main && t.vpcId === subnet.vpcId)
  );
}

function isDefaultRoute(route: RouteFacts): boolean {
  return DEFAULT_ROUTES.has(route.destinationCidr ?? '') || DEFAULT_ROUTES.has(route.destinationIpv6Cidr ?? '');
}

function destinationOf(route: RouteFacts): string {
  return route.destinationCidr ?? route.destinationIpv6Cidr ?? '';
}

/**
 * A default route to a NAT gateway or a transit gateway counts as egress: both are managed paths
 * to the internet or to a shared egress VPC. A route to an instance or a network interface (a NAT
 * instance, a firewall appliance) is not accepted, since the route table alone cannot tell whether
 * it forwards traffic; such networks need the VPC endpoints to pass. Blackhole routes do not count.
 */
function hasEgressRoute(table: RouteTableFacts): boolean {
  return table.routes.some(
    (r) =>
      r.destinationCidr === '0.0.0.0/0' &&
      r.state !== 'blackhole' &&
      (r.natGatewayId?.startsWith('nat-') || r.gatewayId?.startsWith('nat-') || r.transitGatewayId?.startsWith('tgw-')),
  );
}

/** The endpoint services pods need without a NAT route: image pulls (ECR, S3 for the layers), IRSA (STS), logs. */
export function requiredEndpointServices(region: string, loggingEnabled: boolean): string[] {
  const services = ['ecr.api', 'ecr.dkr', 's3', 'sts', ...(loggingEnabled ? ['logs'] : [])];
  return services.map((service) => endpointServiceName(region, service));
}

/** `com.amazonaws.<region>.<service>`; China regions use the `cn.` prefix. */
export function endpointServiceName(region: string, service: string): string {
  return `${region.startsWith('cn-') ? 'cn.' : ''}com.amazonaws.${region}.${service}`;
}

/** Undefined when the subnet has an egress route or every needed endpoint; else what is missing. */
function egressProblem(
  facts: NetworkFacts,
  subnet: SubnetFacts,
  table: RouteTableFacts,
  context: NetworkContext,
): NetworkProblem | undefined {
  if (hasEgressRoute(table)) return undefined;
  const endpoints = facts.vpcEndpoints.filter((e) => e.vpcId === subnet.vpcId);
  const gaps: { service: string; detail?: string }[] = [];
  for (const service of requiredEndpointServices(context.region, context.loggingEnabled)) {
    const gap = endpointGap(service, endpoints, table);
    if (gap !== undefined) gaps.push({ service, ...(gap ? { detail: gap } : {}) });
  }
  if (gaps.length === 0) return undefined;
  const listed = gaps.map((g) => (g.detail ? `${g.service} (${g.detail})` : g.service)).join(', ');
  return {
    code: 'NoEgressPath',
    subject: subnet.id,
    message:
      `${subnet.id} has no egress path: its route table ${table.id} has no 0.0.0.0/0 route to a NAT gateway or transit gateway, ` +
      `and ${subnet.vpcId} lacks the VPC endpoints ${listed}`,
    terminal: false,
    missingEndpointServices: gaps.map((g) => g.service),
  };
}

/**
 * Undefined when a usable endpoint for the service exists; "" when there is none; else why the
 * existing one does not serve this subnet. S3 must be a gateway endpoint on the subnet's route
 * table; the others interface endpoints, which serve the whole VPC through private DNS.
 */
function endpointGap(service: string, endpoints: VpcEndpointFacts[], table: RouteTableFacts): string | undefined {
  const candidates = endpoints.filter((e) => e.serviceName === service);
  if (candidates.length === 0) return '';
  const isS3 = service.endsWith('.s3');
  const usable = (e: VpcEndpointFacts): boolean =>
    e.state.toLowerCase() === 'available' &&
    (isS3 ? e.type === 'Gateway' && e.routeTableIds.includes(table.id) : e.type === 'Interface' && e.privateDnsEnabled !== false);
  if (candidates.some(usable)) return undefined;
  const e = candidates[0] as VpcEndpointFacts;
  if (e.state.toLowerCase() !== 'available') return `${e.id} is ${e.state}`;
  if (isS3 && e.type !== 'Gateway') return `${e.id} is an ${e.type} endpoint; image layers need a Gateway endpoint`;
  if (isS3) return `${e.id} is not associated with ${table.id}`;
  if (e.type !== 'Interface') return `${e.id} is a ${e.type} endpoint, not Interface`;
  return `${e.id} has private DNS off`;
}

/** DNS support and hostnames on the cluster's VPC (else on each subnet's VPC). */
function dnsProblems(facts: NetworkFacts, context: NetworkContext): NetworkProblem[] {
  const vpcIds = context.clusterVpcId ? [context.clusterVpcId] : [...new Set(facts.subnets.map((s) => s.vpcId))];
  const problems: NetworkProblem[] = [];
  for (const vpcId of vpcIds) {
    const dns = facts.vpcs.find((v) => v.vpcId === vpcId);
    if (!dns) continue;
    const off: { what: string; flag: string }[] = [];
    if (!dns.enableDnsSupport) off.push({ what: 'DNS support', flag: '--enable-dns-support' });
    if (!dns.enableDnsHostnames) off.push({ what: 'DNS hostnames', flag: '--enable-dns-hostnames' });
    if (off.length === 0) continue;
    // modify-vpc-attribute takes one attribute per call.
    const commands = off.map((o) => `aws ec2 modify-vpc-attribute --vpc-id ${vpcId} ${o.flag} '{"Value":true}'`).join(' and ');
    problems.push({
      code: 'VpcDnsDisabled',
      subject: vpcId,
      message: `${vpcId} has ${off.map((o) => o.what).join(' and ')} turned off; Fargate pods need both: run ${commands}`,
      terminal: false,
    });
  }
  return problems;
}

/** The security groups exist and are in the cluster's VPC (a group never changes VPC: terminal). */
function securityGroupProblems(facts: NetworkFacts, context: NetworkContext): NetworkProblem[] {
  const problems: NetworkProblem[] = [];
  if (facts.missingSecurityGroupIds.length > 0) {
    const ids = facts.missingSecurityGroupIds;
    problems.push({
      code: 'SecurityGroupNotFound',
      subject: ids.join(','),
      message: `security group${ids.length > 1 ? 's' : ''} ${ids.join(', ')} ${ids.length > 1 ? 'do' : 'does'} not exist in ${context.region}`,
      terminal: false,
    });
  }
  const clusterVpc = context.clusterVpcId;
  if (clusterVpc) {
    for (const group of facts.securityGroups.filter((g) => g.vpcId !== clusterVpc)) {
      problems.push({
        code: 'SecurityGroupNotInClusterVpc',
        subject: group.id,
        message: `security group ${group.id} (${group.name}) is in ${group.vpcId || 'no VPC'}, not in the cluster's VPC ${clusterVpc}`,
        terminal: true,
      });
    }
  }
  return problems;
}
