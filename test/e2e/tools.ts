/**
 * The command-line tools the kind end-to-end suite drives, through execa: `kind`, `docker` and
 * `kubectl`. Each wrapper returns stdout and throws with the tool's stderr on a non-zero exit.
 */
import { execa, type ResultPromise } from 'execa';

/** Why the suite cannot run on this machine, or undefined when every tool is there. */
export async function missingTool(): Promise<string | undefined> {
  if (!(await succeeds('kind', ['version']))) return 'kind is not installed (go install sigs.k8s.io/kind@v0.33.0)';
  if (!(await succeeds('kubectl', ['version', '--client']))) return 'kubectl is not installed';
  if (!(await succeeds('docker', ['version', '--format', '{{.Client.Version}}']))) return 'docker is not installed';
  // A client without an engine (or without access to its socket) cannot build or run kind nodes.
  if (!(await succeeds('docker', ['info', '--format', '{{.ServerVersion}}']))) return 'docker has no reachable engine (docker info fails)';
  return undefined;
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  const result = await execa(command, args, { reject: false, stdin: 'ignore', timeout: 20_000 });
  return result.exitCode === 0;
}

/** Runs a command in the repository; its output streams to the terminal when `show` is set. */
async function run(command: string, args: readonly string[], opts: { input?: string; show?: boolean; cwd?: string } = {}): Promise<string> {
  const result = await execa(command, args, {
    cwd: opts.cwd,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    stdout: opts.show ? ['pipe', 'inherit'] : 'pipe',
    stderr: opts.show ? ['pipe', 'inherit'] : 'pipe',
  });
  return result.stdout;
}

/** `kind <args>`. */
export function kind(args: readonly string[], opts: { show?: boolean } = {}): Promise<string> {
  return run('kind', args, opts);
}

/** `docker <args>` in `cwd` (the build context). */
export function docker(args: readonly string[], opts: { show?: boolean; cwd?: string } = {}): Promise<string> {
  return run('docker', args, opts);
}

/** kubectl bound to one kubeconfig context. */
export interface Kubectl {
  (args: readonly string[], opts?: { input?: string; show?: boolean }): Promise<string>;
  /** A long-running kubectl (e.g. port-forward); the caller kills it. */
  spawn(args: readonly string[]): ResultPromise;
  context: string;
}

/** kubectl for the context `context`. */
export function kubectlFor(context: string): Kubectl {
  const bound = (args: readonly string[], opts: { input?: string; show?: boolean } = {}) => run('kubectl', ['--context', context, ...args], opts);
  return Object.assign(bound, {
    spawn: (args: readonly string[]) => execa('kubectl', ['--context', context, ...args], { stdin: 'ignore', reject: false }),
    context,
  });
}
