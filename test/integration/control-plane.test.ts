import { join } from 'node:path';
import { kubernetesVersion } from '../../scripts/dev-env/binaries.js';
import { ADMIN_USER } from '../../scripts/dev-env/pki.js';
import { ensureNamespaces, kubectl, KubectlError, manifestFiles, manifestObjects } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { readTestEnvironment } from '../support/test-env.js';

const environment = readTestEnvironment();
const target = { kubectl: environment.kubectl, kubeconfigPath: environment.kubeconfigPath };
const crdFiles = manifestFiles(join(repoRoot(), 'crds'));
const exampleFiles = manifestFiles(join(repoRoot(), 'examples'));

/** Runs kubectl expecting failure; resolves the error so that its message can be asserted. */
async function kubectlFailure(args: string[]): Promise<KubectlError> {
  try {
    await kubectl(target, args);
  } catch (error) {
    if (error instanceof KubectlError) return error;
    throw error;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded, but it was expected to fail`);
}

describe('local control plane', () => {
  it('reports the release version on both sides of kubectl version, as release builds do', async () => {
    const version = kubernetesVersion();
    expect(version).toMatch(/^v1\.34\.\d+$/);
    const { stdout } = await kubectl(target, ['version', '-o', 'json']);
    const reported = JSON.parse(stdout) as { clientVersion: { gitVersion: string; major: string; minor: string }; serverVersion: { gitVersion: string; major: string; minor: string } };
    expect(reported.clientVersion).toMatchObject({ gitVersion: version, major: '1', minor: '34' });
    expect(reported.serverVersion).toMatchObject({ gitVersion: version, major: '1', minor: '34' });
    // The plain form parses too (an unstamped build ends in "could not parse pre-release/metadata").
    const plain = await kubectl(target, ['version']);
    expect(plain.stdout).toContain(`Client Version: ${version}`);
    expect(plain.stdout).toContain(`Server Version: ${version}`);
  });

  it('answers /readyz with the admin kubeconfig', async () => {
    const { stdout } = await kubectl(target, ['get', '--raw', '/readyz']);
    expect(stdout.trim()).toBe('ok');
  });

  it('authenticates the admin client certificate as a member of system:masters', async () => {
    const { stdout } = await kubectl(target, ['auth', 'whoami', '-o', 'json']);
    const review = JSON.parse(stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo.username).toBe(ADMIN_USER);
    expect(review.status.userInfo.groups).toContain('system:masters');
  });

  it('enforces RBAC: an unprivileged user may not list secrets', async () => {
    const failure = await kubectlFailure(['get', 'secrets', '--namespace=default', '--as=unprivileged-user']);
    expect(failure.stderr).toMatch(/Forbidden/);
    expect(failure.stderr).toContain('User "unprivileged-user" cannot list resource "secrets"');
  });

  it('issues service-account tokens signed for the configured issuer', async () => {
    await kubectl(target, ['create', 'serviceaccount', 'token-probe', '--namespace=default']);
    const { stdout } = await kubectl(target, ['create', 'token', 'token-probe', '--namespace=default']);
    const payload = stdout.trim().split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss: string; sub: string };
    expect(claims.iss).toBe('https://kubernetes.default.svc');
    expect(claims.sub).toBe('system:serviceaccount:default:token-probe');
  });
});

describe('CRDs from crds/', () => {
  it('exist (the suite below would prove nothing without them)', () => {
    expect(crdFiles.length).toBeGreaterThanOrEqual(2);
  });

  it('were installed by global setup and are Established', async () => {
    expect(environment.crds).toEqual(crdFiles);
    for (const file of crdFiles) {
      const { stdout } = await kubectl(target, ['get', '-f', file, '-o', 'json']);
      const crd = JSON.parse(stdout) as { status?: { conditions?: { type: string; status: string }[] } };
      const established = crd.status?.conditions?.find((condition) => condition.type === 'Established');
      expect({ file, established: established?.status }).toEqual({ file, established: 'True' });
    }
  });

  it('re-apply cleanly with server-side apply', async () => {
    const { stdout } = await kubectl(target, ['apply', '--server-side', '--force-conflicts', ...crdFiles.flatMap((file) => ['-f', file])]);
    expect(stdout.trim().split('\n')).toHaveLength(crdFiles.length);
  });

  if (exampleFiles.length === 0) return;
  it.each(exampleFiles.map((file) => [file.slice(file.lastIndexOf('/') + 1), file]))('accept the example %s (server-side dry run)', async (_name, file) => {
    await ensureNamespaces(target, [file]);
    const { stdout } = await kubectl(target, ['apply', '--dry-run=server', '-f', file]);
    const objects = manifestObjects(file);
    expect(stdout.trim().split('\n')).toHaveLength(objects.length);
    for (const line of stdout.trim().split('\n')) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
  });
});
