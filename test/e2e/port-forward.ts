/** `kubectl port-forward` to a Service, held open while the suite talks to it from the host. */
import { freePort, LOOPBACK } from '../../scripts/dev-env/ports.js';
import type { Kubectl } from './tools.js';

/** An open port-forward: `url` on loopback; `close()` ends kubectl. */
export interface PortForward {
  url: string;
  close(): void;
}

/** Forwards a free local port to `service`'s `port` and resolves once kubectl says it forwards. */
export async function forwardService(kubectl: Kubectl, namespace: string, service: string, port: number): Promise<PortForward> {
  const local = await freePort();
  const child = kubectl.spawn(['port-forward', '-n', namespace, `svc/${service}`, `${local}:${port}`, '--address', LOOPBACK]);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Forwarding from')) resolve();
    });
    void child.then((result) => reject(new Error(`kubectl port-forward ended (${String(result.exitCode)}): ${String(result.stderr)}`)));
  });
  return { url: `http://${LOOPBACK}:${local}`, close: () => void child.kill() };
}
