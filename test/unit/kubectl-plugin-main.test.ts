// `kubectl fargate` dispatch against a fake reader: flags, output formats, colour rules, warnings and exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { FargateWorkload } from '../../src/api/types.js';
import type { ClusterReader, KubeTarget } from '../../src/kubectl-plugin/cluster-reader.js';
import { describeFailure, main, processEnvironment, type PluginEnvironment } from '../../src/kubectl-plugin/main.js';
import { useColour } from '../../src/kubectl-plugin/text-style.js';
import { childrenFor, clusterFixture, podOf, recordedWorkload } from './kubectl-plugin-fixtures.js';

const READY = recordedWorkload('recorded-ready');
const STALLED = recordedWorkload('recorded-stalled-invalid-spec');

/** client-node's ApiException as the API server answers a get of a missing object. */
function notFound(name: string): Error {
  return Object.assign(new Error('HTTP-Code: 404 Message: Unknown API Status Code! Body: ... Headers: ...'), {
    code: 404,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: `fargateworkloads.fargate.eksops.dev "${name}" not found`, code: 404 }),
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The kubeconfig target the command connected with, if it did. */
  target?: KubeTarget;
  /** The namespaces read (undefined: all). */
  scopes: (string | undefined)[];
}

async function plugin(args: string[], opts: { isTTY?: boolean; env?: Record<string, string>; workloads?: FargateWorkload[]; forbidPods?: boolean } = {}): Promise<Run> {
  const workloads = opts.workloads ?? [READY, STALLED];
  const run: Run = { code: -1, stdout: '', stderr: '', scopes: [] };
  const reader: ClusterReader = {
    defaultNamespace: 'shop',
    async workload(namespace, name) {
      run.scopes.push(namespace);
      const found = workloads.find((w) => w.metadata.namespace === namespace && w.metadata.name === name);
      if (!found) throw notFound(name);
      return found;
    },
    async workloads(namespace) {
      run.scopes.push(namespace);
      return workloads.filter((w) => namespace === undefined || w.metadata.namespace === namespace);
    },
    async clusters() {
      return { items: [clusterFixture('healthy')] };
    },
    async children() {
      const objects = childrenFor(READY, { ready: 1, desired: 1, pods: [podOf(READY, 'web-1', 'fargate-ip-10-0-1-5.ec2.internal')] });
      return opts.forbidPods ? { objects: { ...objects, pods: [] }, warnings: ['cannot list pods in namespace shop: HTTP 403 Forbidden: pods is forbidden'] } : { objects, warnings: [] };
    },
    async podEvents() {
      return { items: [] };
    },
  };
  const environment: PluginEnvironment = {
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
    connect(target) {
      run.target = target;
      return reader;
    },
  };
  run.code = await main(args, { out: (text) => (run.stdout += text), err: (text) => (run.stderr += text) }, environment);
  return run;
}

/** Every module the plugin loads from src/ (relative imports followed from main.ts), and the packages they import. */
function moduleGraph(entry: string): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    // Type-only imports are erased: they load nothing.
    for (const [, typeOnly, target] of readFileSync(file, 'utf8').matchAll(/^import (type )?[^;]*? from '([^']+)';/gms)) {
      if (typeOnly || !target) continue;
      if (target.startsWith('.')) visit(resolve(dirname(file), target.replace(/\.js$/, '.ts')));
      else packages.add(target);
    }
  };
  visit(resolve(entry));
  return { modules: [...modules].map((file) => relative(process.cwd(), file)).sort(), packages: [...packages].sort() };
}

describe('kubectl fargate', () => {
  it('loads no AWS SDK and no AWS adapter: it reads only the Kubernetes API', () => {
    const { modules, packages } = moduleGraph('src/kubectl-plugin/main.ts');
    expect(modules).toEqual(expect.arrayContaining(['src/kubectl-plugin/cluster-reader.ts', 'src/kube/api-clients.ts', 'src/api/sizing.ts']));
    expect(modules.filter((file) => file.startsWith('src/aws/'))).toEqual([]);
    expect(packages.filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual([]);
    expect(packages).toContain('@kubernetes/client-node');
  });

  it('status draws every workload of the context\'s namespace, -A of all, and -n of the one named', async () => {
    const here = await plugin(['status']);
    expect(here).toMatchObject({ code: 0, stderr: '', scopes: ['shop'] });
    expect(here.stdout).toMatch(/^FargateWorkload shop\/huge {2}Stalled \(InvalidSpec\)/);
    expect(here.stdout).toContain('\nFargateWorkload shop/web  Ready  $0.0146/h (1 pod × $0.0146)  cluster demo\n');
    expect((await plugin(['status', '-A'])).scopes).toEqual([undefined]);
    expect((await plugin(['status', '--namespace=billing'])).scopes).toEqual(['billing']);
  });

  it('status -o json prints a kubectl List of trees, one tree for NAME; -o yaml the same as YAML', async () => {
    const list = JSON.parse((await plugin(['status', '-o', 'json'])).stdout) as { apiVersion: string; kind: string; items: { namespace: string; name: string; health: { state: string } }[] };
    expect([list.apiVersion, list.kind]).toEqual(['v1', 'List']);
    expect(list.items.map((tree) => [tree.name, tree.health.state])).toEqual([['huge', 'Stalled'], ['web', 'Ready']]);
    expect(parse((await plugin(['status', '-o', 'yaml'])).stdout)).toEqual(list);
    const one = await plugin(['status', 'web', '-o', 'json']);
    expect(Object.keys(JSON.parse(one.stdout))).toEqual(['namespace', 'name', 'cluster', 'health', 'terminating', 'cost', 'fargateProfile', 'iamRole', 'serviceAccount', 'deployment', 'pods', 'ingress']);
    expect(parse((await plugin(['status', 'web', '-o', 'yaml'])).stdout)).toEqual(JSON.parse(one.stdout));
  });

  it('why exits 0 for a Ready workload and 1 for one that is not, with the report on stdout', async () => {
    const ready = await plugin(['why', 'web']);
    expect(ready).toMatchObject({ code: 0, stderr: '' });
    expect(ready.stdout.split('\n')[0]).toBe('FargateWorkload shop/web is Ready');
    const stalled = await plugin(['why', 'huge', '-o', 'json']);
    expect(stalled.code).toBe(1);
    expect(JSON.parse(stalled.stdout)).toMatchObject({ namespace: 'shop', name: 'huge', ready: false, cause: 'spec' });
  });

  it('a missing workload is one line as kubectl says it, with the HTTP status, exit 1', async () => {
    for (const args of [['why', 'ghost'], ['status', 'ghost']]) {
      const run = await plugin(args);
      expect(run).toMatchObject({ code: 1, stdout: '', stderr: 'Error from server (NotFound): HTTP 404: fargateworkloads.fargate.eksops.dev "ghost" not found\n' });
    }
  });

  it('an API error names its reason and HTTP status; without a reason, the status alone; without an answer, error:', () => {
    const forbidden = Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: { reason: 'Forbidden', message: 'fargateworkloads.fargate.eksops.dev is forbidden: User "dev" cannot list' } });
    expect(describeFailure(forbidden)).toBe('Error from server (Forbidden): HTTP 403: fargateworkloads.fargate.eksops.dev is forbidden: User "dev" cannot list');
    expect(describeFailure(Object.assign(new Error('HTTP-Code: 502'), { code: 502, body: 'bad gateway' }))).toBe('Error from server: HTTP 502: bad gateway');
    expect(describeFailure(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe('error: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('cost sums the namespace, -A every namespace, -o json the documented shape', async () => {
    const text = await plugin(['cost']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('NAMESPACE   WORKLOADS   PODS   USD/HOUR   USD/MONTH');
    const json = JSON.parse((await plugin(['cost', '-A', '-o', 'json'])).stdout);
    expect(Object.keys(json)).toEqual(['currency', 'hoursPerMonth', 'workloads', 'namespaces', 'clusters', 'total']);
    expect(json.total).toEqual({ workloads: 2, pods: 1, hourlyUSD: 0.0146, monthlyUSD: 10.66 });
  });

  it('bad usage is one line and exit 2: unknown command, unknown flag, -o text, NAME with -A, why without NAME, a stray argument', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^error: unknown command "frobnicate" for "kubectl fargate"/],
      [['toString'], /^error: unknown command "toString" for "kubectl fargate"/],
      [['status', '--bogus'], /^error: status: Unknown option '--bogus'/],
      [['status', '-o', 'text'], /^error: status: unknown output format "text": use one of json, yaml/],
      [['status', 'web', '-A'], /^error: status: a workload cannot be retrieved by name across all namespaces/],
      [['why'], /^error: why: give the workload's NAME/],
      [['why', 'web', '-A'], /^error: why: Unknown option '-A'/],
      [['cost', 'extra'], /^error: cost: unexpected argument "extra"/],
      [['status', '--color', 'sometimes'], /^error: status: --color must be one of auto, always, never/],
    ];
    for (const [args, message] of cases) {
      const run = await plugin(args);
      expect([args, run.code, run.stdout]).toEqual([args, 2, '']);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
  });

  it('--help on every command, and --kubeconfig and --context reach the connection', async () => {
    expect((await plugin(['--help'])).stdout).toMatch(/^Usage: kubectl fargate COMMAND/);
    expect((await plugin(['help', 'why'])).stdout).toMatch(/^Usage: kubectl fargate why NAME/);
    expect((await plugin(['help', 'constructor'])).stdout).toMatch(/^Usage: kubectl fargate COMMAND/);
    for (const command of ['status', 'why', 'cost']) {
      const help = await plugin([command, '--help']);
      expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(new RegExp(`^Usage: kubectl fargate ${command}`))]);
    }
    expect((await plugin(['status', '--kubeconfig', '/tmp/k', '--context', 'prod'])).target).toEqual({ kubeconfig: '/tmp/k', context: 'prod' });
  });

  it('colours only a terminal without NO_COLOR, unless --color says otherwise; never machine output', async () => {
    const ESC = '\x1b[';
    expect((await plugin(['status'])).stdout).not.toContain(ESC);
    expect((await plugin(['status'], { isTTY: true })).stdout).toContain(ESC);
    expect((await plugin(['status'], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
    expect((await plugin(['status', '--color', 'always'])).stdout).toContain(ESC);
    expect((await plugin(['status', '--color=never'], { isTTY: true })).stdout).not.toContain(ESC);
    expect((await plugin(['status', '-o', 'json', '--color', 'always'])).stdout).not.toContain(ESC);
    expect(useColour('auto', true, { TERM: 'dumb' })).toBe(false);
    expect(useColour('auto', true, { NO_COLOR: '' })).toBe(true);
  });

  it('a list RBAC forbids is a warning on stderr; the rest is still shown', async () => {
    const run = await plugin(['status'], { forbidPods: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('Warning: cannot list pods in namespace shop: HTTP 403 Forbidden: pods is forbidden\n');
    expect(run.stdout).toContain('FargateWorkload shop/web  Ready');
  });

  it('no workloads: kubectl\'s "No resources found" on stderr, exit 0; an empty list as JSON', async () => {
    expect(await plugin(['status', '-n', 'empty'], { workloads: [] })).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n' });
    expect(JSON.parse((await plugin(['status', '-A', '-o', 'json'], { workloads: [] })).stdout)).toEqual({ apiVersion: 'v1', kind: 'List', items: [] });
  });

  it('an unusable kubeconfig or context, or an API server that does not answer, is one line and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfp-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      // Port 1 on loopback: nothing listens, the connection is refused at once.
      writeFileSync(
        kubeconfig,
        ['apiVersion: v1', 'kind: Config', 'current-context: local', 'clusters: [{name: local, cluster: {server: "https://127.0.0.1:1"}}]', 'users: [{name: me, user: {token: t}}]', 'contexts: [{name: local, context: {cluster: local, user: me}}]', ''].join('\n'),
      );
      const runReal = async (args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await main(args, { out: (text) => (stdout += text), err: (text) => (stderr += text) }, { ...processEnvironment, isTTY: false });
        return { code, stdout, stderr };
      };
      expect(await runReal(['status', '--kubeconfig', kubeconfig, '--context', 'prod'])).toEqual({ code: 1, stdout: '', stderr: 'error: context "prod" does not exist\n' });
      const missing = await runReal(['cost', '--kubeconfig', join(dir, 'none')]);
      expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^error: cannot load the kubeconfig ${join(dir, 'none')}: ENOENT[^\n]*\n$`))]);
      const refused = await runReal(['why', 'web', '--kubeconfig', kubeconfig]);
      expect([refused.code, refused.stdout]).toEqual([1, '']);
      expect(refused.stderr).toMatch(/^error: [^\n]*ECONNREFUSED[^\n]*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
