import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

/** Paths of the built control-plane binaries. */
export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  /** KWOK: keeps simulated nodes Ready and the pods bound to them Running. */
  kwok: string;
  /** The stages KWOK runs with (its "fast" node and pod stages). */
  kwokStages: string;
  kubectl: string;
  /** Folder holding kubectl, to put first on PATH. */
  kubectlDir: string;
}

/** A wrapper Go module in the repo and the commands it builds. */
interface GoComponent {
  /** Names the cache folder. */
  name: string;
  /** Wrapper module folder, relative to the repository root. */
  moduleDir: string;
  /** Module whose required version is the component's version. */
  versionModule: string;
  packages: string[];
  /** File names `go build -o dir/` writes, one per package. */
  outputs: string[];
  /** Linker `-X` settings for the version, as a release build stamps it (part of the cache key). */
  versionStamps?: (version: string) => string[];
  /** YAML files of the versionModule's source joined into one file of the cache folder (also an output). */
  assets?: { file: string; from: string[] };
}

/**
 * What Kubernetes' release build (hack/lib/version.sh) stamps into every binary, for the server
 * (`k8s.io/component-base/version`) and for kubectl's client side (`k8s.io/client-go/pkg/version`):
 * without it `kubectl version` prints v0.0.0-master+$Format:%H$ and fails to parse it, and tools
 * that read the server version (Helm's kubeVersion, Argo CD) get nonsense. The commit is not known
 * from the module proxy and stays empty; the tree is the release's, so clean.
 */
export function kubernetesVersionStamps(version: string): string[] {
  const [major = '', minor = ''] = version.replace(/^v/, '').split('.');
  const values = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
    Object.entries(values).map(([name, value]) => `-X '${pkg}.${name}=${value}'`),
  );
}

const KUBERNETES: GoComponent = {
  name: 'kubernetes',
  moduleDir: 'scripts/dev-env/k8s',
  versionModule: 'k8s.io/kubernetes',
  packages: ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager', 'k8s.io/kubernetes/cmd/kube-scheduler', 'k8s.io/kubernetes/cmd/kubectl'],
  outputs: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'],
  versionStamps: kubernetesVersionStamps,
};

/**
 * KWOK's "fast" stages, which kwokctl gives it: a node is Ready at once and keeps its Lease
 * renewed (so the node lifecycle controller lifts the not-ready taint and never evicts), a pod is
 * Running and Ready at once, and goes when deleted.
 */
const KWOK_STAGES = 'kwok-stages.yaml';

const KWOK: GoComponent = {
  name: 'kwok',
  moduleDir: 'scripts/dev-env/kwok',
  versionModule: 'sigs.k8s.io/kwok',
  packages: ['sigs.k8s.io/kwok/cmd/kwok'],
  outputs: ['kwok', KWOK_STAGES],
  assets: {
    file: KWOK_STAGES,
    from: ['kustomize/stage/node/fast/node-initialize.yaml', 'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'kustomize/stage/pod/fast/pod-ready.yaml', 'kustomize/stage/pod/fast/pod-complete.yaml', 'kustomize/stage/pod/fast/pod-delete.yaml'],
  },
};

const ETCD: GoComponent = {
  name: 'etcd',
  moduleDir: 'scripts/dev-env/etcd',
  versionModule: 'go.etcd.io/etcd/server/v3',
  packages: ['.'],
  outputs: ['etcd'],
};

/** promtool, for the tests of deploy/monitoring (rules checked and unit-tested, metrics linted). */
const PROMTOOL: GoComponent = {
  name: 'promtool',
  moduleDir: 'scripts/dev-env/promtool',
  versionModule: 'github.com/prometheus/prometheus',
  packages: ['github.com/prometheus/prometheus/cmd/promtool'],
  outputs: ['promtool'],
};

/** Helm, for the tests of the chart in deploy/helm (lint, template, install). */
const HELM: GoComponent = {
  name: 'helm',
  moduleDir: 'scripts/dev-env/helm',
  versionModule: 'helm.sh/helm/v3',
  packages: ['helm.sh/helm/v3/cmd/helm'],
  outputs: ['helm'],
  // What Helm's release build stamps: its version, and the Kubernetes version `helm template` and
  // `helm lint` assume without a cluster (the client-go it is built with, v0.36: Kubernetes 1.36).
  versionStamps: (version) => [
    `-X 'helm.sh/helm/v3/internal/version.version=${version}'`,
    `-X 'helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1'`,
    `-X 'helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=36'`,
  ],
};

type Log = (line: string) => void;

/** Root of the binary cache: outside the repository, shared by every clone on the machine. */
export function binaryCacheRoot(): string {
  const cacheHome = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(cacheHome, 'eks-fargate-operator', 'bin');
}

/** The version a wrapper go.mod requires of a module (the `require module vX.Y.Z` line). */
export function requiredVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) throw new Error(`go.mod does not require ${module}`);
  return match[1];
}

/** The Kubernetes version the environment's kube-apiserver and kubectl are built from (v1.34.4). */
export function kubernetesVersion(root = repoRoot()): string {
  return requiredVersion(readFileSync(join(root, KUBERNETES.moduleDir, 'go.mod'), 'utf8'), KUBERNETES.versionModule);
}

/** The pinned version, and the cache folder name: component, version and a hash of go.mod and go.sum. */
function pinned(component: GoComponent, root: string): { version: string; cacheKey: string } {
  const moduleDir = join(root, component.moduleDir);
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const version = requiredVersion(goMod, component.versionModule);
  const hash = createHash('sha256').update(goMod).update(readFileSync(join(moduleDir, 'go.sum'))).update(linkerFlags(component, version)).update(JSON.stringify(component.assets ?? null));
  return { version, cacheKey: `${component.name}-${version}-${hash.digest('hex').slice(0, 12)}` };
}

/** `-s -w` (no symbol tables: smaller binaries) and the version stamps, as one -ldflags value. */
function linkerFlags(component: GoComponent, version: string): string {
  return ['-s', '-w', ...(component.versionStamps?.(version) ?? [])].join(' ');
}

/** Runs `go build`, echoing its output and rejecting with the tail of stderr when it fails. */
function goBuild(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // -mod=mod lets go complete go.sum itself if a different Go release wants more entries.
    const goflags = [process.env['GOFLAGS'], '-mod=mod'].filter(Boolean).join(' ');
    const child = spawn('go', args, { cwd, env: { ...process.env, GOFLAGS: goflags }, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.once('error', (error) => reject(new Error(`cannot run go (is Go installed and on PATH?): ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} failed in ${cwd} (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

/** Runs a go command and resolves its standard output. */
function goOutput(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const goflags = [process.env['GOFLAGS'], '-mod=mod'].filter(Boolean).join(' ');
    const child = spawn('go', args, { cwd, env: { ...process.env, GOFLAGS: goflags }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', (error) => reject(new Error(`cannot run go (is Go installed and on PATH?): ${error.message}`)));
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`go ${args.join(' ')} failed in ${cwd} (exit ${code})`))));
  });
}

/** Builds one component into its cache folder unless it is already there; returns the folder. */
async function ensureComponent(component: GoComponent, root: string, log: Log): Promise<string> {
  const { version, cacheKey } = pinned(component, root);
  const dir = join(binaryCacheRoot(), cacheKey);
  if (component.outputs.every((output) => existsSync(join(dir, output)))) {
    log(`using cached ${component.outputs.join(', ')} (${component.versionModule} ${version}) from ${dir}`);
    return dir;
  }

  // Build into a private folder and rename it into place, so that an interrupted build never
  // leaves a half-filled cache folder behind.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`building ${component.outputs.join(', ')} from ${component.versionModule} ${version} into ${dir} (minutes on a cold Go cache)`);
  const started = Date.now();
  try {
    await goBuild(['build', '-trimpath', `-ldflags=${linkerFlags(component, version)}`, '-o', `${staging}/`, ...component.packages], join(root, component.moduleDir));
    if (component.assets) {
      const source = (await goOutput(['list', '-m', '-f', '{{.Dir}}', component.versionModule], join(root, component.moduleDir))).trim();
      const documents = component.assets.from.map((file) => readFileSync(join(source, file), 'utf8').trim());
      writeFileSync(join(staging, component.assets.file), `${documents.join('\n---\n')}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`built ${component.outputs.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * Makes sure etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and KWOK are built from the pinned wrapper modules, building
 * what is missing (the first build on a cold machine takes minutes; later calls return at once).
 */
export async function ensureBinaries(log: Log = (line) => console.log(`[binaries] ${line}`)): Promise<Binaries> {
  const root = repoRoot();
  const kubernetesDir = await ensureComponent(KUBERNETES, root, log);
  const etcdDir = await ensureComponent(ETCD, root, log);
  const kwokDir = await ensureComponent(KWOK, root, log);
  return {
    etcd: join(etcdDir, 'etcd'),
    kubeApiserver: join(kubernetesDir, 'kube-apiserver'),
    kubeControllerManager: join(kubernetesDir, 'kube-controller-manager'),
    kubeScheduler: join(kubernetesDir, 'kube-scheduler'),
    kwok: join(kwokDir, 'kwok'),
    kwokStages: join(kwokDir, KWOK_STAGES),
    kubectl: join(kubernetesDir, 'kubectl'),
    kubectlDir: kubernetesDir,
  };
}

/** promtool built from its pinned Go module (scripts/dev-env/promtool), building it when missing; returns its path. */
export async function ensurePromtool(log: Log = (line) => console.log(`[binaries] ${line}`)): Promise<string> {
  return join(await ensureComponent(PROMTOOL, repoRoot(), log), 'promtool');
}

/** Helm built from its pinned Go module (scripts/dev-env/helm), building it when missing; returns its path. */
export async function ensureHelm(log: Log = (line) => console.log(`[binaries] ${line}`)): Promise<string> {
  return join(await ensureComponent(HELM, repoRoot(), log), 'helm');
}
