import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { waitUntilReady } from './processes.js';

const run = promisify(execFile);

/** The built kubectl and the kubeconfig it talks through. */
export interface KubectlTarget {
  kubectl: string;
  kubeconfigPath: string;
}

/** Output of a kubectl run that exited 0. */
export interface KubectlOutput {
  stdout: string;
  stderr: string;
}

/** Error of a kubectl run that exited non-zero; `stderr` holds what the API server said. */
export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(' ')} exited ${exitCode}: ${stderr.trim() || stdout.trim()}`);
    this.name = 'KubectlError';
  }
}

/** Runs kubectl against the target's API server; rejects with {@link KubectlError} on failure. */
export async function kubectl(target: KubectlTarget, args: string[], timeoutMs = 60_000): Promise<KubectlOutput> {
  const fullArgs = [`--kubeconfig=${target.kubeconfigPath}`, ...args];
  try {
    return await run(target.kubectl, fullArgs, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof failure.code === 'number' || failure.stderr !== undefined) {
      throw new KubectlError(args, typeof failure.code === 'number' ? failure.code : null, failure.stdout ?? '', failure.stderr ?? failure.message);
    }
    throw error;
  }
}

/** The *.yaml manifests directly in a folder, sorted; empty when the folder does not exist. */
export function manifestFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Applies every CRD manifest in `dir` with server-side apply and waits until each is Established.
 * Returns the files applied (none when the folder has no manifests).
 */
export async function installCrds(target: KubectlTarget, dir: string, timeoutMs = 60_000): Promise<string[]> {
  const files = manifestFiles(dir);
  if (files.length === 0) return files;
  const fileArgs = files.flatMap((file) => ['-f', file]);
  await kubectl(target, ['apply', '--server-side', '--force-conflicts', ...fileArgs]);
  await waitForEstablished(target, files, timeoutMs);
  return files;
}

interface CrdState {
  metadata?: { name?: string };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/**
 * Waits until every CustomResourceDefinition in the files is Established. Polled here rather than
 * with `kubectl wait --for=condition=Established`, which exits with ".status.conditions accessor
 * error: <nil>" instead of waiting when it reads a CRD the API server has not given conditions yet.
 */
export async function waitForEstablished(target: KubectlTarget, files: readonly string[], timeoutMs = 60_000): Promise<void> {
  const fileArgs = files.flatMap((file) => ['-f', file]);
  await waitUntilReady(
    `CustomResourceDefinitions Established (${files.join(', ')})`,
    async () => {
      const parsed = JSON.parse((await kubectl(target, ['get', ...fileArgs, '-o', 'json'])).stdout) as CrdState & { items?: CrdState[] };
      const crds = parsed.items ?? [parsed];
      if (crds.length === 0 || !crds.every((crd) => crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True'))) return false;
      // Established is not yet servable: until its storage is initialised a list answers 429
      // "storage is (re)initializing". A list of every kind must succeed first.
      return kubectl(target, ['get', crds.map((crd) => crd.metadata?.name ?? '').join(','), '--all-namespaces', '-o', 'name']).then(
        () => true,
        () => false,
      );
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** The objects in a manifest file (empty documents dropped), as plain data. */
export function manifestObjects(file: string): { kind?: string; metadata?: { name?: string; namespace?: string } }[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as { kind?: string; metadata?: { namespace?: string } } | null)
    .filter((object): object is { kind?: string; metadata?: { namespace?: string } } => object !== null && typeof object === 'object');
}

/**
 * Creates every namespace the manifests in `files` name that does not exist yet: a create, even a
 * server-side dry run, is refused in a missing namespace.
 */
export async function ensureNamespaces(target: KubectlTarget, files: string[]): Promise<void> {
  const namespaces = new Set(files.flatMap((file) => manifestObjects(file).map((object) => object.metadata?.namespace)));
  for (const namespace of namespaces) {
    if (!namespace) continue;
    try {
      await kubectl(target, ['create', 'namespace', namespace]);
    } catch (error) {
      if (!(error instanceof KubectlError && error.stderr.includes('AlreadyExists'))) throw error;
    }
  }
}
