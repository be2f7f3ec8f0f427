// `run` as a user starts it: the built executable, for what needs no cluster (help and bad values).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RUN_FLAGS } from '../../src/operator/run-options.js';

const run = promisify(execFile);
// A Node process start each; generous for a loaded machine.
const TIMEOUT_MS = 30_000;

async function bin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bin/eks-fargate-operator', args, { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('run --help documents every flag and its environment variables', async () => {
  const result = await bin(['run', '--help']);
  expect(result.code).toBe(0);
  for (const flag of RUN_FLAGS) {
    expect(result.stdout).toContain(`--${flag.flag} `);
    for (const env of flag.env) expect(result.stdout).toContain(env);
  }
}, TIMEOUT_MS);

test.each([
  [['run', '--region', 'us-east-1', '--concurrency', '0'], {}, "eks-fargate-operator: run: --concurrency must be a whole number from 1 to 100, not \"0\" (see 'run --help')\n"],
  [['run'], {}, "eks-fargate-operator: run: no AWS region: pass --region or set AWS_REGION (see 'run --help')\n"],
  [['run', '--leader-elect=maybe'], { AWS_REGION: 'us-east-1' }, "eks-fargate-operator: run: --leader-elect must be true or false, not \"maybe\" (see 'run --help')\n"],
  [['run'], { AWS_REGION: 'us-east-1', EKSFO_RESYNC: 'hourly' }, "eks-fargate-operator: run: EKSFO_RESYNC must be a duration of at least 1000 ms like 30s, 10m or 1h, not \"hourly\" (see 'run --help')\n"],
])('%j with %j exits 2 with one line', async (args, env, message) => {
  const result = await bin(args, env);
  expect(result).toEqual({ code: 2, stdout: '', stderr: message });
}, TIMEOUT_MS);
