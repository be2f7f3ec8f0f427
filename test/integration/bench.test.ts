/**
 * `npm run bench` at a small size, so that the benchmark keeps working as the operator changes:
 * in operator-only mode and end-to-end (pods scheduled on simulated Fargate nodes). The figures
 * are not judged here (they depend on the machine); what must hold on any machine is: every
 * workload Ready, a steady resync without one write, and nothing left in the AWS account. The
 * operator-only run starts the bundle the image runs (the default), the end-to-end one dist/.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchRun } from '../../scripts/bench/bench-figures.js';
import { ensureNodeRelease } from '../../scripts/dev-env/node-runtime.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

const run = promisify(execFile);
const root = repoRoot();
const RUN_TIMEOUT_MS = 240_000;

async function bench(args: string[]): Promise<{ stdout: string; figures: BenchRun }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'bench.json');
    const { stdout } = await run(process.execPath, [join(root, '.dev-env/build/scripts/bench.js'), ...args, '--out', out], { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: RUN_TIMEOUT_MS });
    return { stdout, figures: JSON.parse(readFileSync(out, 'utf8')) as BenchRun };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run bench', () => {
  beforeAll(async () => {
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.support.json')], { cwd: root });
    // The benchmark refuses a bundle older than dist/, which `npm test` has just rebuilt.
    await run('npm', ['run', 'bundle'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    // The operator runs on the image's Node line (bench's default): fetched here, not inside a run's time limit.
    await ensureNodeRelease(22);
  }, 300_000);

  it('operator-only: measures 8 workloads in 3 namespaces, writes nothing in the steady resync and leaves the account clean', async () => {
    const { stdout, figures } = await bench(['--workloads', '8', '--sizes', '8', '--namespaces', '3', '--resync', '5s', '--policies', '2', '--ingress-share', '0.25']);
    const [size] = figures.sizes;
    expect(figures.sizes).toHaveLength(1);
    expect(size).toMatchObject({ workloads: 8, namespaces: 3, mode: 'operator', leftInAccount: 0 });
    expect(figures.settings['operator']).toBe('bundle');
    // Each workload's role was created with its two policies; the shared profile once for all.
    expect(size!.awsCallsPerWorkload.byOperation['iam:CreateRole']).toBe(1);
    expect(size!.awsCallsPerWorkload.byOperation['iam:AttachRolePolicy']).toBe(2);
    expect(size!.awsCallsPerWorkload.byOperation['eks:CreateFargateProfile']).toBe(0.13);
    // A Deployment and a ServiceAccount each, an Ingress for two of them: made by a plain create
    // (never applied over someone else's object), so no apply.
    expect(size!.kubeWritesPerWorkload.byVerbResource['create deployments']).toBe(1);
    expect(size!.kubeWritesPerWorkload.byVerbResource['create serviceaccounts']).toBe(1);
    expect(size!.kubeWritesPerWorkload.byVerbResource['create ingresses']).toBe(0.25);
    expect(size!.kubeWritesPerWorkload.byVerbResource['patch deployments']).toBeUndefined();
    expect(size!.steady).toMatchObject({ awsWrites: 0, kubeWrites: 0 });
    // Staggered reads (the default): a pass lists the role path once and reads one part of each
    // workload's role, so the per-role reads come to 1 a workload, plus the FargateCluster's
    // execution role (three reads a reconcile of it, 3/8 a workload, one or two reconciles a
    // pass); all three parts of every role each pass (per-role) would be 3 a workload and more.
    expect(size!.steady.byOperation['iam:ListRoles']).toBeGreaterThan(0);
    const roleReads = ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'].reduce((sum, operation) => sum + (size!.steady.byOperation[operation] ?? 0), 0);
    expect(roleReads).toBeGreaterThanOrEqual(1);
    expect(roleReads).toBeLessThan(2.5);
    expect(size!.steady.byOperation['iam:GetAccountAuthorizationDetails']).toBeUndefined();
    expect(size!.rssMiB.peak).toBeGreaterThan(0);
    expect(stdout).toMatch(/^time to all Ready \(s\)\s+\d+\.\d$/m);
    expect(stdout).toContain('AWS calls per workload on create, by operation (8 workloads):');
  }, RUN_TIMEOUT_MS + 10_000);

  it('end-to-end: the controller manager, scheduler and simulated Fargate nodes run the pods (roles read account-wide)', async () => {
    const { figures } = await bench(['--workloads', '4', '--sizes', '4', '--namespaces', '2', '--resync', '5s', '--mode', 'e2e', '--operator', 'dist', '--iam-role-reads', 'account']);
    const [size] = figures.sizes;
    expect(figures.settings['operator']).toBe('dist');
    expect(size).toMatchObject({ workloads: 4, mode: 'e2e', leftInAccount: 0 });
    expect(size!.steady).toMatchObject({ awsWrites: 0, kubeWrites: 0 });
    // --iam-role-reads account: a pass reads the roles once for all (1/4 per workload). GetRole is
    // left to the FargateCluster's own reads (its pod execution role, and the orphan sweep's look
    // at roles under the path: 2 a pass, 1/2 per workload); reading each workload's role would add 1.
    expect(size!.steady.byOperation['iam:GetAccountAuthorizationDetails']).toBeGreaterThan(0);
    expect(size!.steady.byOperation['iam:GetAccountAuthorizationDetails']).toBeLessThanOrEqual(0.25);
    expect(size!.steady.byOperation['iam:GetRole'] ?? 0).toBeLessThan(1);
  }, RUN_TIMEOUT_MS + 10_000);
});
