import { createServer } from 'node:net';

/** Host every local service binds to: loopback only, never reachable from outside. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the kernel for a free TCP port on the loopback interface. The port is released before it
 * is returned, so a caller binds it moments later; the window for a clash is tiny and the
 * readiness checks report a service that failed to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port of ${String(address)}`));
      });
    });
  });
}

/** Several free loopback ports, all distinct (the kernel may hand out a port twice in a row). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
