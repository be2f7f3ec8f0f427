/**
 * The one check every AWS and Kubernetes write of the controllers passes right before it is sent
 * (src/aws/clients.ts, src/kube/api-clients.ts): with leader election, only a leader within its
 * renew deadline writes. The Lease's own reads and writes do not pass it.
 */
import type { ClientRequest, Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** Throws {@link WriteRefusedError} when the write `what` (e.g. `eks:CreateFargateProfile`) may not be sent now. */
export type WriteGate = (what: string) => void;

/** A write this process refused to send. */
export class WriteRefusedError extends Error {
  override readonly name = 'WriteRefused';

  constructor(what: string, reason: string) {
    super(`refused to send ${what}: ${reason}`);
  }
}

/** A gate that lets every write through (no leader election: a single replica). */
export const openWriteGate: WriteGate = () => {};

/** A gate that refuses a write whenever `refusal()` gives a reason. */
export function refusingWriteGate(refusal: () => string | undefined): WriteGate {
  return (what) => {
    const reason = refusal();
    if (reason !== undefined) throw new WriteRefusedError(what, reason);
  };
}

/** Node's agent hook, which the http.Agent type does not declare: it may hand the socket over later through `onCreate`. */
type ConnectingAgent = Omit<HttpAgent, 'createConnection'> & {
  createConnection(options: object, onCreate: (error: Error | null, socket?: Socket) => void): Socket | undefined;
};

/**
 * Makes the agent hand a new connection to its request only once it is up (TLS handshake
 * included) and the check `checkFor()` gives for it, asked then, lets it through: a request's
 * bytes are written when it gets its socket, so a process paused while connecting does not send
 * a write when it resumes past its deadline. `checkFor` is asked when the connection is made, and
 * gives undefined for a request that is not gated. A refused connection is closed and its request
 * fails with the refusal.
 */
export function checkNewConnections(agent: HttpAgent, checkFor: () => (() => void) | undefined): void {
  const connecting = agent as unknown as ConnectingAgent;
  const connect = connecting.createConnection.bind(agent);
  connecting.createConnection = (options, onCreate) => {
    const check = checkFor();
    if (!check) return connect(options, onCreate);
    const socket = connect(options, () => {}) as Socket;
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.off('error', settle);
      if (!error) return onCreate(null, socket);
      socket.destroy();
      onCreate(error);
    };
    socket.once('error', settle);
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      try {
        check();
        settle(null);
      } catch (error) {
        settle(error as Error);
      }
    });
    return undefined;
  };
}

/** Node's agent entry point for a request, which the http.Agent type does not declare. */
type RequestAddingAgent = HttpAgent & { addRequest(request: ClientRequest, options: { headers?: object }): void };

/**
 * Makes every request through `agent` for which `checkFor` gives a check pass it again where the
 * request meets its socket, the last moment before its bytes are written: a process paused
 * between the write gate's first check and the wire (a GC pause, a starved CPU, SIGSTOP) sends
 * nothing stale when it resumes. A kept-alive socket is checked when it is handed to the request
 * ('socket' is emitted right before the request is flushed to it; the body follows in the same
 * tick queue); a new connection once it is up (checkNewConnections); a socket still connecting,
 * before its pending write. A refusal destroys the request with the refusal, so nothing is sent.
 */
export function checkEachRequest(agent: HttpAgent, checkFor: (request: ClientRequest, options: { headers?: object }) => (() => void) | undefined): void {
  const adding = agent as unknown as RequestAddingAgent;
  const addRequest = adding.addRequest.bind(agent);
  // The check of the request being added: a new connection made for it is made within addRequest.
  let checkOfRequestBeingAdded: (() => void) | undefined;
  checkNewConnections(agent, () => checkOfRequestBeingAdded);
  adding.addRequest = (request, options) => {
    const check = checkFor(request, options);
    if (check) {
      request.once('socket', (socket: Socket) => {
        const verify = (): void => {
          try {
            check();
          } catch (error) {
            request.destroy(error as Error);
          }
        };
        if (socket.connecting) socket.prependOnceListener('connect', verify);
        else if (request.reusedSocket) verify();
      });
    }
    checkOfRequestBeingAdded = check;
    try {
      addRequest(request, options);
    } finally {
      checkOfRequestBeingAdded = undefined;
    }
  };
}
