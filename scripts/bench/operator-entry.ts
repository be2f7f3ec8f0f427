/**
 * Which build of the operator the benchmark starts: `bundle`, the one file the image runs
 * (`npm run bundle`, Dockerfile), or `dist`, bin/eks-fargate-operator on dist/ as tsc writes it,
 * which is what the tests and the CLI from the repository run. A bundle older than a file it was
 * made from is refused, so that a run never measures code the working tree no longer has.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type OperatorBuild = 'bundle' | 'dist';

/** The bundle and esbuild's metafile for it, relative to the repository (package.json's `bundle`). */
export const BUNDLE_FILE = 'dist/bundle/eks-fargate-operator.mjs';
export const BUNDLE_META_FILE = 'dist/bundle.meta.json';

/**
 * The NODE_OPTIONS both install paths give the operator (deploy/base's Deployment, the Helm chart's
 * heapLimitMiB and semiSpaceMiB), which the benchmark runs it with unless told otherwise;
 * test/unit/bench-operator-entry.test.ts holds the two equal.
 */
export const DEPLOYED_NODE_OPTIONS = '--max-old-space-size=256 --max-semi-space-size=2';

export function parseOperatorBuild(text: string): OperatorBuild {
  if (text !== 'bundle' && text !== 'dist') throw new Error(`--operator takes bundle or dist, not "${text}"`);
  return text;
}

/**
 * The files of the repository the bundle was made from (its metafile's inputs outside
 * node_modules: the bin launcher and dist/) that changed after it was written, or are gone.
 */
export function staleBundleInputs(root: string): string[] {
  const bundleWritten = statSync(join(root, BUNDLE_FILE)).mtimeMs;
  const meta = JSON.parse(readFileSync(join(root, BUNDLE_META_FILE), 'utf8')) as { inputs: Record<string, unknown> };
  return Object.keys(meta.inputs)
    // Files only: a module a bundle plugin made up is named `namespace:path` (scripts/bundle.mjs).
    .filter((input) => !input.includes('node_modules/') && !/^[a-z-]+:/.test(input))
    .filter((input) => !existsSync(join(root, input)) || statSync(join(root, input)).mtimeMs > bundleWritten);
}

/** The script node runs for this build; throws when the bundle is missing or older than its inputs. */
export function operatorEntry(root: string, build: OperatorBuild): string {
  if (build === 'dist') return join(root, 'bin/eks-fargate-operator');
  if (!existsSync(join(root, BUNDLE_FILE)) || !existsSync(join(root, BUNDLE_META_FILE))) throw new Error(`${BUNDLE_FILE} is missing: run \`npm run bundle\` (or pass --operator dist)`);
  const stale = staleBundleInputs(root);
  if (stale.length > 0) throw new Error(`${BUNDLE_FILE} is older than ${stale.length} of the files it was made from (${stale.slice(0, 3).join(', ')}): run \`npm run bundle\``);
  return join(root, BUNDLE_FILE);
}
