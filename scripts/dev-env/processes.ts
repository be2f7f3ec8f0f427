import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** How a managed process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A background process in its own process group, with its output in a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** What to start. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const running = new Set<ManagedProcess>();

/** Sends a signal to a whole process group; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** True while any process of the group still exists. */
export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0);
}

/** The last lines of a log file, for error messages. */
export function logTail(logFile: string, lines = 40): string {
  if (!existsSync(logFile)) return '(no log file)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

// Last resort when the Node process exits without stopping what it started (an uncaught error,
// process.exit in a test runner): kill every group still running, synchronously.
process.on('exit', () => {
  for (const child of running) signalGroup(child.pid, 'SIGKILL');
});

/**
 * Starts a process detached into its own process group (so that stopping it also stops anything
 * it forked), with stdout and stderr appended to its log file.
 */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  const fd = openSync(spec.logFile, 'a');
  let child;
  try {
    child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const { pid } = child;
  if (pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command}): see ${spec.logFile}`);

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', () => resolve((exitInfo ??= { code: null, signal: null })));
    child.once('exit', (code, signal) => resolve((exitInfo ??= { code, signal })));
  });

  const managed: ManagedProcess = {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exited,
    hasExited: () => exitInfo !== undefined,
    async stop(graceMs = 5000) {
      if (exitInfo === undefined) {
        signalGroup(pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
        const outcome = await Promise.race([exited, timedOut]);
        clearTimeout(timer);
        if (outcome === 'timeout') signalGroup(pid, 'SIGKILL');
        await exited;
      }
      // Children the leader forked may outlive it; the group id stays theirs until they are gone.
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
      running.delete(managed);
    },
  };
  running.add(managed);
  void exited.then(() => {
    if (!groupAlive(pid)) running.delete(managed);
  });
  return managed;
}

/** Options for {@link waitUntilReady}. */
export interface ReadinessOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** The process being waited for: if it exits, waiting stops at once with its log. */
  process?: ManagedProcess;
}

/**
 * Polls `probe` until it returns true. Fails with the process's exit status and the last lines of
 * its log when the process dies or the timeout passes.
 */
export async function waitUntilReady(what: string, probe: () => Promise<boolean>, options: ReadinessOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  let lastError = 'not ready';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    const child = options.process;
    if (child?.hasExited()) {
      const status = await child.exited;
      throw new Error(`${what} exited before it was ready (${status.signal ?? `exit ${status.code}`}); last lines of ${child.logFile}:\n${logTail(child.logFile)}`);
    }
    if (Date.now() >= deadline) {
      const log = child ? `; last lines of ${child.logFile}:\n${logTail(child.logFile)}` : '';
      throw new Error(`${what} not ready after ${options.timeoutMs} ms (last probe: ${lastError})${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
