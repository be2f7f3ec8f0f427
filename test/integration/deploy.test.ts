// deploy/ as a platform team installs it: kustomize renders the base and the example overlay, and
// `kubectl apply -k --server-side` of each is accepted by the real API server. Pods never start
// here (no nodes, no controller manager), which is expected: this proves the objects, not the pods.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kubectl, KubectlError } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { readTestEnvironment } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}

const NAMESPACE = 'eks-fargate-operator-system';
const root = repoRoot();
const environment = readTestEnvironment();
const target = { kubectl: environment.kubectl, kubeconfigPath: environment.kubeconfigPath };
const BASE = join(root, 'deploy');
const OVERLAY = join(root, 'deploy/overlays/example');

/** Renders a kustomization with the kubectl built for the harness (kustomize is built in). */
async function render(dir: string): Promise<Manifest[]> {
  const { stdout } = await kubectl(target, ['kustomize', dir]);
  return parseAllDocuments(stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

function only(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, rendered ${found.length}`);
  return found[0]!;
}

function podSpec(objects: Manifest[]): PodSpec {
  return (only(objects, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
}

function operatorContainer(objects: Manifest[]): Container {
  const containers = podSpec(objects).containers;
  expect(containers.map((container) => container.name)).toEqual(['operator']);
  return containers[0]!;
}

/** kubectl arguments naming one object: `kind.group name [-n namespace]`. */
function objectArgs(object: Manifest): string[] {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const resource = group ? `${object.kind.toLowerCase()}.${group}` : object.kind.toLowerCase();
  return [resource, object.metadata.name, ...(object.metadata.namespace ? ['-n', object.metadata.namespace] : [])];
}

let base: Manifest[];
let overlay: Manifest[];
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  [base, overlay] = await Promise.all([render(BASE), render(OVERLAY)]);
}, 60_000);

afterAll(async () => {
  // Everything applied except the CRDs: the harness installed those, and other suites use them.
  const applied = (base ?? []).filter((object) => object.kind !== 'CustomResourceDefinition' && object.kind !== 'Namespace');
  for (const object of applied) await kubectl(target, ['delete', ...objectArgs(object), '--ignore-not-found', '--wait=false']);
  await kubectl(target, ['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
  // The namespace controller empties and removes it; wait, so that the next suite using this
  // namespace does not find it Terminating.
  await waitFor(`namespace ${NAMESPACE} gone`, () => kubectl(target, ['get', 'namespace', NAMESPACE, '--ignore-not-found', '-o', 'name']), (out) => out.stdout.trim() === '', 90_000);
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('rendering', () => {
  test('the base renders every object the install needs, each once', () => {
    const kinds = base.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole/eks-fargate-operator',
        'ClusterRoleBinding/eks-fargate-operator',
        'CustomResourceDefinition/fargateclusters.fargate.eksops.dev',
        'CustomResourceDefinition/fargateworkloads.fargate.eksops.dev',
        'Deployment/eks-fargate-operator',
        `Namespace/${NAMESPACE}`,
        'PodDisruptionBudget/eks-fargate-operator',
        'Role/eks-fargate-operator-leader-election',
        'RoleBinding/eks-fargate-operator-leader-election',
        'Service/eks-fargate-operator-metrics',
        'ServiceAccount/eks-fargate-operator',
      ].sort(),
    );
    for (const object of base) {
      const clusterScoped = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind);
      expect([object.kind, object.metadata.namespace]).toEqual([object.kind, clusterScoped ? undefined : NAMESPACE]);
    }
  });

  test("the CRDs in deploy/base/crds are byte-for-byte those in crds/ (the source of truth)", () => {
    const names = readdirSync(join(root, 'crds')).filter((name) => name.endsWith('.yaml')).sort();
    expect(readdirSync(join(root, 'deploy/base/crds')).sort()).toEqual(names);
    for (const name of names) {
      expect([name, readFileSync(join(root, 'deploy/base/crds', name), 'utf8')]).toEqual([name, readFileSync(join(root, 'crds', name), 'utf8')]);
    }
  });

  test('the rendered CRDs keep the schema of crds/ and are protected from Argo CD prune and delete', () => {
    for (const name of readdirSync(join(root, 'crds')).filter((file) => file.endsWith('.yaml'))) {
      const source = parse(readFileSync(join(root, 'crds', name), 'utf8')) as Manifest;
      const rendered = only(base, 'CustomResourceDefinition', source.metadata.name);
      expect(rendered.spec).toEqual(source.spec);
      expect(rendered.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    }
  });

  test('the Deployment runs `run` with leader election, as uid 65532, read-only, no privileges, RuntimeDefault seccomp', () => {
    const deployment = only(base, 'Deployment');
    const spec = deployment.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
    expect(spec.replicas).toBe(2);
    expect(spec.template.metadata.labels).toEqual(expect.objectContaining(spec.selector.matchLabels));
    const pod = podSpec(base);
    expect(pod.serviceAccountName).toBe('eks-fargate-operator');
    expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } }));
    const container = operatorContainer(base);
    expect(container.securityContext).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      }),
    );
    // The image's ENTRYPOINT is `run`, so args are run's flags.
    expect(container.args).toEqual(expect.arrayContaining(['--leader-elect', '--health-port=8081', '--metrics-port=8080']));
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'health', containerPort: 8081 }), expect.objectContaining({ name: 'metrics', containerPort: 8080 })]));
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    // /tmp is the only writable path (HOME=/tmp in the image).
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    const env = new Map((container.env ?? []).map((variable) => [variable.name, variable]));
    expect(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    expect(env.get('AWS_REGION')?.value).toBe('us-east-1');
  });

  test('the PodDisruptionBudget and the metrics Service select the operator pods', () => {
    const podLabels = (only(base, 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const pdb = only(base, 'PodDisruptionBudget').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(pdb.minAvailable).toBe(1);
    expect(podLabels).toEqual(expect.objectContaining(pdb.selector.matchLabels));
    const service = only(base, 'Service').spec as { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    expect(podLabels).toEqual(expect.objectContaining(service.selector));
    expect(service.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: 'metrics' })]);
  });

  test('the bindings give the ServiceAccount the ClusterRole and the leader-election Role', () => {
    const subject = { kind: 'ServiceAccount', name: 'eks-fargate-operator', namespace: NAMESPACE };
    expect(only(base, 'ClusterRoleBinding').subjects).toEqual([subject]);
    expect(only(base, 'ClusterRoleBinding').roleRef).toEqual(expect.objectContaining({ kind: 'ClusterRole', name: only(base, 'ClusterRole').metadata.name }));
    expect(only(base, 'RoleBinding').subjects).toEqual([subject]);
    expect(only(base, 'RoleBinding').roleRef).toEqual(expect.objectContaining({ kind: 'Role', name: only(base, 'Role').metadata.name }));
    expect(only(base, 'Role').rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  });

  test('the example overlay sets the image, the IRSA role ARN and the region, and changes nothing else that matters', () => {
    const baseArn = only(base, 'ServiceAccount').metadata.annotations?.['eks.amazonaws.com/role-arn'];
    const overlayArn = only(overlay, 'ServiceAccount').metadata.annotations?.['eks.amazonaws.com/role-arn'];
    expect(baseArn).toBe('arn:aws:iam::111122223333:role/eks-fargate-operator');
    expect(overlayArn).toMatch(/^arn:aws:iam::\d{12}:role\/.+/);
    expect(overlayArn).not.toBe(baseArn);
    expect(operatorContainer(base).image).toBe('eks-fargate-operator:0.1.0');
    expect(operatorContainer(overlay).image).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/eks-fargate-operator:/);
    const region = (objects: Manifest[]) => operatorContainer(objects).env?.find((variable) => variable.name === 'AWS_REGION')?.value;
    expect(region(overlay)).not.toBe(region(base));
    // The patch merged by name: POD_NAME and POD_NAMESPACE are still there, and the hardening too.
    expect(operatorContainer(overlay).env?.map((variable) => variable.name).sort()).toEqual(operatorContainer(base).env?.map((variable) => variable.name).sort());
    expect(operatorContainer(overlay).securityContext).toEqual(operatorContainer(base).securityContext);
    expect(overlay.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(base.map((object) => `${object.kind}/${object.metadata.name}`).sort());
  });
});

describe('applied to the real API server', () => {
  test('kubectl apply -k deploy/ --server-side is accepted, every object exists, and no Pod Security warning is given', async () => {
    const { stdout, stderr } = await kubectl(target, ['apply', '-k', BASE, '--server-side']);
    expect(stdout).toContain(`deployment.apps/eks-fargate-operator serverside-applied`);
    // The namespace enforces the "restricted" standard: a pod template that breaks it is warned about.
    expect(stderr).not.toMatch(/PodSecurity|violate/i);
    for (const object of base) {
      const live = JSON.parse((await kubectl(target, ['get', ...objectArgs(object), '-o', 'json'])).stdout) as Manifest;
      expect(`${live.kind}/${live.metadata.name}`).toBe(`${object.kind}/${object.metadata.name}`);
    }
    const live = JSON.parse((await kubectl(target, ['get', 'deployment', 'eks-fargate-operator', '-n', NAMESPACE, '-o', 'json'])).stdout) as Manifest;
    const container = (live.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!;
    expect(container.securityContext).toEqual(operatorContainer(base).securityContext);
  }, 60_000);

  test('the example overlay applies over it and the live objects take its values', async () => {
    await kubectl(target, ['apply', '-k', OVERLAY, '--server-side']);
    const sa = JSON.parse((await kubectl(target, ['get', 'serviceaccount', 'eks-fargate-operator', '-n', NAMESPACE, '-o', 'json'])).stdout) as Manifest;
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(only(overlay, 'ServiceAccount').metadata.annotations?.['eks.amazonaws.com/role-arn']);
    const live = JSON.parse((await kubectl(target, ['get', 'deployment', 'eks-fargate-operator', '-n', NAMESPACE, '-o', 'json'])).stdout) as Manifest;
    expect((live.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.image).toBe(operatorContainer(overlay).image);
  }, 60_000);

  test('the ServiceAccount may do what the ClusterRole grants and nothing the operator does not need', async () => {
    const as = `--as=system:serviceaccount:${NAMESPACE}:eks-fargate-operator`;
    const can = async (...args: string[]): Promise<string> => {
      try {
        return (await kubectl(target, ['auth', 'can-i', as, ...args])).stdout.trim();
      } catch (error) {
        // can-i exits 1 when the answer is "no".
        if (error instanceof KubectlError && error.exitCode === 1) return error.stdout.trim();
        throw error;
      }
    };
    expect(await can('patch', 'fargateworkloads.fargate.eksops.dev', '--subresource=status', '-n', 'shop')).toBe('yes');
    expect(await can('patch', 'deployments.apps', '-n', 'shop')).toBe('yes');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', NAMESPACE)).toBe('yes');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', 'kube-system')).toBe('no');
    expect(await can('get', 'secrets', '-n', 'shop')).toBe('no');
    expect(await can('delete', 'fargateworkloads.fargate.eksops.dev', '-n', 'shop')).toBe('no');
    // Fargate logging and CoreDNS on Fargate: only the named objects.
    expect(await can('patch', 'namespaces/aws-observability')).toBe('yes');
    expect(await can('delete', 'namespaces/aws-observability')).toBe('yes');
    expect(await can('delete', 'namespaces/shop')).toBe('no');
    expect(await can('patch', 'configmaps/aws-logging', '-n', 'aws-observability')).toBe('yes');
    expect(await can('get', 'configmaps/other', '-n', 'aws-observability')).toBe('no');
    expect(await can('patch', 'deployments.apps/coredns', '-n', 'kube-system')).toBe('yes');
    expect(await can('get', 'deployments.apps/coredns', '-n', 'kube-system')).toBe('yes');
  }, 60_000);
});
