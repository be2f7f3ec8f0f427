import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** One named check; `ok: false` with a reason fails the endpoint it belongs to. */
export interface HealthCheck {
  name: string;
  check: () => { ok: boolean; reason?: string };
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  port: number;
  host?: string;
  /** Liveness: process alive, informers not wedged. */
  liveness: HealthCheck[];
  /** Readiness: caches synced (leader and standby are both ready). */
  readiness: HealthCheck[];
  registry: Registry;
}

/** The running server; `port` is the bound port (useful with port 0). */
export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function runChecks(checks: HealthCheck[]): { ok: boolean; body: string } {
  const failures = checks
    .map((c) => ({ name: c.name, result: c.check() }))
    .filter((c) => !c.result.ok)
    .map((c) => `${c.name}: ${c.result.reason ?? 'failed'}`);
  return { ok: failures.length === 0, body: failures.length === 0 ? 'ok\n' : `${failures.join('\n')}\n` };
}

/** Serves `/healthz`, `/readyz` and `/metrics`. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const probe = path === '/healthz' ? options.liveness : path === '/readyz' ? options.readiness : undefined;
    if (probe) {
      const { ok, body } = runChecks(probe);
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    response.writeHead(404).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
