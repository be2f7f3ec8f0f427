import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KubeAgentPool, tlsIdentity } from '../../src/kube/agent-pool.js';

describe('KubeAgentPool', () => {
  const made = (cert: string) => new HttpsAgent({ ca: Buffer.from('ca'), cert: Buffer.from(cert), key: Buffer.from('key') });

  it('hands every request of one TLS identity the same kept-alive agent, one for reads and one for writes', () => {
    const pool = new KubeAgentPool();
    const read = pool.agentFor(made('cert'), false);
    const write = pool.agentFor(made('cert'), true);
    expect(read).toBeInstanceOf(HttpsAgent);
    expect(pool.agentFor(made('cert'), false)).toBe(read);
    expect(pool.agentFor(made('cert'), true)).toBe(write);
    expect(write).not.toBe(read);
    expect((read as HttpsAgent & { keepAlive: boolean }).keepAlive).toBe(true);
    pool.destroy();
  });

  it('makes new agents when the credentials change (a rotated client certificate)', () => {
    const pool = new KubeAgentPool();
    const before = pool.agentFor(made('cert-1'), false);
    const after = pool.agentFor(made('cert-2'), false);
    expect(after).not.toBe(before);
    expect(tlsIdentity({ cert: Buffer.from('a') })).not.toBe(tlsIdentity({ cert: Buffer.from('b') }));
    expect(tlsIdentity({ cert: Buffer.from('a'), rejectUnauthorized: false })).not.toBe(tlsIdentity({ cert: Buffer.from('a') }));
    pool.destroy();
  });

  it('leaves an agent that is not a plain https.Agent (a proxy agent) as client-node made it', () => {
    class ProxyAgent extends HttpsAgent {}
    const pool = new KubeAgentPool();
    expect(pool.agentFor(new ProxyAgent(), false)).toBeUndefined();
    expect(pool.agentFor(new HttpAgent(), true)).toBeUndefined();
    expect(pool.agentFor(undefined, true)).toBeUndefined();
  });

  it('asks the write gate when the write agent opens a connection', () => {
    const asked: string[] = [];
    const pool = new KubeAgentPool((what) => {
      asked.push(what);
      throw new Error('refused');
    });
    const write = pool.agentFor(made('cert'), true) as HttpsAgent & { createConnection(options: object, onCreate: (error: Error | null) => void): unknown };
    const read = pool.agentFor(made('cert'), false) as HttpsAgent & { createConnection(options: object, onCreate: (error: Error | null) => void): unknown };
    // The hook wraps createConnection of the write agent only.
    expect(write.createConnection).not.toBe(read.createConnection);
    pool.destroy();
    expect(asked).toEqual([]);
  });
});
