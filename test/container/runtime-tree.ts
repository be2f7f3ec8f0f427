/**
 * The image's runtime stage rebuilt as a folder, without Docker: the build stage's output
 * compiled by tsc, the production-deps stage's `npm ci` run as the Dockerfile runs it, then the
 * runtime stage's COPY lines carried out in order and the tree made read-only. What starts from
 * it is what would start in the image, less the base image itself.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { argsOf, copiesOf, entrypointOf, envOf, stageNamed, workdirOf, type CopyInstruction, type Stage } from './dockerfile.js';

const run = promisify(execFile);

/** Where the distroless Node image keeps node; replaced by the node given to buildRuntimeTree. */
export const IMAGE_NODE = '/nodejs/bin/node';

/** The rebuilt runtime stage. */
export interface RuntimeTree {
  /** The runtime stage's WORKDIR, as a folder here. */
  appDir: string;
  /** The ENTRYPOINT with image paths mapped to this folder and the image's node to `node`. */
  entrypoint: string[];
  /** The image's node: a read-only copy of the node given, at IMAGE_NODE under the work folder. */
  node: string;
  /** The runtime stage's ENV. */
  env: Record<string, string>;
  /** The numeric `uid:gid` of USER. */
  user: { uid: number; gid: number };
  /** The production-deps stage's install command, as run. */
  installCommand: string;
}

/** Stage names the Dockerfile uses, and that this rebuild knows how to reproduce. */
export const STAGES = { build: 'build', productionDeps: 'production-deps', runtime: 'runtime' } as const;

/** A path of `stage` (absolute, under its WORKDIR) as the folder that stands for it here. */
function localPath(stage: Stage, stageDir: string, path: string): string {
  const inside = relative(workdirOf(stage), path);
  if (!isAbsolute(path) || inside.startsWith('..')) throw new Error(`${path} is outside stage ${stage.name}'s WORKDIR ${workdirOf(stage)}`);
  return join(stageDir, inside);
}

/**
 * Carries out a stage's COPY lines into `stageDir` as Docker does: a folder's content goes into
 * the destination; a file keeps its name when the destination is a folder (`./`, or several sources).
 */
function carryOutCopies(stage: Stage, stageDir: string, sourcePathOf: (copy: CopyInstruction, source: string) => string): void {
  for (const copy of copiesOf(stage)) {
    const destination = localPath(stage, stageDir, join(workdirOf(stage), copy.destination));
    const intoFolder = copy.destination.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      const sourcePath = sourcePathOf(copy, source);
      const target = intoFolder && !statSync(sourcePath).isDirectory() ? join(destination, basename(source)) : destination;
      cpSync(sourcePath, target, { recursive: true });
    }
  }
}

/** Removes write permission everywhere under `dir` (files and folders), keeping read and execute. */
export function makeReadOnly(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeReadOnly(path);
    else if (!entry.isSymbolicLink()) chmodSync(path, statSync(path).mode & 0o555);
  }
  chmodSync(dir, statSync(dir).mode & 0o555);
}

/**
 * Rebuilds the runtime stage of `stages` under `workDir` (an empty folder), from the repository at
 * `repoDir`. `node` stands for the image's node (default: the node running this): it compiles,
 * runs npm for the production install and replaces the ENTRYPOINT's node. Needs the npm registry
 * (production install) and takes a minute on a cold npm cache.
 */
export async function buildRuntimeTree(stages: Stage[], repoDir: string, workDir: string, node: string = process.execPath): Promise<RuntimeTree> {
  const build = stageNamed(stages, STAGES.build);
  const deps = stageNamed(stages, STAGES.productionDeps);
  const runtime = stageNamed(stages, STAGES.runtime);
  const dirs: Record<string, string> = { [build.name]: join(workDir, 'build'), [deps.name]: join(workDir, 'deps'), [runtime.name]: join(workDir, 'app') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });

  // build: `npm run build` is tsc -p tsconfig.build.json; same compiler, same config, output here.
  if (!argsOf(build, 'RUN').includes('npm run build')) throw new Error('the build stage no longer runs `npm run build`: update this rebuild');
  await run(node, [join(repoDir, 'node_modules/typescript/bin/tsc'), '-p', join(repoDir, 'tsconfig.build.json'), '--outDir', join(dirs[build.name]!, 'dist')]);

  // production-deps: its COPY lines from the context, then its one npm command, verbatim.
  carryOutCopies(deps, dirs[deps.name]!, (_copy, source) => join(repoDir, source));
  const installCommand = argsOf(deps, 'RUN').find((command) => command.startsWith('npm ci'));
  if (!installCommand) throw new Error('the production-deps stage runs no `npm ci`');
  // `node` first on PATH: npm (a `#!/usr/bin/env node` script) then runs on it, as in the build image.
  const env = { ...process.env, PATH: [dirname(node), process.env['PATH'] ?? ''].join(delimiter) };
  await run('sh', ['-c', installCommand], { cwd: dirs[deps.name], env, maxBuffer: 16 * 1024 * 1024 });

  // runtime: every COPY in order, from the context or from a stage's folder.
  const appDir = dirs[runtime.name]!;
  carryOutCopies(runtime, appDir, (copy, source) => {
    if (copy.from === undefined) return join(repoDir, source);
    const fromStage = stageNamed(stages, copy.from);
    return localPath(fromStage, dirs[fromStage.name]!, source);
  });
  makeReadOnly(appDir);
  // A copy where the image keeps node, readable by any user as there: the node given may sit in a
  // home folder the image's user cannot enter.
  const imageNodeRoot = join(workDir, 'image-node');
  const imageNode = join(imageNodeRoot, IMAGE_NODE);
  mkdirSync(dirname(imageNode), { recursive: true });
  cpSync(node, imageNode);
  chmodSync(imageNode, 0o555);
  makeReadOnly(imageNodeRoot);
  chmodSync(workDir, 0o755);

  const [uid, gid] = (argsOf(runtime, 'USER').at(-1) ?? '').split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('the runtime stage has no numeric USER uid:gid');
  const entrypoint = entrypointOf(runtime).map((part) => (part === IMAGE_NODE ? imageNode : part.startsWith('/') ? localPath(runtime, appDir, part) : part));
  return { appDir, entrypoint, node: imageNode, env: envOf(runtime), user: { uid: uid!, gid: gid! }, installCommand };
}
