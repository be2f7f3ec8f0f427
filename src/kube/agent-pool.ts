/**
 * Kept-alive connections to the API server. client-node makes a new https.Agent for every request
 * (KubeConfig.applySecurityAuthentication), so every request paid a TCP and TLS handshake: most
 * of the operator's CPU at scale. The pool hands out one agent per TLS identity (CA, client
 * certificate and key, verification settings) and per purpose: reads, and writes, each of which
 * passes the write gate again where it meets its socket (write-gate.ts). Credentials that change (a
 * rotated client certificate) make a new agent; the old one's sockets finish their requests.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { checkEachRequest, type WriteGate } from '../controller/write-gate.js';

/** The TLS settings of an agent that decide which connections it may share (pure). */
export function tlsIdentity(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase, String(options.rejectUnauthorized), options.servername]) {
    const values = Array.isArray(part) ? part : [part];
    for (const value of values) hash.update(value === undefined ? '\u0000' : typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).update('\u0001');
  }
  return hash.digest('hex');
}

/**
 * A kept-alive socket idle this long is closed: below kube-apiserver's idle close (about 90 s),
 * so a request is not sent on a socket the server is closing, and a socket to an endpoint that
 * went away is not kept.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 60_000;

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
      // The old agents are dropped, not destroyed: requests on their sockets finish, and their
      // idle sockets close at the idle timeout.
      const tls: AgentOptions = { ...options, keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS };
      const writeAgent = new HttpsAgent(tls);
      const gate = this.gate;
      // Each write is asked again where it meets its socket, kept-alive or new: a process paused
      // after the client's check sends nothing stale when it resumes.
      if (gate) checkEachRequest(writeAgent, (request) => () => gate(`${request.method} ${request.path.split('?')[0]}`));
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
