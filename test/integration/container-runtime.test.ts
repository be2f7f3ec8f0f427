// The image, as far as it can be tested without a Docker engine: hadolint on the Dockerfile, and
// its stages rebuilt as folders (same COPY lines, same npm commands, same ENTRYPOINT, the runtime
// one made read-only) started as uid 65532 with only the image's environment, on the Node.js
// release of the line NODE_RUNTIME_IMAGE names (fetched from the npm registry, whatever node runs
// the tests): the bundle alone, no node_modules, answering --help, then `run` with the
// Deployment's flags against the real API server, answering /healthz, /readyz and /metrics and
// stopping with 0 on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { argsOf, copiesOf, globalArgsOf, nodeMajorOfImage, parseDockerfile, stageNamed } from '../container/dockerfile.js';
import { buildRuntimeTree, STAGES, type RuntimeTree } from '../container/runtime-tree.js';
import { ensureNodeRelease, pinnedNodeRelease } from '../../scripts/dev-env/node-runtime.js';
import { freePorts } from '../../scripts/dev-env/ports.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { readTestEnvironment } from '../support/test-env.js';

const runFile = promisify(execFile);
const root = repoRoot();
const environment = readTestEnvironment();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stageNamed(stages, STAGES.runtime);
const imageArgs = globalArgsOf(dockerfile);
// The Node.js line the image runs on, read from the Dockerfile so that the two cannot drift apart.
const nodeMajor = nodeMajorOfImage(imageArgs['NODE_RUNTIME_IMAGE'] ?? '');
const nodeRelease = pinnedNodeRelease(nodeMajor);
/** The bundle the image runs, relative to its WORKDIR and to the build stage's (package.json's `bundle`). */
const BUNDLE = 'dist/bundle/eks-fargate-operator.mjs';
/** The licences of the packages in the bundle, next to it in the image. */
const NOTICES = 'dist/bundle/THIRD-PARTY-NOTICES.txt';

let tree: RuntimeTree;
let workDir: string;

/** The command that runs `command` as the image's USER (setpriv when we are root, as in CI). */
function asImageUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', [`--reuid=${tree.user.uid}`, `--regid=${tree.user.gid}`, '--clear-groups', command, ...args]];
}

/** Only what the image sets, plus what Kubernetes would: none of the test runner's variables leak in. */
function imageEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/bin:/bin', ...tree.env, ...extra };
}

async function runAsImageUser(args: string[], env = imageEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, fullArgs] = asImageUser(args[0]!, args.slice(1));
  try {
    const { stdout, stderr } = await runFile(command, fullArgs, { env, cwd: tree.appDir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'container-runtime-'));
  tree = await buildRuntimeTree(stages, root, workDir, await ensureNodeRelease(nodeMajor));
}, 600_000);

afterAll(async () => {
  if (!workDir) return;
  // The tree is read-only; give write back so that a non-root run can remove it too.
  await runFile('chmod', ['-R', 'u+w', workDir]);
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

test('hadolint finds nothing to report in the Dockerfile', async () => {
  const { stdout, stderr } = await runFile(join(root, 'scripts/check-dockerfile.sh'), [join(root, 'Dockerfile')], { timeout: 300_000 });
  expect(`${stdout}${stderr}`.trim()).toBe('');
}, 320_000);

test('.dockerignore lets in every file the stages copy from the build context, and nothing else', () => {
  // The folder tree above copies whatever the COPY lines name; docker build sees only what
  // .dockerignore (an allow-list: `*`, then `!path` lines) lets into the context.
  const lines = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  expect(lines[0]).toBe('*');
  const allowed = lines.slice(1).map((line) => {
    expect(line.startsWith('!')).toBe(true);
    return line.slice(1);
  });
  const fromContext = stages.flatMap((stage) => copiesOf(stage).filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources));
  const letIn = (source: string): boolean => allowed.some((entry) => (entry.endsWith('/') ? `${source}/`.startsWith(entry) || source.startsWith(entry) : source === entry));
  expect(fromContext.filter((source) => !letIn(source.replace(/^\.\//, '')))).toEqual([]);
  expect(allowed.filter((entry) => !fromContext.some((source) => `${source.replace(/^\.\//, '')}/`.startsWith(entry) || source.replace(/^\.\//, '') === entry))).toEqual([]);
});

test('the build and runtime images, package.json engines and the README name one maintained Node.js LTS line', () => {
  expect(imageArgs['NODE_RUNTIME_IMAGE']).toMatch(/^gcr\.io\/distroless\/nodejs\d+-debian12:nonroot$/);
  // Debian 12 (bookworm) in both, so that what npm installs in the build stage would run in the runtime one.
  expect(imageArgs['NODE_BUILD_IMAGE']).toMatch(/^node:\d+-bookworm-slim$/);
  expect(stages.map((stage) => stage.from)).toEqual(['${NODE_BUILD_IMAGE}', '${NODE_RUNTIME_IMAGE}']);
  expect(nodeMajorOfImage(imageArgs['NODE_BUILD_IMAGE']!)).toBe(nodeMajor);
  // LTS lines are the even ones; Node 20 reached end of life in April 2026, so 22 is the oldest maintained.
  expect([nodeMajor % 2, nodeMajor >= 22]).toEqual([0, true]);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  expect(manifest.engines.node).toBe(`>=${nodeMajor}`);
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(new RegExp(`^Requirements: Node\\.js >= ${nodeMajor} and npm\\.`, 'm'));
  // The names nodeMajorOfImage reads, and one that names no version.
  expect([nodeMajorOfImage('node:24.1-bookworm'), nodeMajorOfImage('docker.io/library/node:22'), nodeMajorOfImage('gcr.io/distroless/nodejs24-debian13')]).toEqual([24, 22, 24]);
  expect(() => nodeMajorOfImage('node:lts-bookworm-slim')).toThrow(/cannot tell/);
});

test("the image's node is the pinned release of that line and runs as uid 65532", async () => {
  expect(nodeRelease.split('.')[0]).toBe(String(nodeMajor));
  expect(tree.entrypoint[0]).toBe(tree.node);
  const version = await runAsImageUser([tree.node, '--version']);
  expect([version.code, version.stdout.trim()]).toEqual([0, `v${nodeRelease}`]);
}, 60_000);

test('the runtime stage is distroless Node as a numeric non-root user, with HOME on /tmp, two malloc arenas, entrypoint `run` and the OCI labels', () => {
  expect(runtime.from).toBe('${NODE_RUNTIME_IMAGE}');
  expect(tree.user).toEqual({ uid: 65532, gid: 65532 });
  expect(tree.env.HOME).toBe('/tmp');
  // Two malloc arenas (README, "Scale: the benchmark"); the operator test below runs with it.
  expect(tree.env.MALLOC_ARENA_MAX).toBe('2');
  expect(tree.entrypoint.slice(-2)).toEqual([join(tree.appDir, BUNDLE), 'run']);
  // The bundle is made from exactly the locked dependencies: `npm ci`, then `npm run bundle`.
  expect(tree.buildCommands).toEqual([expect.stringMatching(/^npm ci\b/), 'npm run bundle']);
  const labels = argsOf(runtime, 'LABEL').join(' ');
  for (const label of ['title', 'description', 'source', 'licenses', 'version']) expect(labels).toContain(`org.opencontainers.image.${label}=`);
  // The runtime stage runs nothing: no shell in distroless, and nothing to write.
  expect(argsOf(runtime, 'RUN')).toEqual([]);
});

test('the image holds the bundle, its chunks, its notices and crds/ only, and the bundle holds every production dependency and imports nothing but Node built-ins', () => {
  // esbuild's metafile of that bundle (package.json's `bundle` script): what went in, what it imports.
  const meta = JSON.parse(readFileSync(join(tree.buildDir, 'dist/bundle.meta.json'), 'utf8')) as { outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; external?: boolean }[] }> };
  const outputs = Object.keys(meta.outputs).filter((path) => path.endsWith('.mjs'));
  const chunks = outputs.filter((path) => path !== BUNDLE);
  // The entry is the bundle the ENTRYPOINT runs; the rest are chunks it imports (package.json's --splitting).
  expect(meta.outputs[BUNDLE]?.entryPoint).toBe('bin/eks-fargate-operator');
  expect(chunks.length).toBeGreaterThan(0);
  for (const chunk of chunks) expect(chunk).toMatch(/^dist\/bundle\/chunk-\w+\.mjs$/);
  // No node_modules, no bin/ launcher, no dist/ as tsc writes it: the bundle and its chunks run alone.
  expect(readdirSync(tree.appDir).sort()).toEqual(['crds', 'dist']);
  expect(readdirSync(join(tree.appDir, 'dist'), { recursive: true }).sort()).toEqual(['bundle', NOTICES, BUNDLE, ...chunks].map((path) => path.replace(/^dist\//, '')).sort());
  expect(readdirSync(join(tree.appDir, 'crds')).sort()).toEqual(readdirSync(join(root, 'crds')).sort());
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const inputs = [...new Set(outputs.flatMap((path) => Object.keys(meta.outputs[path]!.inputs)))];
  expect(inputs).toContain('bin/eks-fargate-operator');
  for (const name of Object.keys(manifest.dependencies)) expect([name, inputs.some((input) => input.startsWith(`node_modules/${name}/`))]).toEqual([name, true]);
  // Anything but the chunks would be looked up in a node_modules the image does not have. ws and
  // node-fetch require these inside try/catch and do without them.
  const optional = ['bufferutil', 'utf-8-validate', 'encoding'];
  const imported = [...new Set(outputs.flatMap((path) => meta.outputs[path]!.imports.map((entry) => entry.path)))];
  expect(imported.filter((path) => !isBuiltin(path) && !optional.includes(path) && !chunks.includes(path))).toEqual([]);
  // Its chunks are imported by path, from the folder the image copies whole (some, like the AWS
  // SDK's browser-only bowser, are written yet never imported on Node).
  expect(imported.filter((path) => chunks.includes(path)).length).toBeGreaterThan(chunks.length / 2);
  expect(imported).toContain('node:fs');
  // The licences of what went in travel with it (scripts/bundle-notices.mjs): one section per bundled package.
  const notices = readFileSync(join(tree.appDir, NOTICES), 'utf8');
  const bundledPackages = new Set(inputs.map((input) => /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter((name): name is string => Boolean(name)));
  for (const name of bundledPackages) expect([name, notices.includes(`\n${name}@`)]).toEqual([name, true]);
  expect(notices).toContain('Apache License');
});

test("the AWS SDK's schemas are tree-shaken, and node-fetch's whatwg-url is Node's URL", () => {
  // scripts/bundle.mjs writes the schemas' computed keys as literals so that esbuild can drop the
  // unused ones. Without it EC2's alone are 550 KB; an SDK release that changes their shape fails here.
  const meta = JSON.parse(readFileSync(join(tree.buildDir, 'dist/bundle.meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  const schemaBytes = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const client = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\/dist-es\/schemas\//.exec(input)?.[1];
      if (client) schemaBytes.set(client, (schemaBytes.get(client) ?? 0) + bytesInOutput);
    }
  }
  expect([...schemaBytes.keys()].sort()).toEqual(['client-ec2', 'client-eks', 'client-iam', 'client-sts']);
  for (const [client, bytes] of schemaBytes) expect([client, bytes < 40_000]).toEqual([client, true]);
  // node-fetch's whatwg-url is Node's URL (scripts/bundle.mjs): no tr46 and its Unicode tables.
  const inputs = Object.values(meta.outputs).flatMap((output) => Object.keys(output.inputs));
  expect(inputs).toContain('node-url:whatwg-url');
  expect(inputs.filter((input) => /node_modules\/(whatwg-url|tr46|punycode)\//.test(input))).toEqual([]);
});

test('the operator user cannot write anywhere in the tree', async () => {
  const attempt = await runAsImageUser([tree.node, '-e', `require('node:fs').writeFileSync(${JSON.stringify(join(tree.appDir, 'dist', 'written'))}, 'x')`]);
  expect(attempt.code).not.toBe(0);
  expect(attempt.stderr).toMatch(/EACCES|EROFS/);
}, 60_000);

test('the entrypoint answers --help, and the CLI without `run` lists its commands, as uid 65532', async () => {
  const runHelp = await runAsImageUser([...tree.entrypoint, '--help']);
  expect(runHelp.stderr).toBe('');
  expect(runHelp.code).toBe(0);
  expect(runHelp.stdout).toContain('Usage: eks-fargate-operator run');
  const cliHelp = await runAsImageUser([...tree.entrypoint.slice(0, -1), '--help']);
  expect(cliHelp.code).toBe(0);
  expect(cliHelp.stdout).toMatch(/\brun\b/);
}, 60_000);

test("`run` with the Deployment's flags serves /healthz, /readyz and /metrics against the real API server and stops with 0 on SIGTERM", async () => {
  const deployment = parse(readFileSync(join(root, 'deploy/base/manager/deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
  const [healthPort, metricsPort] = await freePorts(2);
  // The Deployment's own flags, on free ports here; the kubeconfig stands in for the in-cluster config.
  const args = deployment.spec.template.spec.containers[0]!.args.map((arg) =>
    arg.startsWith('--health-port=') ? `--health-port=${healthPort}` : arg.startsWith('--metrics-port=') ? `--metrics-port=${metricsPort}` : arg,
  );
  expect(args).toContain('--leader-elect');
  const kubeconfig = join(workDir, 'kubeconfig');
  writeFileSync(kubeconfig, readFileSync(environment.kubeconfigPath), { mode: 0o600 });
  if (process.getuid?.() === 0) chownSync(kubeconfig, tree.user.uid, tree.user.gid);

  const env = imageEnv({
    // What the Deployment and the IRSA webhook would put there.
    POD_NAME: `container-runtime-${process.pid}`,
    POD_NAMESPACE: 'default',
    AWS_REGION: environment.region,
    AWS_ENDPOINT_URL: environment.awsEndpoint,
    AWS_ACCESS_KEY_ID: environment.env.AWS_ACCESS_KEY_ID ?? 'testing',
    AWS_SECRET_ACCESS_KEY: environment.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
  });
  const [command, fullArgs] = asImageUser(tree.entrypoint[0]!, [...tree.entrypoint.slice(1), ...args, `--kubeconfig=${kubeconfig}`, `--health-bind-address=127.0.0.1`]);
  const child = spawn(command, fullArgs, { env, cwd: tree.appDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  try {
    // Bounded wait for the server to listen (informers sync first); fails at once if the process died.
    const deadline = Date.now() + 60_000;
    let healthz: Response | undefined;
    while (!healthz && Date.now() < deadline && exitCode === undefined) {
      healthz = await fetch(`http://127.0.0.1:${healthPort}/healthz`).catch(() => undefined);
      if (!healthz) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect([exitCode, healthz?.status]).toEqual([undefined, 200]);
    expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const exposition = await metrics.text();
    expect(exposition).toContain('eksfo_');
    // prom-client's default metrics name the Node.js the operator process itself runs on.
    expect(exposition).toContain(`eksfo_nodejs_version_info{version="v${nodeRelease}",major="${nodeMajor}"`);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(output).not.toMatch(/EACCES|EROFS|read-only file system/i);
  // What a module left out of the bundle would print (esbuild's require shim, Node's resolver).
  expect(output).not.toMatch(/Dynamic require of|Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
  // Nor a warning of Node's (such as one for the deprecated built-in punycode, which tr46 required
  // before scripts/bundle.mjs gave node-fetch Node's URL).
  expect(output).not.toMatch(/\(node:\d+\) .*Warning/);
  expect(output).toContain('"operator started"');
}, 120_000);
