import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli-capture.js';

const CLUSTER = 'examples/fargatecluster.yaml';
const FULL = 'examples/full-workload.yaml';
const MINIMAL = 'examples/minimal-workload.yaml';
const PLAN_FLAGS = ['--account-id', '123456789012', '--oidc-issuer', 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const podYaml = (cpu: string, memory: string) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: app
      image: nginx
      resources: {requests: {cpu: "${cpu}", memory: "${memory}"}}
`;

describe('eks-fargate-operator (command line)', () => {
  test('--help lists every command and each command has its own help', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['plan', 'size', 'validate', 'iam-policy']) {
      expect(top.stdout).toContain(cmd);
      const help = await runCli([cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: eks-fargate-operator ${cmd}`);
    }
  });

  test('an unknown command exits 2 with one line', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('size', () => {
  test('-o json prints exactly the documented object', async () => {
    const r = await runCli(['size', '-f', file('pod.yaml', podYaml('1', '8Gi')), '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ vcpu: 2, memoryGB: 9, hourlyCostUSD: 0.121 });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('sizes a Deployment and a FargateWorkload, as text', async () => {
    const deployment = file(
      'deploy.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: a, image: x, resources: {requests: {cpu: 250m, memory: 512Mi}}}
        - {name: b, image: y, resources: {requests: {cpu: 250m, memory: 512Mi}}}
`,
    );
    const r = await runCli(['size', '-f', deployment]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Deployment shop/web');
    expect(r.stdout).toContain('0.5 vCPU, 2 GB memory');
    const fw = await runCli(['size', '-f', MINIMAL, '-o', 'json']);
    expect(fw.code).toBe(0);
    expect(Object.keys(JSON.parse(fw.stdout))).toEqual(['vcpu', 'memoryGB', 'hourlyCostUSD']);
  });

  test('an impossible size exits 1 naming the limit', async () => {
    const r = await runCli(['size', '-f', file('huge.yaml', podYaml('20', '8Gi')), '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/16 vCPU/);
  });

  test('a file without pods, a missing file and bad YAML exit 2 with one line and no stack', async () => {
    const svc = file('svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n');
    const cases = [
      [['size', '-f', svc], /no object with pods to size/],
      [['size', '-f', join(dir, 'nope.yaml')], /nope\.yaml: cannot read: no such file/],
      [['size', '-f', file('bad.yaml', 'kind: Pod\n  spec: [\n')], /bad\.yaml: not valid YAML/],
      [['size'], /give the manifest with -f FILE/],
      [['size', '-f', svc, '-o', 'xml'], /unknown output format "xml"/],
      [['size', '--bogus'], /size: Unknown option '--bogus'/],
    ] as const;
    for (const [args, message] of cases) {
      const r = await runCli([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('validate', () => {
  test('every example is valid', async () => {
    const r = await runCli(['validate', '-f', CLUSTER, '-f', MINIMAL, '-f', FULL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FargateCluster demo: valid/);
  });

  test('an invalid workload exits 1 and prints every problem with its path', async () => {
    const bad = file(
      'bad-fw.yaml',
      `apiVersion: fargate.eksops.dev/v1alpha1
kind: FargateWorkload
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: nginx
          securityContext: {privileged: true}
          resources: {limits: {nvidia.com/gpu: 1}}
`,
    );
    const r = await runCli(['validate', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.template.spec.hostNetwork');
    expect(r.stderr).toContain('spec.template.spec.containers[0].securityContext.privileged');
    expect(r.stderr).toMatch(/nvidia\.com\/gpu/);
    expect(r.stderr.trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });

  test('a workload is checked against the guard rails of its FargateCluster', async () => {
    const fw = file(
      'policy-fw.yaml',
      `apiVersion: fargate.eksops.dev/v1alpha1
kind: FargateWorkload
metadata: {name: web, namespace: shop}
spec:
  template: {spec: {containers: [{name: app, image: nginx}]}}
  iam: {managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"]}
`,
    );
    const alone = await runCli(['validate', '-f', fw]);
    expect(alone.code).toBe(0);
    const withCluster = await runCli(['validate', '-f', fw, '-f', CLUSTER]);
    expect(withCluster.code).toBe(1);
    expect(withCluster.stderr).toContain('spec.iam.managedPolicyArns[0]');
    expect(withCluster.stderr).toContain('AdministratorAccess');
  });

  test('an unknown kind exits 2', async () => {
    const r = await runCli(['validate', '-f', file('pod2.yaml', podYaml('1', '1Gi'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown kind v1\/Pod .*validate takes fargate\.eksops\.dev\/v1alpha1 FargateWorkload and FargateCluster/);
  });
});

describe('iam-policy', () => {
  const OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/eks-fargate-operator/eks-fargate-operator';

  test('prints the policy for the example cluster, the same as deploy/iam/operator-policy.example.json, with its warning on stderr', async () => {
    const r = await runCli(['iam-policy', '-f', CLUSTER, '-f', MINIMAL, '--account-id', '123456789012', '--operator-role-arn', OPERATOR_ROLE]);
    expect(r.code).toBe(0);
    const { readExampleOperatorPolicy } = await import('../support/least-privilege.js');
    expect(JSON.parse(r.stdout)).toEqual(readExampleOperatorPolicy());
    expect(r.stderr).toMatch(/^warning: FargateCluster demo: the operator manages the pod execution role/);
  });

  test('refuses a role path of "/" and an operator role the policy could change, exit 1, one line each', async () => {
    const root = file('root-path.yaml', 'apiVersion: fargate.eksops.dev/v1alpha1\nkind: FargateCluster\nmetadata: {name: c}\nspec: {region: us-east-1, subnetIds: [subnet-0a1b2c3d4e5f60718]}\n');
    const r = await runCli(['iam-policy', '-f', root]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(/^iam-policy: FargateCluster c: spec.iam.rolePath is "\/".*set a path used only by this operator/);
    const own = await runCli(['iam-policy', '-f', CLUSTER, '--operator-role-arn', 'arn:aws:iam::123456789012:role/eksops/operator']);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/own role arn:aws:iam::123456789012:role\/eksops\/operator falls under/);
  });

  test('an invalid FargateCluster, no cluster at all, and no file are refused', async () => {
    const invalid = file('bad-cluster.yaml', 'apiVersion: fargate.eksops.dev/v1alpha1\nkind: FargateCluster\nmetadata: {name: c}\nspec: {region: us-east-1}\n');
    const r = await runCli(['iam-policy', '-f', invalid]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.subnetIds');
    expect((await runCli(['iam-policy', '-f', MINIMAL])).stderr).toMatch(/no FargateCluster/);
    expect((await runCli(['iam-policy'])).code).toBe(2);
  });
});

describe('plan', () => {
  test('-o json prints the documented shape for the full example', async () => {
    const r = await runCli(['plan', '-f', FULL, '-f', CLUSTER, ...PLAN_FLAGS, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan)).toEqual(['aws', 'kubernetes']);
    expect(plan.aws.iamRole).toEqual(
      expect.objectContaining({
        name: expect.any(String),
        path: '/eksops/',
        arn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/eksops\//),
        trustPolicy: expect.any(Object),
        managedPolicyArns: expect.any(Array),
        inlinePolicy: expect.any(Object),
        permissionsBoundary: expect.stringMatching(/^arn:aws:iam::/),
        tags: expect.any(Object),
      }),
    );
    expect(plan.aws.fargateProfile).toEqual(
      expect.objectContaining({
        name: expect.any(String),
        clusterName: 'demo',
        subnets: expect.any(Array),
        selectors: expect.any(Array),
        podExecutionRoleArn: plan.aws.podExecutionRole.arn,
        tags: expect.any(Object),
      }),
    );
    expect(plan.aws.podExecutionRole).toEqual(
      expect.objectContaining({ name: expect.any(String), arn: expect.any(String), trustPolicy: expect.any(Object), managedPolicyArns: expect.any(Array) }),
    );
    const kinds = plan.kubernetes.map((o: { kind: string }) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['ServiceAccount', 'Deployment', 'Service', 'Ingress', 'SecurityGroupPolicy', 'HorizontalPodAutoscaler']));
  });

  test('the same input plans byte for byte the same; yaml is the default output', async () => {
    const a = await runCli(['plan', '-f', FULL, '-f', CLUSTER, ...PLAN_FLAGS]);
    const b = await runCli(['plan', '-f', CLUSTER, '-f', FULL, ...PLAN_FLAGS]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/^aws:\n/);
  });

  test('plans the minimal example', async () => {
    const r = await runCli(['plan', '-f', MINIMAL, '-f', CLUSTER, ...PLAN_FLAGS, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).kubernetes.map((o: { kind: string }) => o.kind)).toEqual(['ServiceAccount', 'Deployment']);
  });

  test('invalid input exits 1 with the same messages as validate', async () => {
    const bad = file(
      'bad-plan.yaml',
      `apiVersion: fargate.eksops.dev/v1alpha1
kind: FargateWorkload
metadata: {name: web, namespace: shop}
spec:
  template: {spec: {hostPID: true, containers: [{name: app, image: nginx}]}}
`,
    );
    const v = await runCli(['validate', '-f', bad, '-f', CLUSTER]);
    const p = await runCli(['plan', '-f', bad, '-f', CLUSTER, ...PLAN_FLAGS]);
    expect(p.code).toBe(1);
    expect(p.stdout).toBe('');
    expect(p.stderr).toBe(v.stderr);
    expect(p.stderr).toContain('spec.template.spec.hostPID');
  });

  test('bad flags and missing objects exit 2 with one clear line', async () => {
    const cases = [
      [['plan', '-f', FULL, '-f', CLUSTER, '--oidc-issuer', 'https://x'], /--account-id must be the 12-digit/],
      [['plan', '-f', FULL, '-f', CLUSTER, '--account-id', '123', '--oidc-issuer', 'https://x'], /not "123"/],
      [['plan', '-f', FULL, '-f', CLUSTER, '--account-id', '123456789012', '--oidc-issuer', 'oidc.example'], /--oidc-issuer must be/],
      [['plan', '-f', FULL, ...PLAN_FLAGS], /no FargateCluster named "demo" in the files/],
      [['plan', '-f', MINIMAL, ...PLAN_FLAGS], /0 FargateClusters; give exactly one/],
      [['plan', '-f', CLUSTER, ...PLAN_FLAGS], /0 FargateWorkloads; plan takes exactly one/],
      [['plan', '-f', FULL, '-f', MINIMAL, '-f', CLUSTER, ...PLAN_FLAGS], /2 FargateWorkloads/],
    ] as const;
    for (const [args, message] of cases) {
      const r = await runCli([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
