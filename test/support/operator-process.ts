/**
 * The operator as a real process (`bin/eks-fargate-operator run`, built by `npm test`) for
 * integration suites that kill, pause or race it: started in its own process group, with its log
 * in a file, and waited for until its caches are synced (/readyz).
 */
import { join } from 'node:path';
import { freePort, LOOPBACK } from '../../scripts/dev-env/ports.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../../scripts/dev-env/processes.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import type { TestEnvironment } from './test-env.js';

/** The operator's entry point. */
export const OPERATOR_BIN = join(repoRoot(), 'bin/eks-fargate-operator');

/** One `run` process and how to reach it. */
export interface OperatorProcess {
  process: ManagedProcess;
  identity: string;
  healthPort: number;
}

/** What {@link startOperatorProcess} needs. */
export interface OperatorProcessOptions {
  environment: TestEnvironment;
  /** Leader-election identity, and the log file's name. */
  identity: string;
  /** Further `run` arguments (`--aws-endpoint=...`, `--leader-elect=false`, ...). */
  args: string[];
  logDir: string;
  /** Extra environment variables (e.g. other AWS credentials). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Starts `bin/eks-fargate-operator run` and waits until /readyz answers (caches synced). */
export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const { environment, identity } = options;
  const healthPort = await freePort();
  const child = startProcess({
    name: identity,
    command: process.execPath,
    args: [
      OPERATOR_BIN,
      'run',
      `--kubeconfig=${environment.kubeconfigPath}`,
      `--region=${environment.region}`,
      `--health-bind-address=${LOOPBACK}`,
      `--health-port=${healthPort}`,
      `--leader-election-identity=${identity}`,
      '--log-level=debug',
      ...options.args,
    ],
    logFile: join(options.logDir, `${identity}.log`),
    env: { ...process.env, ...environment.env, ...options.env },
  });
  await waitUntilReady(`operator ${identity}`, async () => (await fetch(`http://${LOOPBACK}:${healthPort}/readyz`)).ok, {
    timeoutMs: options.readyTimeoutMs ?? 30_000,
    process: child,
  });
  return { process: child, identity, healthPort };
}
