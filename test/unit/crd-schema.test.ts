/**
 * The CRD schemas: the examples and fixtures pass the generated CRDs (checked by the operator's
 * own schema checker, src/api/schema-check.ts, the one `validate` uses), typical mistakes fail with
 * the expected path, every field is documented, every CEL rule has a message, the defaults agree
 * with src/api/defaults.ts and the printer columns point at real fields. The API server's own
 * answers are in test/integration/bad-input-corpus.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { installedCrdSchema } from '../../src/api/crd-schemas.js';
import * as defaults from '../../src/api/defaults.js';
import { checkAgainstSchema } from '../../src/api/schema-check.js';
import type { ValidationProblem } from '../../src/api/validation-problem.js';
import { FARGATE_DEFAULT_PROFILE_QUOTA } from '../../src/api/constants.js';
import {
  crdSchema,
  crdVersion,
  readCrd,
  walkSchema,
  type CelRule,
  type CrdKind,
  type OpenApiSchema,
} from '../support/crd-schema.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const KINDS: CrdKind[] = ['FargateWorkload', 'FargateCluster'];

/** Every YAML document of every .yaml file in a folder (recursively), with its file name. */
function documentsIn(dir: string): { file: string; doc: Record<string, unknown> }[] {
  return readdirSync(join(repo, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(repo, dir, file), 'utf8')).map((d) => ({
        file: `${dir}/${file}`,
        doc: d.toJS() as Record<string, unknown>,
      })),
    );
}

/** What the API server would say about a document under its installed (generated) CRD. */
function validate(doc: Record<string, unknown>): ValidationProblem[] {
  if (!KINDS.includes(doc.kind as CrdKind)) throw new Error(`unexpected kind ${String(doc.kind)}`);
  return checkAgainstSchema(doc, installedCrdSchema(doc.kind as CrdKind)).problems;
}

const examples = documentsIn('examples');
const fixtures = documentsIn('test/fixtures');

describe('examples and fixtures', () => {
  it('has the three examples', () => {
    expect(new Set(examples.map((e) => e.file))).toEqual(
      new Set(['examples/fargatecluster.yaml', 'examples/minimal-workload.yaml', 'examples/full-workload.yaml']),
    );
  });

  it.each([...examples, ...fixtures].map((e) => [e.file, e.doc] as const))('%s validates', (_file, doc) => {
    expect(validate(doc)).toEqual([]);
  });
});

// The invalid cases reach deep into plain parsed YAML; typing every level would hide the intent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** A valid workload to break one field at a time. */
function workload(): Json {
  return structuredClone(examples.find((e) => e.file === 'examples/full-workload.yaml')!.doc);
}
function cluster(): Json {
  return structuredClone(examples.find((e) => e.file === 'examples/fargatecluster.yaml')!.doc);
}

describe('invalid objects fail the schema', () => {
  const cases: [string, () => Json, string, string][] = [
    ['a subnet id without subnet-', () => { const w = workload(); w.spec.fargateProfile.subnetIds = ['0a1b2c3d4e5f60718']; return w; }, 'spec.fargateProfile.subnetIds[0]', 'does not have the required form'],
    ['the same subnet twice', () => { const w = workload(); w.spec.fargateProfile.subnetIds = ['subnet-0a1b2c3d', 'subnet-0a1b2c3d']; return w; }, 'spec.fargateProfile.subnetIds[1]', 'is listed twice'],
    ['17 subnets', () => { const w = workload(); w.spec.fargateProfile.subnetIds = Array.from({ length: 17 }, (_, i) => `subnet-0a1b2c${(10 + i).toString(16).padStart(2, '0')}`); return w; }, 'spec.fargateProfile.subnetIds', 'items; it must'],
    ['an unknown placement', () => { const w = workload(); w.spec.fargateProfile.placement = 'Everywhere'; return w; }, 'spec.fargateProfile.placement', 'is not allowed'],
    ['a malformed security group id', () => { const w = workload(); w.spec.networking.securityGroupIds = ['sg-XYZ']; return w; }, 'spec.networking.securityGroupIds[0]', 'does not have the required form'],
    ['six security groups', () => { const w = workload(); w.spec.networking.securityGroupIds = ['1', '2', '3', '4', '5', '6'].map((d) => `sg-0000000${d}`); return w; }, 'spec.networking.securityGroupIds', 'items; it must'],
    ['no security group', () => { const w = workload(); w.spec.networking.securityGroupIds = []; return w; }, 'spec.networking.securityGroupIds', 'items; it must'],
    ['a policy name instead of an ARN', () => { const w = workload(); w.spec.iam.managedPolicyArns = ['AmazonS3ReadOnlyAccess']; return w; }, 'spec.iam.managedPolicyArns[0]', 'does not have the required form'],
    ['a wildcard in a workload policy ARN', () => { const w = workload(); w.spec.iam.managedPolicyArns = ['arn:aws:iam::aws:policy/*']; return w; }, 'spec.iam.managedPolicyArns[0]', 'does not have the required form'],
    ['a role ARN of another service', () => { const w = workload(); w.spec.iam = { roleArn: 'arn:aws:s3:::bucket' }; return w; }, 'spec.iam.roleArn', 'does not have the required form'],
    ['ingress port 70000', () => { const w = workload(); w.spec.ingress.port = 70000; return w; }, 'spec.ingress.port', 'is out of range'],
    ['ingress port 0', () => { const w = workload(); w.spec.ingress.port = 0; return w; }, 'spec.ingress.port', 'is out of range'],
    ['an unknown ingress scheme', () => { const w = workload(); w.spec.ingress.scheme = 'public'; return w; }, 'spec.ingress.scheme', 'is not allowed'],
    ['a certificate that is not from ACM', () => { const w = workload(); w.spec.ingress.certificateArn = 'arn:aws:iam::123456789012:server-certificate/x'; return w; }, 'spec.ingress.certificateArn', 'does not have the required form'],
    ['a relative ingress path', () => { const w = workload(); w.spec.ingress.path = 'api'; return w; }, 'spec.ingress.path', 'does not have the required form'],
    ['negative replicas', () => { const w = workload(); w.spec.replicas = -1; return w; }, 'spec.replicas', 'is out of range'],
    ['maxReplicas 0', () => { const w = workload(); w.spec.autoscaling.maxReplicas = 0; return w; }, 'spec.autoscaling.maxReplicas', 'is out of range'],
    ['a CPU target over 100%', () => { const w = workload(); w.spec.autoscaling.targetCPUUtilizationPercentage = 101; return w; }, 'spec.autoscaling.targetCPUUtilizationPercentage', 'is out of range'],
    ['autoscaling without maxReplicas', () => { const w = workload(); delete w.spec.autoscaling.maxReplicas; return w; }, 'spec.autoscaling.maxReplicas', 'is required'],
    ['no template', () => { const w = workload(); delete w.spec.template; return w; }, 'spec.template', 'is required'],
    ['no containers', () => { const w = workload(); w.spec.template.spec.containers = []; return w; }, 'spec.template.spec.containers', 'items; it must'],
    ['a hostPort out of range', () => { const w = workload(); w.spec.template.spec.containers[0].ports[0].hostPort = 70000; return w; }, 'spec.template.spec.containers[0].ports[0].hostPort', 'is out of range'],
    ['a misspelt spec field', () => { const w = workload(); w.spec.replica = 2; return w; }, 'spec.replica', 'unknown field'],
    ['an unknown deletion policy', () => { const w = workload(); w.spec.deletionPolicy = 'Orphan'; return w; }, 'spec.deletionPolicy', 'is not allowed'],
    ['a region that is not one', () => { const c = cluster(); c.spec.region = 'useast1'; return c; }, 'spec.region', 'does not have the required form'],
    ['a cluster without subnets', () => { const c = cluster(); delete c.spec.subnetIds; return c; }, 'spec.subnetIds', 'is required'],
    ['a role path without slashes', () => { const c = cluster(); c.spec.iam.rolePath = 'eksops'; return c; }, 'spec.iam.rolePath', 'does not have the required form'],
    ['an allowed policy of a 3-digit account', () => { const c = cluster(); c.spec.iam.allowedManagedPolicyArns = ['arn:aws:iam::123:policy/app-*']; return c; }, 'spec.iam.allowedManagedPolicyArns[0]', 'does not have the required form'],
    ['a boundary that is a role', () => { const c = cluster(); c.spec.iam.permissionsBoundaryArn = 'arn:aws:iam::123456789012:role/boundary'; return c; }, 'spec.iam.permissionsBoundaryArn', 'does not have the required form'],
    ['a retention CloudWatch does not offer', () => { const c = cluster(); c.spec.logging.cloudWatch.retentionDays = 10; return c; }, 'spec.logging.cloudWatch.retentionDays', 'is not allowed'],
    ['an unknown status condition status', () => { const c = cluster(); c.status = { conditions: [{ type: 'Ready', status: 'Yes', reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] }; return c; }, 'status.conditions[0].status', 'is not allowed'],
  ];

  it.each(cases)('%s', (_name, make, path, message) => {
    expect(validate(make())).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('accepts wildcards in allowed policy ARNs only', () => {
    const c = cluster();
    c.spec.iam.allowedManagedPolicyArns = ['arn:aws:iam::123456789012:policy/team-*/*', 'arn:aws:iam::aws:policy/Amazon?3*'];
    expect(validate(c)).toEqual([]);
  });

  it('accepts PodSpec fields the source does not declare, under the embedded PodSpec schema', () => {
    const w = workload();
    w.spec.template.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }];
    w.spec.template.spec.containers[0].lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };
    w.spec.template.spec.volumes[0].emptyDir = { sizeLimit: '1Gi' };
    expect(validate(w)).toEqual([]);
    delete w.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable;
    expect(validate(w)).toEqual([{ path: 'spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable', message: expect.stringMatching(/^is required/) }]);
  });
});

describe.each(KINDS)('%s schema', (kind) => {
  const schema = crdSchema(kind);
  const nodes: { path: string; node: OpenApiSchema }[] = [];
  walkSchema(schema, (node, path) => nodes.push({ path, node }));

  it('describes every field', () => {
    // The root metadata is the API server's own ObjectMeta and may not carry a description.
    const undocumented = nodes
      .filter(({ path }) => path !== '' && path !== 'metadata' && !path.endsWith('[]') && !path.endsWith('{}'))
      .filter(({ node }) => !node.description?.trim())
      .map(({ path }) => path);
    expect(undocumented).toEqual([]);
  });

  it('declares the root metadata as a bare object, the only form the API server accepts', () => {
    expect(schema.properties?.metadata).toEqual({ type: 'object' });
  });

  it('gives every CEL rule a message', () => {
    const rules: { path: string; rule: CelRule }[] = nodes.flatMap(({ path, node }) =>
      (node['x-kubernetes-validations'] ?? []).map((rule) => ({ path, rule })),
    );
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter(({ rule }) => !rule.rule.trim() || !rule.message?.trim())).toEqual([]);
  });

  it('is structural: every field has a type unless it preserves unknown fields or is int-or-string', () => {
    const untyped = nodes
      .filter(({ node }) => !node.type && !node['x-kubernetes-preserve-unknown-fields'] && !node['x-kubernetes-int-or-string'])
      .map(({ path }) => path);
    expect(untyped).toEqual([]);
  });
});

/** The schema node at a dotted path of properties; steps into the items of lists on the way. */
function at(schema: OpenApiSchema, path: string): OpenApiSchema | undefined {
  return path.split('.').reduce<OpenApiSchema | undefined>((node, name) => {
    const object = node?.type === 'array' ? node.items : node;
    return object?.properties?.[name];
  }, schema);
}

/** The CEL rules at a dotted path, joined for matching. */
function celAt(schema: OpenApiSchema, path: string): string {
  const node = at(schema, path);
  const rules = (node?.type === 'array' ? node.items : node)?.['x-kubernetes-validations'] ?? [];
  return rules.map((r) => `${r.rule} => ${r.message ?? ''}`).join('\n');
}

describe('Fargate rules are declared where they apply', () => {
  const w = crdSchema('FargateWorkload');
  const c = crdSchema('FargateCluster');
  const container = 'spec.template.spec.containers';
  const initContainer = 'spec.template.spec.initContainers';
  const rules: [OpenApiSchema, string, RegExp][] = [
    [w, `${container}.securityContext`, /privileged containers are not supported on Fargate/],
    [w, `${initContainer}.securityContext`, /privileged containers are not supported on Fargate/],
    [w, 'spec.template.spec', /hostNetwork is not supported on Fargate/],
    [w, 'spec.template.spec', /hostPID is not supported/],
    [w, 'spec.template.spec', /hostIPC is not supported/],
    [w, `${container}.ports`, /hostPort is not supported on Fargate/],
    [w, `${container}.resources.requests`, /nvidia\.com\/gpu/],
    [w, `${initContainer}.resources.limits`, /nvidia\.com\/gpu/],
    [w, 'spec.template.spec.nodeSelector', /Linux only/],
    [w, 'spec.template.spec.volumes', /EBS volumes are not supported on Fargate/],
    [w, 'spec.autoscaling', /minReplicas <= self\.maxReplicas/],
    [w, 'spec.iam', /remove managedPolicyArns and inlinePolicy/],
    [c, 'spec.podExecutionRole', /exactly one of create: true/],
  ];
  it.each(rules.map(([schema, path, pattern]) => [path, pattern.source, schema, pattern] as const))(
    '%s: %s',
    (path, _source, schema, pattern) => {
      expect(celAt(schema, path)).toMatch(pattern);
    },
  );
});

describe('schema defaults agree with src/api/defaults.ts', () => {
  it.each([
    ['FargateWorkload', 'spec.replicas', defaults.DEFAULT_REPLICAS],
    ['FargateWorkload', 'spec.fargateProfile.placement', defaults.DEFAULT_PLACEMENT],
    ['FargateWorkload', 'spec.deletionPolicy', defaults.DEFAULT_DELETION_POLICY],
    ['FargateWorkload', 'spec.ingress.scheme', defaults.DEFAULT_INGRESS_SCHEME],
    ['FargateWorkload', 'spec.ingress.path', defaults.DEFAULT_INGRESS_PATH],
    ['FargateWorkload', 'spec.autoscaling.minReplicas', defaults.DEFAULT_MIN_REPLICAS],
    ['FargateWorkload', 'spec.autoscaling.targetCPUUtilizationPercentage', defaults.DEFAULT_TARGET_CPU],
    ['FargateCluster', 'spec.podExecutionRole', { create: true }],
    ['FargateCluster', 'spec.iam.rolePath', defaults.DEFAULT_ROLE_PATH],
    ['FargateCluster', 'spec.iam.allowInlinePolicies', false],
    ['FargateCluster', 'spec.iam.createOIDCProvider', false],
    ['FargateCluster', 'spec.profiles.maxProfiles', FARGATE_DEFAULT_PROFILE_QUOTA],
    ['FargateCluster', 'spec.profiles.namePrefix', defaults.DEFAULT_PROFILE_PREFIX],
    ['FargateCluster', 'spec.profiles.namespacePattern', defaults.DEFAULT_NAMESPACE_PATTERN],
    ['FargateCluster', 'spec.logging.cloudWatch.retentionDays', defaults.DEFAULT_LOG_RETENTION_DAYS],
    ['FargateCluster', 'spec.coreDNSOnFargate', false],
  ] as const)('%s %s defaults to %p', (kind, path, value) => {
    expect(at(crdSchema(kind), path)?.default).toEqual(value);
  });
});

describe('CRD metadata', () => {
  it.each([
    ['FargateWorkload', 'fargateworkloads.fargate.eksops.dev', 'Namespaced', 'fw'],
    ['FargateCluster', 'fargateclusters.fargate.eksops.dev', 'Cluster', 'fc'],
  ] as const)('%s: name, scope, short name, status subresource', (kind, name, scope, shortName) => {
    const crd = readCrd(kind);
    const version = crdVersion(crd);
    expect(crd.metadata.name).toBe(name);
    expect(crd.spec.group).toBe('fargate.eksops.dev');
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.names.kind).toBe(kind);
    expect(crd.spec.names.shortNames).toEqual([shortName]);
    expect(crd.spec.names.categories).toContain('fargate');
    expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
    expect(version.served && version.storage).toBe(true);
    expect(version.subresources?.status).toEqual({});
  });

  it.each([
    ['FargateWorkload', { Ready: '.status.conditions[?(@.type=="Ready")].status', Profile: '.status.fargateProfile.name', Address: '.status.loadBalancer.hostname', Age: '.metadata.creationTimestamp' }],
    ['FargateCluster', { Ready: '.status.conditions[?(@.type=="Ready")].status', 'OIDC-Provider': '.status.oidcProviderArn', Age: '.metadata.creationTimestamp' }],
  ] as const)('%s printer columns', (kind, expected) => {
    const columns = crdVersion(readCrd(kind)).additionalPrinterColumns ?? [];
    for (const [name, jsonPath] of Object.entries(expected)) {
      expect(columns.find((col) => col.name === name)?.jsonPath).toBe(jsonPath);
    }
  });

  it.each(KINDS)('%s printer columns point at fields of the schema', (kind) => {
    const schema = crdSchema(kind);
    const missing = (crdVersion(readCrd(kind)).additionalPrinterColumns ?? [])
      .map((col) => col.jsonPath.replace(/\[\?.*\]/, '').replace(/^\./, ''))
      .filter((path) => !path.startsWith('metadata.') && !at(schema, path));
    expect(missing).toEqual([]);
  });
});
