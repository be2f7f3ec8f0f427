/**
 * Kept-alive connections to the API server. client-node makes a new https.Agent for every request
 * (KubeConfig.applySecurityAuthentication), so every request paid a TCP and TLS handshake: most
 * of the operator's CPU at scale. The pool hands out one agent per TLS identity (CA, client
 * certificate and key, verification settings) and per purpose: reads, and writes, whose new
 * connections pass the write gate once they are up (write-gate.ts). Credentials that change (a
 * rotated client certificate) make a new agent; the old one is closed.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { checkNewConnections, type WriteGate } from '../controller/write-gate.js';

/** The TLS settings of an agent that decide which connections it may share (pure). */
export function tlsIdentity(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase, String(options.rejectUnauthorized), options.servername]) {
    const values = Array.isArray(part) ? part : [part];
    for (const value of values) hash.update(value === undefined ? '\u0000' : typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).update('\u0001');
  }
  return hash.digest('hex');
}

/** Agents shared by every request of one client configuration. */
export class KubeAgentPool {
  private identity: string | undefined;
  private agents: { read: HttpsAgent; write: HttpsAgent } | undefined;

  constructor(private readonly gate?: WriteGate) {}

  /**
   * The shared agent to use instead of the one client-node made for this request; undefined when
   * that one is not a plain https.Agent (a proxy agent: used as made).
   */
  agentFor(made: unknown, write: boolean): HttpsAgent | undefined {
    if (!(made instanceof HttpsAgent) || made.constructor !== HttpsAgent) return undefined;
    const options = (made as HttpsAgent & { options: AgentOptions }).options;
    const identity = tlsIdentity(options);
    if (identity !== this.identity || !this.agents) {
      this.destroy();
      const tls: AgentOptions = { ...options, keepAlive: true };
      const writeAgent = new HttpsAgent(tls);
      const gate = this.gate;
      // A write's connection is checked again once up: a process paused while connecting sends nothing stale.
      if (gate) checkNewConnections(writeAgent, () => () => gate('a new connection for Kubernetes writes'));
      this.agents = { read: new HttpsAgent(tls), write: writeAgent };
      this.identity = identity;
    }
    return write ? this.agents.write : this.agents.read;
  }

  /** Closes the pooled connections. */
  destroy(): void {
    this.agents?.read.destroy();
    this.agents?.write.destroy();
    this.agents = undefined;
    this.identity = undefined;
  }
}
