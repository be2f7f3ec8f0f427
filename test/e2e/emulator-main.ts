/**
 * The entrypoint of the in-cluster AWS emulator image (test/e2e/emulator.Dockerfile): moto in
 * server mode on loopback, the EKS proxy in front of it (Fargate profiles held CREATING and
 * DELETING as EKS does), and a TCP relay that exposes the proxy on 0.0.0.0:4566 for the Service
 * (the proxy itself listens on loopback only).
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { startEksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { LOOPBACK } from '../../scripts/dev-env/ports.js';

const MOTO_PORT = 5000;
const PROXY_PORT = 4567;
const SERVICE_PORT = 4566;
const MOTO_SERVER = process.env.MOTO_SERVER ?? '/opt/moto/venv/bin/moto_server';
/** Profile transitions short enough for the suite, long enough that the operator must wait for them. */
const TRANSITION_MS = 3_000;

async function waitForMoto(url: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const ok = await fetch(`${url}/moto-api/`).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`moto did not answer at ${url} within 60 s`);
}

async function main(): Promise<void> {
  const moto = spawn(MOTO_SERVER, ['-H', LOOPBACK, '-p', String(MOTO_PORT)], {
    stdio: 'inherit',
    // Without it IAM knows no AWS managed policy (arn:aws:iam::aws:policy/...).
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  });
  let stopping = false;
  moto.on('exit', (code) => {
    if (!stopping) console.error(`moto exited with ${String(code)}`);
    process.exit(stopping ? 0 : 1);
  });
  const motoUrl = `http://${LOOPBACK}:${MOTO_PORT}`;
  await waitForMoto(motoUrl);
  const proxy = await startEksProxy({ target: motoUrl, port: PROXY_PORT, creatingDelayMs: TRANSITION_MS, deletingDelayMs: TRANSITION_MS });
  const relay = createServer((client) => {
    const upstream = connect(PROXY_PORT, LOOPBACK);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  relay.listen(SERVICE_PORT, '0.0.0.0', () => console.log(`AWS emulator at :${SERVICE_PORT} (EKS proxy ${proxy.url} -> moto ${motoUrl})`));
  // The pod's SIGTERM: stop moto and exit once it has (its exit handler above).
  process.on('SIGTERM', () => {
    stopping = true;
    relay.close();
    moto.kill('SIGTERM');
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
