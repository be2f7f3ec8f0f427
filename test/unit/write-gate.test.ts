/**
 * The write gate where the operator's clients send requests: an AWS write or a Kubernetes write it
 * refuses never reaches the server (a local HTTP server counts what arrives), reads always pass,
 * an AWS retry is asked again, and every Kubernetes request carries the process's User-Agent.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFargateProfileCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createAwsClients } from '../../src/aws/clients.js';
import { checkEachRequest, checkNewConnections, refusingWriteGate, WriteRefusedError, type WriteGate } from '../../src/controller/write-gate.js';
import { isKubeWriteMethod, makeKubeApiClient, makeKubeObjectsClient } from '../../src/kube/api-clients.js';
import { createClusterPki } from '../../scripts/dev-env/pki.js';

interface Received {
  method: string;
  url: string;
  userAgent: string;
}

/** A local server answering every request with `status` and a JSON body, recording what arrived. */
async function startServer(status: () => number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', userAgent: req.headers['user-agent'] ?? '' });
      res.writeHead(status(), { 'content-type': 'application/json' });
      // /api/v1 is the discovery the object client reads first; anything else gets an object.
      const body = req.url === '/api/v1' ? { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false }] } : { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' }, cluster: { name: 'c' } };
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A gate that refuses from the `openFor`+1-th question on, counting the questions. */
function countingGate(openFor: number): { gate: WriteGate; asked: string[] } {
  const asked: string[] = [];
  const gate = refusingWriteGate(() => (asked.length <= openFor ? undefined : 'the lease was lost'));
  return { asked, gate: (what) => (asked.push(what), gate(what)) };
}

/** A kubeconfig for `server` with a token (client-node sends plain HTTP only with skipTLSVerify). */
function kubeConfig(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

describe('the AWS write gate', () => {
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

  it('refuses a write before it is sent and lets reads through', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    const { gate, asked } = countingGate(0);
    const clients = createAwsClients({ region: 'us-east-1', endpoint: url, credentials, writeGate: gate });
    try {
      const write = clients.eks.send(new CreateFargateProfileCommand({ clusterName: 'c', fargateProfileName: 'p', podExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' }));
      await expect(write).rejects.toThrow(new WriteRefusedError('eks:CreateFargateProfile', 'the lease was lost'));
      await expect(write).rejects.toMatchObject({ name: 'WriteRefused' });
      await clients.eks.send(new DescribeClusterCommand({ name: 'c' }));
      expect(asked).toEqual(['eks:CreateFargateProfile']);
      expect(received.map((r) => r.method + ' ' + r.url)).toEqual(['GET /clusters/c']);
    } finally {
      clients.destroy();
    }
  });

  it.each([
    ['on a new connection', false],
    ['on a kept-alive connection', true],
  ])('asks again where the request meets its socket (%s), and sends nothing when refused then', async (_case, warm) => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    const { gate, asked } = countingGate(1);
    const clients = createAwsClients({ region: 'us-east-1', endpoint: url, credentials, writeGate: gate });
    try {
      if (warm) await clients.eks.send(new DescribeClusterCommand({ name: 'c' }));
      const write = clients.eks.send(new CreateFargateProfileCommand({ clusterName: 'c', fargateProfileName: 'p', podExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' }));
      await expect(write).rejects.toThrow(new WriteRefusedError('eks:CreateFargateProfile', 'the lease was lost'));
      expect(asked).toEqual(['eks:CreateFargateProfile', 'eks:CreateFargateProfile']);
      expect(received.map((r) => r.method)).toEqual(warm ? ['GET'] : []);
    } finally {
      clients.destroy();
    }
  });

  it('asks again before each retry: a write refused after its first attempt is not sent again', async () => {
    const { server, url, received } = await startServer(() => 503);
    servers.push(server);
    // The first attempt is asked twice (before the handler, at its socket) and goes; the retry is refused.
    const { gate, asked } = countingGate(2);
    const clients = createAwsClients({ region: 'us-east-1', endpoint: url, credentials, writeGate: gate, maxAttempts: 3 });
    try {
      const write = clients.eks.send(new CreateFargateProfileCommand({ clusterName: 'c', fargateProfileName: 'p', podExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' }));
      await expect(write).rejects.toMatchObject({ name: 'WriteRefused' });
      expect(asked).toHaveLength(3);
      expect(received).toHaveLength(1);
    } finally {
      clients.destroy();
    }
  });
});

describe('the Kubernetes write gate', () => {
  it('knows which methods write', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'patch'].every(isKubeWriteMethod)).toBe(true);
    expect(['GET', 'HEAD', 'OPTIONS'].some(isKubeWriteMethod)).toBe(false);
  });

  it('refuses a write before it is sent, lets reads through and sends the User-Agent', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    const { gate, asked } = countingGate(0);
    const core = makeKubeApiClient(kubeConfig(url), CoreV1Api, { userAgent: 'eks-fargate-operator (a)', writeGate: gate });
    await expect(core.createNamespace({ body: { metadata: { name: 'x' } } })).rejects.toThrow(new WriteRefusedError('POST /api/v1/namespaces', 'the lease was lost'));
    await core.readNamespace({ name: 'x' });
    expect(asked).toEqual(['POST /api/v1/namespaces']);
    expect(received).toEqual([{ method: 'GET', url: '/api/v1/namespaces/x', userAgent: 'eks-fargate-operator (a)' }]);
  });

  it('asks again once the connection is up, and sends nothing when refused then', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    let connections = 0;
    server.on('connection', () => connections++);
    const { gate, asked } = countingGate(1);
    const objects = makeKubeObjectsClient(kubeConfig(url), { userAgent: 'eks-fargate-operator (a)', writeGate: gate });
    const patch = objects.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    await expect(patch).rejects.toThrow(/refused to send PATCH \/api\/v1\/namespaces\/x: the lease was lost/);
    expect(asked).toEqual(['PATCH /api/v1/namespaces/x', 'PATCH /api/v1/namespaces/x']);
    // One connection for the discovery read the object client makes first, one for the patch:
    // opened, then closed with nothing sent on it.
    expect(connections).toBe(2);
    expect(received.map((r) => r.method)).toEqual(['GET']);
  });

  it('gates nothing without a gate (the Lease client)', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    const core = makeKubeApiClient(kubeConfig(url), CoreV1Api, { userAgent: 'eks-fargate-operator (a)' });
    await core.createNamespace({ body: { metadata: { name: 'x' } } });
    expect(received.map((r) => `${r.method} ${r.userAgent}`)).toEqual(['POST eks-fargate-operator (a)']);
  });
});

/** A local HTTPS server with the test PKI's serving certificate, counting connections and recording `METHOD url` of each request; removed after `body`. */
async function withTlsServer(status: number, responseBody: string, body: (server: { url: string; caCert: Buffer; received: string[]; connections: () => number }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'write-gate-pki-'));
  try {
    const pki = await createClusterPki(dir);
    const received: string[] = [];
    let connections = 0;
    const server = createHttpsServer({ cert: readFileSync(pki.servingCert), key: readFileSync(pki.servingKey) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(`${req.method} ${req.url}`);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(responseBody);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server as unknown as Server);
    await body({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caCert: readFileSync(pki.caCert), received, connections: () => connections });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('checkNewConnections', () => {
  /** Sends one POST through `agent`; resolves with its status, or rejects with the request's error. */
  function post(url: string, agent: HttpsAgent): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(url, { method: 'POST', agent }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{}');
    });
  }

  it('hands a TLS connection over only after the handshake and the check, and sends nothing when refused', async () => {
    await withTlsServer(200, '', async ({ url, caCert, received, connections }) => {
      const refused = new HttpsAgent({ ca: caCert });
      const handshakes: boolean[] = [];
      checkNewConnections(refused, () => () => {
        handshakes.push(true);
        throw new WriteRefusedError('POST /', 'the lease was lost');
      });
      await expect(post(`${url}/`, refused)).rejects.toThrow('refused to send POST /: the lease was lost');
      // The connection was made (the check ran after its handshake), no request followed it.
      expect({ handshakes: handshakes.length, connections: connections(), received }).toEqual({ handshakes: 1, connections: 1, received: [] });
      const allowed = new HttpsAgent({ ca: caCert });
      checkNewConnections(allowed, () => () => {});
      expect(await post(`${url}/`, allowed)).toBe(200);
      expect({ connections: connections(), received }).toEqual({ connections: 2, received: ['POST /'] });
    });
  });
});

describe('checkEachRequest (the Kubernetes write clients, kept-alive connections)', () => {
  it('asks again where a write meets a kept-alive connection, and sends nothing when refused then', async () => {
    const namespace = JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' } });
    await withTlsServer(201, namespace, async ({ url, received, connections }) => {
      // The first write is asked twice (by the client, when its connection is up); the second is
      // allowed by the client, then refused on the kept-alive connection: a process paused in between.
      const { gate, asked } = countingGate(3);
      const core = makeKubeApiClient(kubeConfig(url), CoreV1Api, { userAgent: 'eks-fargate-operator (a)', writeGate: gate });
      await core.createNamespace({ body: { metadata: { name: 'first' } } });
      await expect(core.createNamespace({ body: { metadata: { name: 'second' } } })).rejects.toThrow(/refused to send POST \/api\/v1\/namespaces: the lease was lost/);
      expect(asked).toEqual(['POST /api/v1/namespaces', 'POST /api/v1/namespaces', 'POST /api/v1/namespaces', 'POST /api/v1/namespaces']);
      expect({ connections: connections(), received }).toEqual({ connections: 1, received: ['POST /api/v1/namespaces'] });
    });
  });
});

describe('checkEachRequest (every way a request gets a socket)', () => {
  /** A POST through `agent`; resolves with its status, or rejects with the request's error. */
  function post(url: string, agent: HttpAgent): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { method: 'POST', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end('{}');
    });
  }

  it('asks again for a queued request handed a socket another request freed', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const asked: number[] = [];
    // The first request is asked once its connection is up; the second on the kept-alive socket;
    // the third waits for that socket (one at most) and is asked when the second frees it.
    checkEachRequest(agent, () => () => {
      asked.push(asked.length + 1);
      if (asked.length > 2) throw new WriteRefusedError('POST /', 'the lease was lost');
    });
    expect(await post(`${url}/warm`, agent)).toBe(200);
    const results = await Promise.allSettled([post(`${url}/reused`, agent), post(`${url}/queued`, agent)]);
    agent.destroy();
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(asked).toEqual([1, 2, 3]);
    expect(received.map((r) => r.url)).toEqual(['/warm', '/reused']);
  });

  it('checks a socket an agent hands over through its callback (a proxy agent), and does not break it', async () => {
    const { server, url, received } = await startServer(() => 200);
    servers.push(server);
    /** Like an HTTP proxy agent: the socket comes through the callback once the tunnel is up. */
    class CallbackAgent extends HttpAgent {
      override createConnection(options: { port?: number | string | null; host?: string | null }, onCreate?: (error: Error | null, socket: Socket) => void): undefined {
        const socket = netConnect(Number(options.port), options.host ?? '127.0.0.1');
        socket.once('connect', () => onCreate?.(null, socket));
        socket.once('error', (error) => onCreate?.(error, socket));
        return undefined;
      }
    }
    let refuse = true;
    const agent = new CallbackAgent();
    checkEachRequest(agent, () => () => {
      if (refuse) throw new WriteRefusedError('POST /', 'the lease was lost');
    });
    await expect(post(`${url}/refused`, agent)).rejects.toThrow('refused to send POST /: the lease was lost');
    refuse = false;
    expect(await post(`${url}/allowed`, agent)).toBe(200);
    agent.destroy();
    expect(received.map((r) => r.url)).toEqual(['/allowed']);
  });
});
