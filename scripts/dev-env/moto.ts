import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, freePort } from './ports.js';
import { startProcess, waitUntilReady } from './processes.js';
import { repoRoot } from './repo-root.js';

/** The pinned requirements file, relative to the repository root. */
const REQUIREMENTS = 'scripts/dev-env/python/requirements.txt';
/** Written last into a finished virtualenv: its content is the hash of the requirements it holds. */
const STAMP = '.eksops-requirements.sha256';
const READY_TIMEOUT_MS = 60_000;
/** A first install takes about a minute; a waiter gives the other process this long. */
const INSTALL_LOCK_TIMEOUT_MS = 15 * 60_000;

/** Paths inside the moto virtualenv. */
export interface MotoInstall {
  python: string;
  motoServer: string;
}

/** A running moto server. */
export interface MotoServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The moto version pinned in the requirements file (the `moto[server]==X` line). */
export function pinnedMotoVersion(requirements: string): string {
  const match = /^moto(?:\[[^\]]*\])?==(\S+)/m.exec(requirements);
  if (!match?.[1]) throw new Error(`${REQUIREMENTS} does not pin moto (expected a line moto[server]==X.Y.Z)`);
  return match[1];
}

function cacheRoot(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'eks-fargate-operator');
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds `${venv}.lock` (a folder: mkdir is atomic) while `build` runs, so that two test runs or
 * `env:up` and a test run never build the same virtualenv at once. A lock whose owner died is taken
 * over; `done()` lets a waiter stop as soon as the other process has finished the job.
 */
async function withInstallLock(lock: string, done: () => boolean, build: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + INSTALL_LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (done()) return;
    const owner = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : NaN);
    if (Number.isInteger(owner) && !alive(owner)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`moto virtualenv still locked by pid ${owner} after ${INSTALL_LOCK_TIMEOUT_MS / 1000} s (${lock})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  try {
    writeFileSync(join(lock, 'pid'), String(process.pid));
    if (!done()) await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure the pinned moto is installed in a virtualenv under
 * `${XDG_CACHE_HOME:-~/.cache}/eks-fargate-operator/venv-moto-<version>/`. The virtualenv is
 * (re)built only when it is missing or the requirements file changed; a half-built one (no stamp)
 * is rebuilt from scratch. A virtualenv is not relocatable, so it is built in place, under a lock.
 */
export async function ensureMotoInstalled(): Promise<MotoInstall> {
  const requirementsFile = join(repoRoot(), REQUIREMENTS);
  const requirements = readFileSync(requirementsFile, 'utf8');
  const version = pinnedMotoVersion(requirements);
  const hash = createHash('sha256').update(requirements).digest('hex');
  const venv = join(cacheRoot(), `venv-moto-${version}`);
  const install: MotoInstall = { python: join(venv, 'bin', 'python'), motoServer: join(venv, 'bin', 'moto_server') };
  const stamp = join(venv, STAMP);
  const installed = () => existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash && existsSync(install.motoServer);
  if (installed()) return install;

  mkdirSync(cacheRoot(), { recursive: true });
  await withInstallLock(`${venv}.lock`, installed, async () => {
    const python = process.env['PYTHON'] || 'python3';
    const started = Date.now();
    console.log(`[moto] installing moto[server]==${version} into ${venv} (${python} -m venv, pip install -r ${REQUIREMENTS})`);
    rmSync(venv, { recursive: true, force: true });
    await run(python, ['-m', 'venv', venv]);
    await run(install.python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile]);
    writeFileSync(stamp, `${hash}\n`);
    console.log(`[moto] installed moto ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  return install;
}

/**
 * Starts `moto_server` on a loopback port (a free one unless given) with AWS managed policies
 * loaded, in its own process group, and resolves once it answers HTTP. `stop()` ends the group.
 */
export async function startMoto(opts: { port?: number; logFile?: string } = {}): Promise<MotoServer> {
  const { motoServer } = await ensureMotoInstalled();
  const port = opts.port ?? (await freePort());
  const logFile = opts.logFile ?? join(tmpdir(), `moto-${port}.log`);
  const child = startProcess({
    name: 'moto',
    command: motoServer,
    args: ['-H', LOOPBACK, '-p', String(port)],
    logFile,
    // Without this flag IAM knows no AWS managed policy (arn:aws:iam::aws:policy/...).
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  });
  const url = `http://${LOOPBACK}:${port}`;
  try {
    await waitUntilReady('moto', async () => (await fetch(`${url}/moto-api/`)).ok, { timeoutMs: READY_TIMEOUT_MS, process: child });
  } catch (error) {
    // Keep the log: the error names it.
    await child.stop();
    throw error;
  }
  return {
    url,
    port,
    pid: child.pid,
    stop: async () => {
      await child.stop();
      // A log the caller did not ask for is not left behind.
      if (opts.logFile === undefined) rmSync(logFile, { force: true });
    },
  };
}
