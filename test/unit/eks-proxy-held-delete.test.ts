/**
 * The EKS proxy's held delete against a scripted upstream that plays moto answering on several
 * threads: it drops the profile at once but sends its answer to the DELETE later. Until that
 * answer is back the proxy must show the profile DELETING and keep the cluster busy, as EKS
 * frees the cluster in the same step as the profile vanishes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEksProxy, type EksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { waitFor } from '../support/wait-for.js';

const headers = { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc' };
const PROFILES = '/clusters/demo/fargate-profiles';

/** moto's view: profiles by name; a DELETE drops the profile and answers when `answerDelete` is called. */
function scriptedMoto() {
  const profiles = new Map<string, string>();
  let answerDelete: (() => void) | undefined;
  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const describe = (name: string) => ({ fargateProfile: { fargateProfileName: name, fargateProfileArn: `arn:aws:eks:us-east-1:123456789012:fargateprofile/demo/${name}/x`, status: 'ACTIVE' } });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === PROFILES) return json(res, 200, { fargateProfileNames: [...profiles.keys()], nextToken: null });
      if (req.method === 'POST' && url === PROFILES) {
        const name = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { fargateProfileName: string }).fargateProfileName;
        profiles.set(name, 'ACTIVE');
        return json(res, 200, describe(name));
      }
      const name = decodeURIComponent(url.slice(PROFILES.length + 1));
      if (!profiles.has(name)) return json(res, 404, { message: 'not found' });
      if (req.method === 'GET') return json(res, 200, describe(name));
      profiles.delete(name);
      answerDelete = () => json(res, 200, describe(name));
    });
  });
  return { server, profiles, answerDelete: () => answerDelete?.(), deleteReceived: () => answerDelete !== undefined };
}

describe('the EKS proxy holding a Fargate profile delete', () => {
  const moto = scriptedMoto();
  let proxy: EksProxy;

  beforeAll(async () => {
    await new Promise<void>((resolve) => moto.server.listen(0, '127.0.0.1', resolve));
    proxy = await startEksProxy({ target: `http://127.0.0.1:${(moto.server.address() as AddressInfo).port}`, deletingDelayMs: 20 });
  });

  afterAll(async () => {
    await proxy.stop();
    moto.server.closeAllConnections();
    await new Promise((resolve) => moto.server.close(resolve));
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${proxy.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as { fargateProfile?: { status?: string }; fargateProfileNames?: string[] } };
  };

  it('shows the profile DELETING and the cluster busy until moto has answered the delete, then neither', async () => {
    moto.profiles.set('old', 'ACTIVE');
    expect((await call('DELETE', `${PROFILES}/old`)).body.fargateProfile?.status).toBe('DELETING');
    await waitFor('the held delete sent to moto', () => moto.deleteReceived(), (received) => received, 5_000);
    // moto has dropped it, its answer is not back yet.
    expect(moto.profiles.has('old')).toBe(false);
    const described = await call('GET', `${PROFILES}/old`);
    expect([described.status, described.body.fargateProfile?.status]).toEqual([200, 'DELETING']);
    expect((await call('GET', PROFILES)).body.fargateProfileNames).toEqual(['old']);
    expect((await call('POST', PROFILES, { fargateProfileName: 'new' })).status).toBe(409);

    moto.answerDelete();
    await waitFor('the profile gone', async () => (await call('GET', `${PROFILES}/old`)).status, (status) => status === 404, 5_000);
    expect((await call('GET', PROFILES)).body.fargateProfileNames).toEqual([]);
    expect((await call('POST', PROFILES, { fargateProfileName: 'new' })).status).toBe(200);
  });
});
