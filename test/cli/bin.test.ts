// The installed executable, as a user runs it after `npm ci && npm run build`: a real child process.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = 'bin/eks-fargate-operator';
const PLAN_FLAGS = ['--account-id', '123456789012', '--oidc-issuer', 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'];

async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BIN, args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(() => {
  if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
});

test('plan -o json on the full example prints the documented object', async () => {
  const r = await bin(['plan', '-f', 'examples/full-workload.yaml', '-f', 'examples/fargatecluster.yaml', ...PLAN_FLAGS, '-o', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const plan = JSON.parse(r.stdout);
  expect(Object.keys(plan.aws).sort()).toEqual(['fargateProfile', 'iamRole', 'podExecutionRole']);
  expect(plan.aws.iamRole.trustPolicy.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
});

test('size -o json and validate answer with their exit codes', async () => {
  const size = await bin(['size', '-f', 'examples/full-workload.yaml', '-o', 'json']);
  expect(size.code).toBe(0);
  expect(Object.keys(JSON.parse(size.stdout))).toEqual(['vcpu', 'memoryGB', 'hourlyCostUSD']);
  const valid = await bin(['validate', '-f', 'examples/minimal-workload.yaml', '-f', 'examples/fargatecluster.yaml']);
  expect(valid.code).toBe(0);
});

test('a missing file exits 2 with one line and no stack trace', async () => {
  const r = await bin(['validate', '-f', 'does-not-exist.yaml']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('eks-fargate-operator: does-not-exist.yaml: cannot read: no such file\n');
});

test('--help works on every command', async () => {
  for (const cmd of [[], ['plan'], ['size'], ['validate']]) {
    const r = await bin([...cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: eks-fargate-operator/);
  }
});
