import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUNDLE_FILE, BUNDLE_META_FILE, DEPLOYED_NODE_OPTIONS, operatorEntry, parseOperatorBuild } from '../../scripts/bench/operator-entry.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

describe('the operator build the benchmark starts', () => {
  let root: string;
  /** Writes `path` under root with its modification time `secondsAgo` in the past. */
  const write = (path: string, text: string, secondsAgo: number): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    const at = Date.now() / 1000 - secondsAgo;
    utimesSync(join(root, path), at, at);
  };
  // With a module scripts/bundle.mjs makes up, which is no file.
  const meta = JSON.stringify({ inputs: { 'bin/eks-fargate-operator': {}, 'dist/cli/main.js': {}, 'node_modules/yaml/dist/index.js': {}, 'node-url:whatwg-url': {} } });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bench-operator-entry-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs dist through the bin launcher, and a bundle newer than every file of the repository it was made from', () => {
    write('bin/eks-fargate-operator', '', 60);
    write('dist/cli/main.js', '', 60);
    write(BUNDLE_META_FILE, meta, 10);
    write(BUNDLE_FILE, '', 10);
    expect(operatorEntry(root, 'dist')).toBe(join(root, 'bin/eks-fargate-operator'));
    expect(operatorEntry(root, 'bundle')).toBe(join(root, BUNDLE_FILE));
  });

  it('refuses a bundle older than a file it was made from, or one of them gone (node_modules and made-up modules are not checked)', () => {
    write('bin/eks-fargate-operator', '', 60);
    write('dist/cli/main.js', '', 5);
    write(BUNDLE_META_FILE, meta, 10);
    write(BUNDLE_FILE, '', 10);
    expect(() => operatorEntry(root, 'bundle')).toThrow(/older than 1 of the files it was made from \(dist\/cli\/main\.js\): run `npm run bundle`/);
    rmSync(join(root, 'dist/cli/main.js'));
    expect(() => operatorEntry(root, 'bundle')).toThrow(/older than 1 .*\(dist\/cli\/main\.js\)/);
  });

  it('refuses a missing bundle, and --operator values other than bundle and dist', () => {
    expect(() => operatorEntry(root, 'bundle')).toThrow(/is missing: run `npm run bundle`/);
    expect(parseOperatorBuild('dist')).toBe('dist');
    expect(() => parseOperatorBuild('src')).toThrow(/--operator takes bundle or dist, not "src"/);
  });
});

describe('the NODE_OPTIONS the benchmark runs the operator with', () => {
  it('are the deployments\': the kustomize base sets them, and the Helm defaults make the same flags', () => {
    const root = repoRoot();
    const deployment = parse(readFileSync(join(root, 'deploy/base/manager/deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    expect(deployment.spec.template.spec.containers[0]!.env.find((entry) => entry.name === 'NODE_OPTIONS')?.value).toBe(DEPLOYED_NODE_OPTIONS);
    const values = parse(readFileSync(join(root, 'deploy/helm/eks-fargate-operator/values.yaml'), 'utf8')) as { heapLimitMiB: number; semiSpaceMiB: number };
    expect(`--max-old-space-size=${values.heapLimitMiB} --max-semi-space-size=${values.semiSpaceMiB}`).toBe(DEPLOYED_NODE_OPTIONS);
  });
});
