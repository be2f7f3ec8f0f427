/**
 * The bad-input corpus (test/support/bad-input-corpus.ts) against the real API server, the running
 * operator and `bin/eks-fargate-operator validate`: every case refused by `kubectl apply` with a
 * message that says what is wrong, or accepted and then Stalled by the operator naming the field,
 * before any AWS write; and `validate`, given the same files and the corpus FargateCluster, calls
 * each one invalid and names the same fields.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { kubectl, KubectlError } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import type { FargateWorkload } from '../../src/api/types.js';
import { isWriteOperation } from '../../src/aws/call-log.js';
import { createFargateWorkloadReconciler } from '../../src/operator/reconcilers/fargate-workload.js';
import { badInputCorpus, corpusCluster, type BadInputCase } from '../support/bad-input-corpus.js';
import { CLUSTER, condition, core, destroyClients, ensureReadyCluster, environment, readWorkload, removeCluster, seed } from '../support/fargate-workload-kit.js';
import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const PREFIX = 'bad';
const namespace = `bad-input-${Date.now().toString(36)}`;
const context = { namespace, clusterName: CLUSTER, accountId: seed.accountId, privateSubnetIds: seed.privateSubnetIds, publicSubnetId: seed.publicSubnetId };
const corpus = badInputCorpus(context);
const refusedCases = corpus.filter((c) => 'refused' in c.verdict).map((c) => [c.id, c] as const);
const stalledCases = corpus.filter((c) => 'stalled' in c.verdict).map((c) => [c.id, c] as const);

let dir: string;
let under: OperatorUnderTest;
/** What `validate` said about each case's file: its problems as `path: message`. */
type ValidateProblems = Map<string, { path: string; message: string }[]>;
let withoutCluster: { exit: number | undefined; problems: ValidateProblems };
let withCluster: { exit: number | undefined; problems: ValidateProblems };
let clusterAlone = '';

const fileOf = (id: string) => join(dir, `${id}.yaml`);

/** Applies a case's file with `kubectl apply`, as a user would; what the API server said. */
async function apply(id: string): Promise<{ accepted: boolean; message: string }> {
  try {
    await kubectl(environment, ['apply', '-f', fileOf(id)]);
    return { accepted: true, message: '' };
  } catch (error) {
    if (error instanceof KubectlError) return { accepted: false, message: error.stderr };
    throw error;
  }
}

/** Runs `validate` over these files; its exit code, and its problems filed by case (or by file, for anything else). */
async function runValidate(files: string[]): Promise<{ exit: number | undefined; problems: ValidateProblems; stdout: string }> {
  const args = [join(repoRoot(), 'bin/eks-fargate-operator'), 'validate', ...files.flatMap((file) => ['-f', file])];
  const problems: ValidateProblems = new Map();
  let exit: number | undefined = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    exit = failed.code;
    stdout = failed.stdout ?? '';
    stderr = failed.stderr ?? '';
  }
  // One line per problem: `<file>: <Kind ns/name>: <path>: <message>`.
  for (const line of stderr.split('\n').filter(Boolean)) {
    const [file = '', _label, path = '', ...message] = line.split(': ');
    const id = corpus.find((c) => fileOf(c.id) === file)?.id ?? file;
    problems.set(id, [...(problems.get(id) ?? []), { path, message: message.join(': ') }]);
  }
  return { exit, problems, stdout };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
  for (const c of corpus) writeFileSync(fileOf(c.id), stringify(c.object));
  const clusterFile = join(dir, 'corpus-cluster.yaml');
  const clusterManifest = corpusCluster(context, PREFIX);
  writeFileSync(clusterFile, stringify(clusterManifest));
  // The cases the API server refuses, judged as the CRDs judge them (no cluster: no guard rails);
  // the others against the corpus cluster, whose guard rails they break.
  withoutCluster = await runValidate(refusedCases.map(([id]) => fileOf(id)));
  withCluster = await runValidate([clusterFile, ...stalledCases.map(([id]) => fileOf(id))]);
  clusterAlone = (await runValidate([clusterFile])).stdout.trim();
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  under = await startOperatorForTest({ reconcilers: { workload: createFargateWorkloadReconciler } });
  await ensureReadyCluster(clusterManifest);
}, 120_000);

afterAll(async () => {
  // A refusal that stopped working would have created its object: none may outlive the suite.
  const clusterCases = corpus.filter((c) => c.object.kind === 'FargateCluster').map((c) => c.object.metadata?.name ?? '');
  await kubectl(environment, ['delete', 'fargateclusters', ...clusterCases, '--ignore-not-found', '--wait=false']).catch(() => undefined);
  await kubectl(environment, ['delete', 'fargateworkloads', '--all', '-n', namespace, '--wait=false']).catch(() => undefined);
  await waitFor('the corpus workloads gone', () => kubectl(environment, ['get', 'fargateworkloads', '-n', namespace, '-o', 'name']), (out) => out.stdout.trim() === '', 60_000).catch(() => undefined);
  await removeCluster(CLUSTER);
  await under?.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  destroyClients();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('the bad-input corpus', () => {
  test('has at least 60 cases, each with its own name, and validate calls the corpus cluster valid and every case invalid', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    expect(clusterAlone).toBe(`FargateCluster ${CLUSTER}: valid`);
    expect([withoutCluster.exit, withCluster.exit]).toEqual([1, 1]);
    expect(refusedCases.filter(([id]) => (withoutCluster.problems.get(id) ?? []).length === 0).map(([id]) => id)).toEqual([]);
    expect(stalledCases.filter(([id]) => (withCluster.problems.get(id) ?? []).length === 0).map(([id]) => id)).toEqual([]);
    // Every problem line belongs to a case file: nothing was said about anything else (the cluster included).
    const ids = new Set(corpus.map((c) => c.id));
    expect([...withoutCluster.problems.keys(), ...withCluster.problems.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });

  test.each(refusedCases)('%s: refused by kubectl apply, saying what is wrong; validate names the same fields', async (id, c: BadInputCase) => {
    const result = await apply(id);
    expect(result.accepted).toBe(false);
    // The causes only: the header names the object and its file (the case's id), which would match anything.
    const causes = result.message.replace(/^[\s\S]*?(?:The \w+ "[^"]*" is invalid: *|strict decoding error: )/, '');
    expect(causes).not.toBe(result.message);
    for (const message of (c.verdict as { refused: RegExp[] }).refused) expect(causes).toMatch(message);
    // Root-level rules have no field (the server says "<nil>"); every other field validate names is
    // one the server names (or, where validate is more precise, its parent: a map key, a list item).
    const problems = withoutCluster.problems.get(id) ?? [];
    expect(problems).not.toEqual([]);
    const unnamed = problems
      .filter((p) => p.path !== '(object)')
      .filter((p) => !result.message.includes(p.path) && !result.message.includes(`${p.path.replace(/(\[[^\]]*\])$/, '')}:`));
    expect(unnamed).toEqual([]);
  });

  test.each(stalledCases)('%s: accepted, then Stalled naming the field before any AWS write; validate names it too', async (id, c: BadInputCase) => {
    const { stalled: reason, field } = c.verdict as { stalled: string; field: string };
    const mark = under.awsCalls.mark();
    expect(await apply(id)).toEqual({ accepted: true, message: '' });
    const workload = await waitFor(`${namespace}/${id} Stalled`, () => readWorkload(namespace, id), (w: FargateWorkload | undefined) => condition(w, 'Stalled')?.status === 'True', 30_000);
    expect(condition(workload, 'Stalled')).toMatchObject({ reason, message: expect.stringContaining(`${field}: `) });
    // It says so for the spec as written, and holds nothing to clean up.
    expect(workload?.status?.observedGeneration).toBe(workload?.metadata.generation);
    expect(workload?.metadata.finalizers ?? []).toEqual([]);
    expect(under.awsCalls.since(mark).filter((call) => isWriteOperation(call.operation)).map((call) => call.operation)).toEqual([]);
    // validate finds this problem, and only this one: the case stalls for the reason it is about.
    expect([...new Set((withCluster.problems.get(id) ?? []).map((p) => p.path))]).toEqual([field]);
    await kubectl(environment, ['delete', 'fargateworkload', id, '-n', namespace, '--wait=false']);
  });

  test('the valid shapes next to them are accepted (the refusals are not for something else), by both', async () => {
    const valid = corpus[0]!.object as FargateWorkload;
    const shapes: [string, Record<string, unknown>][] = [
      ['valid-workload', { ...valid, metadata: { name: 'valid-workload', namespace }, spec: { ...valid.spec, networking: undefined, template: { metadata: { labels: { app: 'valid' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }, ingress: { port: 8080 } } }],
      [
        'valid-full-pod',
        {
          ...valid,
          metadata: { name: 'valid-full-pod', namespace },
          spec: {
            clusterName: CLUSTER,
            disruption: { maxUnavailable: '25%' },
            template: { spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'nginx', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } }, env: [{ name: 'MODE', value: 'x' }] }] } },
          },
        },
      ],
      ['valid-cluster', { apiVersion: 'fargate.eksops.dev/v1alpha1', kind: 'FargateCluster', metadata: { name: 'valid-cluster' }, spec: { region: 'us-east-1', subnetIds: ['subnet-0123456789abcdef0'], podExecutionRole: { create: true } } }],
    ];
    for (const [name, object] of shapes) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, stringify(JSON.parse(JSON.stringify(object))));
      await expect(kubectl(environment, ['create', '--dry-run=server', '-f', file])).resolves.toBeDefined();
      await expect(run(process.execPath, [join(repoRoot(), 'bin/eks-fargate-operator'), 'validate', '-f', file])).resolves.toMatchObject({ stdout: expect.stringContaining(': valid') });
    }
  });
});
