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
 * fails with the refusal. `onChecked` is told of each socket that passed. Agents that hand their
 * socket over through the callback (HTTP proxy agents, after the CONNECT) are checked when they do.
 */
export function checkNewConnections(agent: HttpAgent, checkFor: () => (() => void) | undefined, onChecked?: (socket: Socket) => void): void {
  const connecting = agent as unknown as ConnectingAgent;
  const connect = connecting.createConnection.bind(agent);
  connecting.createConnection = (options, onCreate) => {
    const check = checkFor();
    if (!check) return connect(options, onCreate);
    let settled = false;
    const settle = (socket: Socket, error: Error | null): void => {
      if (settled) return;
      settled = true;
      if (!error) {
        onChecked?.(socket);
        return onCreate(null, socket);
      }
      socket.destroy();
      onCreate(error);
    };
    const checked = (socket: Socket): void => {
      try {
        check();
        settle(socket, null);
      } catch (error) {
        settle(socket, error as Error);
      }
    };
    // Read only in a later tick, once assigned, even when the agent calls back synchronously.
    const returned = connect(options, (error?: Error | null, delivered?: Socket) => {
      // A plain agent returns its socket and calls this as a connect listener: handled below.
      // A callback agent delivers the socket here, later, once its tunnel is up.
      process.nextTick(() => {
        if (returned || settled) return;
        if (error || !delivered) {
          settled = true;
          onCreate(error ?? new Error('the agent gave no socket'));
          return;
        }
        checked(delivered);
      });
    }) as Socket | undefined;
    if (!returned) return undefined;
    const socket = returned;
    const failed = (error: Error): void => settle(socket, error);
    socket.once('error', failed);
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      socket.off('error', failed);
      checked(socket);
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
 * nothing stale when it resumes. A new connection is checked once it is up (checkNewConnections);
 * any other socket when it is handed to the request ('socket' is emitted right before the request
 * is flushed to it; the body follows in the same tick queue): a kept-alive one, one freed for a
 * queued request, one a proxy agent made; a socket still connecting, before its pending write. A
 * refusal destroys the request with the refusal, so nothing is sent.
 */
export function checkEachRequest(agent: HttpAgent, checkFor: (request: ClientRequest, options: { headers?: object }) => (() => void) | undefined): void {
  const adding = agent as unknown as RequestAddingAgent;
  const addRequest = adding.addRequest.bind(agent);
  // The check of the request being added: a new connection made for it is made within addRequest.
  let checkOfRequestBeingAdded: (() => void) | undefined;
  // Sockets checked once up, just before their request gets them: not asked again for that request.
  const checkedOnConnect = new WeakSet<Socket>();
  checkNewConnections(agent, () => checkOfRequestBeingAdded, (socket) => checkedOnConnect.add(socket));
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
        // Every other way a request gets a socket is checked here: a kept-alive socket taken at
        // once or freed for a queued request, and a socket a proxy agent made asynchronously.
        if (socket.connecting) socket.prependOnceListener('connect', verify);
        else if (checkedOnConnect.has(socket)) checkedOnConnect.delete(socket);
        else verify();
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
