import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorResponse, faultError, resourceInUseError, restJsonAuthError, tokenReusedError } from './eks-proxy/error-responses.js';
import type { ProxyResponse } from './eks-proxy/error-responses.js';
import { FaultSchedule, seededRandom } from './eks-proxy/fault-schedule.js';
import type { FaultRule } from './eks-proxy/fault-schedule.js';
import { ProfileLifecycle } from './eks-proxy/profile-lifecycle.js';
import type { TransitionStatus } from './eks-proxy/profile-lifecycle.js';
import { identifyRequest, requestTagKeys, requestTarget } from './eks-proxy/request-identity.js';
import type { RequestIdentity } from './eks-proxy/request-identity.js';
import { isWriteOperation } from '../../src/aws/call-log.js';
import { LOOPBACK } from './ports.js';

export type { FaultRule } from './eks-proxy/fault-schedule.js';

/** How the proxy behaves. Delays of 0 (the default) keep moto's instant transitions. */
export interface EksProxyOptions {
  /** moto's URL. */
  target: string;
  port?: number;
  /** How long a new Fargate profile stays CREATING. */
  creatingDelayMs?: number;
  /** How long a deleted Fargate profile stays DELETING before it is really deleted. */
  deletingDelayMs?: number;
  faults?: FaultRule[];
  /** Seed of the generator behind `rate` faults and latency (default 1). */
  seed?: number;
  /** Latency added to every AWS call before it is handled, drawn evenly from [min, max] ms. */
  latencyMs?: { min: number; max: number };
}

/** One request the proxy answered. `status` is 0 and `endedAt` 0 while it is in flight. */
export interface ProxyCall {
  seq: number;
  service: string;
  operation: string;
  method: string;
  path: string;
  status: number;
  startedAt: number;
  endedAt: number;
  /** True when the operation changes AWS state. */
  write: boolean;
  /** The access key that signed the request (which client made it). */
  accessKeyId?: string;
  /** The IAM role, OIDC provider, EKS cluster or `cluster/profile` the call names, if any. */
  target?: string;
  /** The fault injected into this call, if any. */
  injected?: string;
  /** Tag keys the request puts on what it creates or tags (`aws:RequestTag/<key>` to IAM), when it has some. */
  tagKeys?: string[];
}

/** A running proxy, controlled in process. */
export interface EksProxy {
  url: string;
  port: number;
  /** Every call so far, in arrival order. */
  calls: ProxyCall[];
  /** Changes delays or faults for the calls that follow; new `faults` restart their counts. */
  configure(opts: Partial<Omit<EksProxyOptions, 'target' | 'port'>>): void;
  clearCalls(): void;
  /**
   * The state EKS would show now for a profile when it differs from moto's (CREATING or DELETING):
   * what the Fargate scheduler stand-in, which reads moto directly, lays over moto's answer.
   */
  profileStatus(region: string, cluster: string, profile: string): TransitionStatus | undefined;
  stop(): Promise<void>;
}

/** The same control from another process (a Jest worker when the proxy runs in global setup). */
export interface EksProxyRemote {
  calls(): Promise<ProxyCall[]>;
  configure(opts: Partial<Omit<EksProxyOptions, 'target' | 'port'>>): Promise<void>;
  clearCalls(): Promise<void>;
}

/** Path prefix of the control API; no AWS API uses it. */
const CONTROL_PREFIX = '/__eks-proxy/';

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Settings {
  creatingDelayMs: number;
  deletingDelayMs: number;
  seed: number;
  faults: FaultRule[];
  latencyMs?: { min: number; max: number } | undefined;
}

/** The access key ID in a SigV4 `Authorization` header. */
function accessKeyIdOf(headers: IncomingHttpHeaders): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(headers.authorization ?? '')?.[1];
}

/**
 * A lost response: the call has taken effect, but nothing of the answer reaches the client, which
 * sees its connection reset (the SDK retries it as a transient network error).
 */
function loseResponse(res: ServerResponse): void {
  res.writeHead = (() => res) as unknown as ServerResponse['writeHead'];
  res.write = (() => true) as unknown as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    res.socket?.resetAndDestroy();
    const done = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return res;
  }) as unknown as ServerResponse['end'];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, response: ProxyResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/**
 * Answers a REST JSON (EKS) call with moto's response, optionally with `fargateProfile.status`
 * rewritten, and a refusal by moto's IAM enforcement in EKS's error shape.
 */
function sendUpstream(res: ServerResponse, upstream: Upstream, status?: TransitionStatus, tagsOf?: (arn: string) => Record<string, string> | undefined): void {
  const refused = restJsonAuthError(upstream.status, upstream.body.toString('utf8'));
  if (refused) return send(res, refused);
  let body = upstream.body;
  if (status !== undefined || tagsOf !== undefined) {
    const document = JSON.parse(body.toString('utf8')) as { fargateProfile?: { status?: string; fargateProfileArn?: string; tags?: Record<string, string> } };
    const profile = document.fargateProfile;
    if (profile && status !== undefined) profile.status = status;
    const added = profile?.fargateProfileArn ? tagsOf?.(profile.fargateProfileArn) : undefined;
    if (profile && added) profile.tags = { ...profile.tags, ...added };
    body = Buffer.from(JSON.stringify(document));
  }
  const headers: OutgoingHttpHeaders = { ...upstream.headers, 'content-length': body.length };
  delete headers['transfer-encoding'];
  res.writeHead(upstream.status, headers);
  res.end(body);
}

/**
 * Starts the EKS behaviour proxy in front of moto. Every request is forwarded unchanged (headers,
 * host and body as the SDK signed them) except where real EKS differs from moto:
 * - a created Fargate profile shows CREATING for `creatingDelayMs`;
 * - a deleted one shows DELETING for `deletingDelayMs`: the proxy answers the delete itself and
 *   runs the real delete against moto when the delay is over;
 * - while a profile of a cluster is CREATING or DELETING, another profile create or delete on that
 *   cluster gets HTTP 409 `ResourceInUseException` with EKS's message;
 * - calls matching a fault rule get a throttling or server error in the service's wire shape, or
 *   (`hang`) no answer at all;
 * - TagResource on a Fargate profile (EKS tags profiles; moto tags only clusters) is answered by
 *   the proxy, which keeps the tags and adds them to DescribeFargateProfile's answers until the
 *   profile is deleted (moto's IAM enforcement does not see these calls);
 * - a REST JSON call refused by moto's IAM enforcement (which answers in IAM's XML shape) gets
 *   EKS's `AccessDeniedException` (or `UnrecognizedClientException`, `InvalidSignatureException`).
 * The proxy signs nothing itself: with moto's IAM enforcement on, keep `deletingDelayMs` at 0, as
 * a held delete is first described with the DELETE request's signature, which moto refuses.
 * Every call is recorded in `calls`, and can be read and steered over HTTP under `/__eks-proxy/`.
 */
export async function startEksProxy(opts: EksProxyOptions): Promise<EksProxy> {
  const target = new URL(opts.target);
  const settings: Settings = {
    creatingDelayMs: opts.creatingDelayMs ?? 0,
    deletingDelayMs: opts.deletingDelayMs ?? 0,
    seed: opts.seed ?? 1,
    faults: opts.faults ?? [],
    latencyMs: opts.latencyMs,
  };
  let schedule = new FaultSchedule(settings.faults, settings.seed);
  let latencyRandom = seededRandom(settings.seed + 1);
  const lifecycle = new ProfileLifecycle();
  /** Tags added to Fargate profiles with TagResource, by profile ARN (moto tags clusters only). */
  const profileTags = new Map<string, Record<string, string>>();

  /** EKS TagResource on a Fargate profile: kept here and shown by DescribeFargateProfile. */
  function tagProfile(res: ServerResponse, arn: string, body: Buffer): void {
    const tags = (JSON.parse(body.toString('utf8') || '{}') as { tags?: Record<string, string> }).tags ?? {};
    profileTags.set(arn, { ...profileTags.get(arn), ...tags });
    send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
  }
  /**
   * Answers to CreateFargateProfile by `<region>/<cluster>/<clientRequestToken>`, while the profile
   * exists: a retry with the same token and parameters gets the same answer instead of
   * ResourceInUseException (moto ignores the token).
   */
  const createsByToken = new Map<string, { profile: string; request: string; upstream: Upstream }>();
  const calls: ProxyCall[] = [];
  const heldDeletes = new Set<NodeJS.Timeout>();
  /**
   * moto's description of each profile whose delete is held, by `<region>/<cluster>/<profile>`.
   * Until the held delete's answer is back and the cluster released, the profile is shown
   * DELETING even when moto has already dropped it: moto answers other requests on other threads,
   * and a client told "gone" before the release would find the cluster still busy. On EKS the
   * profile vanishes and the cluster frees up in one step.
   */
  const heldProfiles = new Map<string, Upstream>();
  let seq = 0;

  function forward(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        response.once('error', reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }

  /** Forwards the request and streams moto's answer back as it is. */
  function passThrough(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (response) => {
        res.writeHead(response.statusCode ?? 502, response.rawHeaders);
        response.pipe(res);
        response.once('end', resolve);
        response.once('error', reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }

  function configure(next: Partial<Omit<EksProxyOptions, 'target' | 'port'>>): void {
    if (next.creatingDelayMs !== undefined) settings.creatingDelayMs = next.creatingDelayMs;
    if (next.deletingDelayMs !== undefined) settings.deletingDelayMs = next.deletingDelayMs;
    if (next.seed !== undefined) settings.seed = next.seed;
    if (next.faults !== undefined) settings.faults = next.faults;
    if ('latencyMs' in next) settings.latencyMs = next.latencyMs ?? undefined;
    if (next.faults !== undefined || next.seed !== undefined) {
      schedule = new FaultSchedule(settings.faults, settings.seed);
      latencyRandom = seededRandom(settings.seed + 1);
    }
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const what = `${req.method ?? 'GET'} ${(req.url ?? '').slice(CONTROL_PREFIX.length)}`;
    const json = (status: number, value: unknown) => send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    if (what === 'GET calls') return json(200, calls);
    if (what === 'DELETE calls') {
      calls.length = 0;
      return json(200, {});
    }
    if (what === 'PUT config') {
      configure(JSON.parse(body.toString('utf8')) as Partial<EksProxyOptions>);
      return json(200, settings);
    }
    return json(404, { message: `unknown control request ${what}` });
  }

  /** The three Fargate profile calls whose answers EKS gives differently from moto. */
  async function handleProfileCall(req: IncomingMessage, res: ServerResponse, body: Buffer, id: RequestIdentity, cluster: string): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const clusterKey = `${id.region}/${cluster}`;
    const conflict = (action: 'create' | 'delete', profile: string): boolean => {
      const busy = lifecycle.inFlight(clusterKey, Date.now());
      if (!busy) return false;
      const error = resourceInUseError(action, profile, cluster, busy.profile, busy.status);
      send(res, errorResponse('rest-json', 'eks', error, { clusterName: cluster, fargateProfileName: profile }));
      return true;
    };

    if (id.operation === 'CreateFargateProfile') {
      const { clientRequestToken: token, ...parameters } = JSON.parse(body.toString('utf8') || '{}') as { fargateProfileName?: unknown; clientRequestToken?: string };
      const profile = String(parameters.fargateProfileName ?? '');
      const tokenKey = token ? `${clusterKey}/${token}` : undefined;
      const earlier = tokenKey ? createsByToken.get(tokenKey) : undefined;
      if (earlier) {
        if (earlier.request !== JSON.stringify(parameters)) return send(res, errorResponse('rest-json', 'eks', tokenReusedError(token!)));
        return sendUpstream(res, earlier.upstream, lifecycle.statusOf(clusterKey, profile, Date.now()));
      }
      if (conflict('create', profile)) return;
      // Reserve the cluster's lane before moto answers, so that a concurrent create is refused too.
      lifecycle.startCreating(clusterKey, profile, Number.POSITIVE_INFINITY);
      const upstream = await forward(method, path, req.headers, body).catch((error: unknown) => {
        lifecycle.release(clusterKey, profile);
        throw error;
      });
      if (upstream.status !== 200) {
        lifecycle.release(clusterKey, profile);
        return sendUpstream(res, upstream);
      }
      if (tokenKey) createsByToken.set(tokenKey, { profile, request: JSON.stringify(parameters), upstream });
      // EKS always answers a create with CREATING; with no delay the profile is ACTIVE at once.
      if (settings.creatingDelayMs > 0) lifecycle.startCreating(clusterKey, profile, Date.now() + settings.creatingDelayMs);
      else lifecycle.release(clusterKey, profile);
      return sendUpstream(res, upstream, 'CREATING');
    }

    const profile = id.eks?.profile ?? '';
    if (id.operation === 'DescribeFargateProfile') {
      const upstream = await forward(method, path, req.headers, body);
      const held = heldProfiles.get(`${clusterKey}/${profile}`);
      if (upstream.status === 404 && held) return sendUpstream(res, held, 'DELETING');
      const status = upstream.status === 200 ? lifecycle.statusOf(clusterKey, profile, Date.now()) : undefined;
      return sendUpstream(res, upstream, status, upstream.status === 200 ? (arn) => profileTags.get(arn) : undefined);
    }

    // DeleteFargateProfile
    if (conflict('delete', profile)) return;
    for (const arn of profileTags.keys()) if (arn.includes(`:fargateprofile/${cluster}/${profile}/`)) profileTags.delete(arn);
    for (const [key, created] of createsByToken) if (key.startsWith(`${clusterKey}/`) && created.profile === profile) createsByToken.delete(key);
    if (settings.deletingDelayMs <= 0) {
      // Deleted at once, but answered with DELETING as EKS does.
      const upstream = await forward(method, path, req.headers, body);
      return sendUpstream(res, upstream, upstream.status === 200 ? 'DELETING' : undefined);
    }
    lifecycle.startDeleting(clusterKey, profile);
    // Answer from moto's view of the profile (404 if it has none), then hold the real delete.
    const { 'content-length': _length, 'content-type': _type, 'transfer-encoding': _encoding, ...headers } = req.headers;
    const described = await forward('GET', path, headers, Buffer.alloc(0)).catch((error: unknown) => {
      lifecycle.release(clusterKey, profile);
      throw error;
    });
    if (described.status !== 200) {
      lifecycle.release(clusterKey, profile);
      return sendUpstream(res, described);
    }
    heldProfiles.set(`${clusterKey}/${profile}`, described);
    const timer = setTimeout(() => {
      heldDeletes.delete(timer);
      forward(method, path, req.headers, body)
        .catch((error: unknown) => console.error(`[eks-proxy] held DeleteFargateProfile ${cluster}/${profile} failed: ${String(error)}`))
        .finally(() => {
          heldProfiles.delete(`${clusterKey}/${profile}`);
          lifecycle.release(clusterKey, profile);
        });
    }, settings.deletingDelayMs);
    heldDeletes.add(timer);
    return sendUpstream(res, described, 'DELETING');
  }

  /** moto's list of a cluster's profiles, with those whose delete is held (still DELETING) on its last page. */
  function listProfiles(res: ServerResponse, upstream: Upstream, heldPrefix: string): void {
    const held = [...heldProfiles.keys()].filter((key) => key.startsWith(heldPrefix)).map((key) => key.slice(heldPrefix.length));
    if (upstream.status !== 200 || held.length === 0) return sendUpstream(res, upstream);
    const document = JSON.parse(upstream.body.toString('utf8')) as { fargateProfileNames?: string[]; nextToken?: string | null };
    if (document.nextToken) return sendUpstream(res, upstream);
    const names = document.fargateProfileNames ?? [];
    document.fargateProfileNames = [...names, ...held.filter((name) => !names.includes(name))];
    sendUpstream(res, { ...upstream, body: Buffer.from(JSON.stringify(document)) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if ((req.url ?? '').startsWith(CONTROL_PREFIX)) return handleControl(req, res, body);

    const method = req.method ?? 'GET';
    const id = identifyRequest({ method, url: req.url ?? '/', headers: req.headers, body });
    const write = isWriteOperation(id.operation);
    const call: ProxyCall = { seq: ++seq, service: id.service, operation: id.operation, method, path: req.url ?? '/', status: 0, startedAt: Date.now(), endedAt: 0, write };
    const accessKeyId = accessKeyIdOf(req.headers);
    if (accessKeyId) call.accessKeyId = accessKeyId;
    const target = requestTarget({ method, url: req.url ?? '/', headers: req.headers, body }, id);
    if (target !== undefined) call.target = target;
    const tagKeys = requestTagKeys({ method, url: req.url ?? '/', headers: req.headers, body });
    if (tagKeys.length > 0) call.tagKeys = tagKeys;
    calls.push(call);
    res.once('close', () => {
      call.status = res.statusCode;
      call.endedAt = Date.now();
    });

    const fault = schedule.decide({ service: id.service, operation: id.operation, request: `${req.url ?? '/'}\n${body.toString('utf8')}`, write });
    const latency = settings.latencyMs;
    if (latency && latency.max > 0) await new Promise((resolve) => setTimeout(resolve, latency.min + latencyRandom() * (latency.max - latency.min)));
    if (fault) call.injected = fault.kind;
    // Never answered: the client's deadline ends it (stop() closes what is left).
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'throttle' || fault?.kind === 'server-error') return send(res, errorResponse(id.protocol, id.service, faultError(fault.kind, id.protocol, id.service)));
    if (fault?.kind === 'lost-response') loseResponse(res);
    const victim = fault?.kind === 'crash-after' ? fault.killProcessGroup : undefined;
    if (victim !== undefined) {
      res.once('finish', () => {
        try {
          process.kill(-victim, 'SIGKILL');
        } catch (error) {
          console.error(`[eks-proxy] crash-after could not kill process group ${victim}: ${String(error)}`);
        }
      });
    }
    const cluster = id.eks?.cluster;
    if (cluster !== undefined && id.eks?.operation.endsWith('FargateProfile')) return handleProfileCall(req, res, body, id, cluster);
    const taggedArn = id.eks?.operation === 'TagResource' ? decodeURIComponent((req.url ?? '').split('?')[0]!.slice('/tags/'.length)) : '';
    if (taggedArn.includes(':fargateprofile/')) return tagProfile(res, taggedArn, body);
    if (cluster !== undefined && id.eks?.operation === 'ListFargateProfiles') return listProfiles(res, await forward(method, req.url ?? '/', req.headers, body), `${id.region}/${cluster}/`);
    if (id.service === 'eks' && id.protocol === 'rest-json') return sendUpstream(res, await forward(method, req.url ?? '/', req.headers, body));
    return passThrough(req, res, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The proxy's own failure (moto unreachable): a 502 the SDK treats as transient.
      if (!res.headersSent) send(res, { status: 502, headers: { 'content-type': 'text/plain' }, body: `eks-proxy: ${String(error)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    calls,
    configure,
    clearCalls: () => {
      calls.length = 0;
    },
    profileStatus: (region, cluster, profile) => lifecycle.statusOf(`${region}/${cluster}`, profile, Date.now()),
    stop: async () => {
      // Held deletes are dropped: moto goes away with the environment.
      for (const timer of heldDeletes) clearTimeout(timer);
      heldDeletes.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Controls a proxy started by another process through its HTTP control API. */
export function eksProxyRemote(url: string): EksProxyRemote {
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${CONTROL_PREFIX}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`eks-proxy control ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    calls: async () => (await control('GET', 'calls')) as ProxyCall[],
    configure: async (opts) => void (await control('PUT', 'config', opts)),
    clearCalls: async () => void (await control('DELETE', 'calls')),
  };
}
