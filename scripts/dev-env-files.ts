import { join } from 'node:path';
import type { EnvironmentInfo } from './dev-env/launcher.js';
import { repoRoot } from './dev-env/repo-root.js';

/** Files of the background development environment, all under the git-ignored .dev-env/. */
export interface DevEnvFiles {
  dir: string;
  /** Shell file to source: exports KUBECONFIG, AWS_* and puts kubectl first on PATH. */
  envScript: string;
  /** JSON {@link DevEnvState}, written once the environment is ready. */
  state: string;
  /** Output of the background process that hosts the environment. */
  daemonLog: string;
}

/** What env:down needs to stop everything, even when the host process is gone. */
export interface DevEnvState {
  /** The process hosting the environment (it leads its own process group). */
  daemonPid: number;
  environment: EnvironmentInfo;
}

/** Paths of the development environment's files in this clone. */
export function devEnvFiles(): DevEnvFiles {
  const dir = join(repoRoot(), '.dev-env');
  return { dir, envScript: join(dir, 'env.sh'), state: join(dir, 'state.json'), daemonLog: join(dir, 'daemon.log') };
}

/** True while a process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** The env.sh text: exports the environment's variables and puts its kubectl first on PATH. */
export function envScript(environment: EnvironmentInfo): string {
  const lines = [
    '# Written by `npm run env:up`; load it with `. .dev-env/env.sh`. `npm run env:down` stops the environment.',
    ...Object.entries(environment.env).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    `export PATH=${shellQuote(environment.binDir)}:"$PATH"`,
  ];
  return `${lines.join('\n')}\n`;
}
