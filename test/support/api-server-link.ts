/**
 * An HTTPS relay between a client under test (the operator) and kube-apiserver, for Kubernetes
 * fault tests. It ends TLS with the API server's own serving certificate, so it sees each request:
 * `freezeWatches()` makes every watch stream, open or opened later, go silent without an error
 * (what a stuck load balancer or NAT does to a long-lived stream) while lists and writes still
 * flow; `partition()` closes every connection and refuses new ones until `heal()`. It forwards
 * with the admin client certificate, whatever the client presented.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { writeKubeconfig } from '../../scripts/dev-env/kubeconfig.js';
import { LOOPBACK } from '../../scripts/dev-env/ports.js';

/** A running relay. */
export interface ApiServerLink {
  url: string;
  /** A kubeconfig (admin identity) whose server is this relay. */
  kubeconfigPath: string;
  /** Watch requests relayed so far. */
  readonly watches: number;
  /** Watch streams silenced so far (open at the freeze, or opened during it). */
  readonly frozenWatches: number;
  freezeWatches(): void;
  thawWatches(): void;
  partition(): void;
  heal(): void;
  stop(): Promise<void>;
}

/** Starts the relay in front of `apiServerUrl`, with the PKI of the control plane started in `planeDir`. */
export async function startApiServerLink(apiServerUrl: string, planeDir: string): Promise<ApiServerLink> {
  const pki = (file: string): Buffer => readFileSync(join(planeDir, 'pki', file));
  const upstream = new URL(apiServerUrl);
  const tls = { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') };
  const sockets = new Set<Socket>();
  /** Open watch streams that still speak: how to silence each. */
  const streams = new Set<() => void>();
  /** Silenced streams, by the response to their client. */
  const silenced = new Set<ServerResponse>();
  let frozen = false;
  let partitioned = false;
  let watches = 0;
  let frozenWatches = 0;

  const relay = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const isWatch = new URL(incoming.url ?? '/', 'https://link').searchParams.get('watch') === 'true';
    if (isWatch) watches++;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, host: upstream.host }, ...tls },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!isWatch) {
          answer.pipe(outgoing);
          return;
        }
        // A silenced stream stays open (headers sent, nothing more) until the client gives up on it.
        const silence = (): void => {
          frozenWatches++;
          answer.unpipe(outgoing);
          answer.pause();
          silenced.add(outgoing);
        };
        streams.add(silence);
        answer.once('close', () => streams.delete(silence));
        outgoing.once('close', () => {
          streams.delete(silence);
          silenced.delete(outgoing);
          answer.destroy();
        });
        if (frozen) silence();
        else answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  };

  const server: Server = createServer({ cert: pki('serving.crt'), key: pki('serving.key') }, relay);
  server.on('connection', (socket: Socket) => {
    if (partitioned) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const url = `https://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  const kubeconfigPath = join(planeDir, 'link.kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: url, caCertFile: join(planeDir, 'pki', 'ca.crt'), clientCertFile: join(planeDir, 'pki', 'admin.crt'), clientKeyFile: join(planeDir, 'pki', 'admin.key'), name: 'link' });

  return {
    url,
    kubeconfigPath,
    get watches() {
      return watches;
    },
    get frozenWatches() {
      return frozenWatches;
    },
    freezeWatches() {
      frozen = true;
      for (const silence of [...streams]) silence();
      streams.clear();
    },
    thawWatches() {
      frozen = false;
      // Silenced streams would never speak again: closing them lets their clients watch anew.
      for (const outgoing of silenced) outgoing.destroy();
      silenced.clear();
    },
    partition() {
      partitioned = true;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      partitioned = false;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
