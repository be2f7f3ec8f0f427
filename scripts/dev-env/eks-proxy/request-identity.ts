import type { IncomingHttpHeaders } from 'node:http';

/** The wire protocol of a request, which decides how an error answer must look. */
export type WireProtocol = 'rest-json' | 'aws-json' | 'aws-query' | 'ec2-query';

/** An EKS REST call: the operation and the names in its path. */
export interface EksRoute {
  operation: string;
  cluster?: string;
  profile?: string;
}

/** Which AWS service, region and operation one HTTP request is. */
export interface RequestIdentity {
  /** Signing name from the SigV4 credential scope (`eks`, `iam`, `ec2`, `sts`), or `unknown`. */
  service: string;
  region: string;
  operation: string;
  protocol: WireProtocol;
  /** Set for EKS calls whose path the route table knows. */
  eks?: EksRoute;
}

/** What {@link identifyRequest} reads from a request. */
export interface RequestParts {
  method: string;
  /** Path and query, as in `IncomingMessage.url`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const NAME = '([^/]+)';

// The EKS REST API (rest-json): method + path template -> operation. Names in the path are
// captured as cluster, then profile/nodegroup/addon.
const EKS_ROUTES: ReadonlyArray<readonly [method: string, path: RegExp, operation: string]> = [
  ['POST', /^\/clusters$/, 'CreateCluster'],
  ['GET', /^\/clusters$/, 'ListClusters'],
  ['GET', new RegExp(`^/clusters/${NAME}$`), 'DescribeCluster'],
  ['DELETE', new RegExp(`^/clusters/${NAME}$`), 'DeleteCluster'],
  ['POST', new RegExp(`^/clusters/${NAME}/update-config$`), 'UpdateClusterConfig'],
  ['POST', new RegExp(`^/clusters/${NAME}/updates$`), 'UpdateClusterVersion'],
  ['GET', new RegExp(`^/clusters/${NAME}/updates$`), 'ListUpdates'],
  ['POST', new RegExp(`^/clusters/${NAME}/fargate-profiles$`), 'CreateFargateProfile'],
  ['GET', new RegExp(`^/clusters/${NAME}/fargate-profiles$`), 'ListFargateProfiles'],
  ['GET', new RegExp(`^/clusters/${NAME}/fargate-profiles/${NAME}$`), 'DescribeFargateProfile'],
  ['DELETE', new RegExp(`^/clusters/${NAME}/fargate-profiles/${NAME}$`), 'DeleteFargateProfile'],
  ['POST', new RegExp(`^/clusters/${NAME}/node-groups$`), 'CreateNodegroup'],
  ['GET', new RegExp(`^/clusters/${NAME}/node-groups$`), 'ListNodegroups'],
  ['GET', new RegExp(`^/clusters/${NAME}/node-groups/${NAME}$`), 'DescribeNodegroup'],
  ['DELETE', new RegExp(`^/clusters/${NAME}/node-groups/${NAME}$`), 'DeleteNodegroup'],
  ['POST', new RegExp(`^/clusters/${NAME}/addons$`), 'CreateAddon'],
  ['GET', new RegExp(`^/clusters/${NAME}/addons$`), 'ListAddons'],
  ['GET', new RegExp(`^/clusters/${NAME}/addons/${NAME}$`), 'DescribeAddon'],
  ['DELETE', new RegExp(`^/clusters/${NAME}/addons/${NAME}$`), 'DeleteAddon'],
  ['GET', /^\/tags\/.+$/, 'ListTagsForResource'],
  ['POST', /^\/tags\/.+$/, 'TagResource'],
  ['DELETE', /^\/tags\/.+$/, 'UntagResource'],
];

/** The EKS operation of a REST call, or undefined for a path the table does not know. */
export function eksRoute(method: string, pathname: string): EksRoute | undefined {
  for (const [routeMethod, pattern, operation] of EKS_ROUTES) {
    if (routeMethod !== method.toUpperCase()) continue;
    const match = pattern.exec(pathname);
    if (!match) continue;
    const [cluster, second] = match.slice(1).map((part) => decodeURIComponent(part));
    const route: EksRoute = { operation };
    if (cluster !== undefined) route.cluster = cluster;
    if (second !== undefined && operation.endsWith('FargateProfile')) route.profile = second;
    return route;
  }
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Service and region from `Credential=AKID/date/region/service/aws4_request`. */
function credentialScope(headers: IncomingHttpHeaders, query: URLSearchParams): { region: string; service: string } | undefined {
  const credential = /Credential=([^,\s]+)/.exec(header(headers, 'authorization') ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  const parts = credential?.split('/');
  if (!parts || parts.length < 5) return undefined;
  const [region, service] = parts.slice(-3, -1);
  return region && service ? { region, service } : undefined;
}

/** The `Action` of a query-protocol call: in the query string, or in a form-encoded body. */
function queryAction(headers: IncomingHttpHeaders, query: URLSearchParams, body: Buffer): string | undefined {
  const fromQuery = query.get('Action');
  if (fromQuery) return fromQuery;
  if (!(header(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
}

/**
 * Names the AWS service and operation of a request as the SDK sent it: the service from the SigV4
 * credential scope, the operation from `X-Amz-Target` (JSON protocols), the `Action` parameter
 * (IAM, STS, EC2 query protocols) or the EKS REST path and method.
 */
export function identifyRequest(request: RequestParts): RequestIdentity {
  const url = new URL(request.url, 'http://proxy.invalid');
  const scope = credentialScope(request.headers, url.searchParams);
  const target = header(request.headers, 'x-amz-target');
  const service = scope?.service ?? target?.split('.')[0]?.split('_')[0]?.toLowerCase() ?? 'unknown';
  const region = scope?.region ?? 'us-east-1';

  if (target) return { service, region, operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'aws-json' };
  const action = queryAction(request.headers, url.searchParams, request.body);
  if (action) return { service, region, operation: action, protocol: service === 'ec2' ? 'ec2-query' : 'aws-query' };
  if (service === 'eks') {
    const eks = eksRoute(request.method, url.pathname);
    if (eks) return { service, region, operation: eks.operation, protocol: 'rest-json', eks };
  }
  return { service, region, operation: `${request.method.toUpperCase()} ${url.pathname}`, protocol: 'rest-json' };
}

/**
 * The tag keys a request asks to put on what it creates or tags (what IAM sees as
 * `aws:RequestTag/<key>`): `Tags.member.N.Key` of IAM, `TagSpecification.N.Tag.M.Key` of EC2,
 * the `tags` object of an EKS REST body. Empty when it carries none.
 */
export function requestTagKeys(request: RequestParts): string[] {
  const url = new URL(request.url, 'http://proxy.invalid');
  const text = request.body.toString('utf8');
  if ((header(request.headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded') || url.searchParams.has('Action')) {
    const params = new URLSearchParams(url.searchParams.has('Action') ? url.search : text);
    return [...params.entries()].filter(([name]) => /^(Tags\.member\.\d+|TagSpecification\.\d+\.Tag\.\d+)\.Key$/.test(name)).map(([, value]) => value);
  }
  if (!text.trimStart().startsWith('{')) return [];
  try {
    const tags = (JSON.parse(text) as { tags?: unknown }).tags;
    return tags && typeof tags === 'object' ? Object.keys(tags) : [];
  } catch {
    return [];
  }
}

/**
 * The resource a request names, for telling calls on one object apart in the call log: an IAM
 * role (`RoleName`) or OIDC provider, an EKS cluster or `cluster/profile`, a tagged EKS ARN.
 * Undefined when the request names none of these (lists, EC2 describes).
 */
export function requestTarget(request: RequestParts, id: RequestIdentity): string | undefined {
  if (id.eks) {
    if (id.eks.profile !== undefined) return `${id.eks.cluster ?? ''}/${id.eks.profile}`;
    if (id.eks.operation.endsWith('Resource')) return decodeURIComponent(new URL(request.url, 'http://proxy.invalid').pathname.slice('/tags/'.length));
    return id.eks.cluster;
  }
  if (id.protocol !== 'aws-query') return undefined;
  const url = new URL(request.url, 'http://proxy.invalid');
  const params = url.searchParams.has('Action') ? url.searchParams : new URLSearchParams(request.body.toString('utf8'));
  return params.get('RoleName') ?? params.get('OpenIDConnectProviderArn') ?? undefined;
}
