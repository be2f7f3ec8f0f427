/**
 * The README's first command, `npm run demo` with `--once`: its own environment (control plane,
 * controllers, KWOK, moto, EKS proxy, Fargate scheduler stand-in), the built operator as a process,
 * examples/ applied, every object Ready with its pods Running on Fargate nodes, then everything
 * stopped. The examples change with the API and the operator's checks (a made-up
 * security group once kept shop/web from Ready), so the demo must keep converging them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { manifestFiles, manifestObjects } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

const run = promisify(execFile);
const root = repoRoot();
const DEMO_TIMEOUT_SECONDS = 180;

describe('npm run demo -- --once', () => {
  it('brings every example to Ready and stops everything it started', async () => {
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.support.json')], { cwd: root });
    const { stdout } = await run(process.execPath, [join(root, '.dev-env/build/scripts/demo.js'), '--once', '--timeout', String(DEMO_TIMEOUT_SECONDS)], {
      cwd: root,
      env: { ...process.env, CI: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const examples = manifestFiles(join(root, 'examples')).flatMap((file) => manifestObjects(file));
    expect(stdout).toContain(`[demo] everything is Ready: ${examples.length} objects`);
    // The pods run on Fargate nodes, provisioned at the size the workloads report, and both sides of kubectl version are v1.34.
    expect(stdout).toMatch(/\[demo\] every pod Running on a Fargate node, provisioned at the size in its workload's status \([1-9]\d* pods\)/);
    expect(stdout).toMatch(/ Running +\d+ +\S+ +10\.0\.\d+\.\d+ +fargate-ip-10-0-[12]-\d+\.ec2\.internal /);
    expect(stdout).toMatch(/Client Version: v1\.34\.\d+\n.*\nServer Version: v1\.34\.\d+/);
    expect(stdout).toMatch(/\[demo\] done$/m);
    // The environment's temp folder (etcd data, certificates, logs) is gone with it.
    const tempDir = /ready in [\d.]+ s \(([^)]+)\)/.exec(stdout)?.[1];
    expect(tempDir).toBeDefined();
    expect(existsSync(tempDir ?? '')).toBe(false);
  }, (DEMO_TIMEOUT_SECONDS + 120) * 1000);
});
