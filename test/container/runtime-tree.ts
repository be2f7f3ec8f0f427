/**
 * The image's runtime stage rebuilt as a folder, without Docker: the build stage's COPY and RUN
 * lines carried out in order (its npm commands run verbatim, on the node given), then the runtime
 * stage's COPY lines and the tree made read-only. What starts from it is what would start in the
 * image, less the base image itself.
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
  /** The build stage's WORKDIR, as a folder here, after its last RUN. */
  buildDir: string;
  /** The build stage's RUN commands, as run. */
  buildCommands: string[];
}

/** Stage names the Dockerfile uses, and that this rebuild knows how to reproduce. */
export const STAGES = { build: 'build', runtime: 'runtime' } as const;

/** A path of `stage` (absolute, under its WORKDIR) as the folder that stands for it here. */
function localPath(stage: Stage, stageDir: string, path: string): string {
  const inside = relative(workdirOf(stage), path);
  if (!isAbsolute(path) || inside.startsWith('..')) throw new Error(`${path} is outside stage ${stage.name}'s WORKDIR ${workdirOf(stage)}`);
  return join(stageDir, inside);
}

/**
 * Carries out one COPY into `stageDir` as Docker does: a folder's content goes into the
 * destination; a file keeps its name when the destination is a folder (`./`, or several sources).
 */
function carryOutCopy(stage: Stage, stageDir: string, copy: CopyInstruction, sourcePathOf: (copy: CopyInstruction, source: string) => string): void {
  const destination = localPath(stage, stageDir, join(workdirOf(stage), copy.destination));
  const intoFolder = copy.destination.endsWith('/') || copy.sources.length > 1;
  for (const source of copy.sources) {
    const sourcePath = sourcePathOf(copy, source);
    const target = intoFolder && !statSync(sourcePath).isDirectory() ? join(destination, basename(source)) : destination;
    cpSync(sourcePath, target, { recursive: true });
  }
}

/**
 * Carries out a stage's COPY and RUN lines in order in `stageDir`: each RUN verbatim through
 * `sh -c` (the build image's default shell form) with `env`; returns the commands run.
 */
async function carryOutStage(stage: Stage, stageDir: string, sourcePathOf: (copy: CopyInstruction, source: string) => string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const copies = copiesOf(stage);
  const commands: string[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'COPY') carryOutCopy(stage, stageDir, copies.shift()!, sourcePathOf);
    if (instruction.keyword !== 'RUN') continue;
    await run('sh', ['-c', instruction.args], { cwd: stageDir, env, maxBuffer: 64 * 1024 * 1024 });
    commands.push(instruction.args);
  }
  return commands;
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
 * `repoDir`. `node` stands for the image's node (default: the node running this): the build
 * stage's npm commands run on it, and it replaces the ENTRYPOINT's node. Needs the npm registry
 * (the build stage's `npm ci`) and takes a minute or two on a cold npm cache.
 */
export async function buildRuntimeTree(stages: Stage[], repoDir: string, workDir: string, node: string = process.execPath): Promise<RuntimeTree> {
  const build = stageNamed(stages, STAGES.build);
  const runtime = stageNamed(stages, STAGES.runtime);
  const dirs: Record<string, string> = { [build.name]: join(workDir, 'build'), [runtime.name]: join(workDir, 'app') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });

  // build: its COPY lines from the context and its npm commands, in order. `node` first on PATH:
  // npm and the tools it starts (`#!/usr/bin/env node` scripts) then run on it, as in the build image.
  const env = { ...process.env, PATH: [dirname(node), process.env['PATH'] ?? ''].join(delimiter) };
  const buildCommands = await carryOutStage(build, dirs[build.name]!, (_copy, source) => join(repoDir, source), env);

  // runtime: every COPY in order, from the context or from a stage's folder; nothing to run
  // there (distroless has no shell).
  if (argsOf(runtime, 'RUN').length > 0) throw new Error('the runtime stage has RUN lines: distroless has no shell to run them');
  const appDir = dirs[runtime.name]!;
  await carryOutStage(runtime, appDir, (copy, source) => {
    if (copy.from === undefined) return join(repoDir, source);
    const fromStage = stageNamed(stages, copy.from);
    return localPath(fromStage, dirs[fromStage.name]!, source);
  }, env);
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
  return { appDir, entrypoint, node: imageNode, env: envOf(runtime), user: { uid: uid!, gid: gid! }, buildDir: dirs[build.name]!, buildCommands };
}
