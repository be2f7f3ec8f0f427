/**
 * The schema checker behind `validate` (src/api/schema-check.ts): the API server's structural
 * schema semantics on small schemas, and every CEL rule of the generated CRDs evaluated by
 * @bufbuild/cel. The API server's own verdicts on the same objects are compared in
 * test/integration/bad-input-corpus.test.ts.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { evaluateCelRule } from '../../src/api/cel-rules.js';
import { installedCrdSchema, type CrdKind } from '../../src/api/crd-schemas.js';
import type { OpenApiSchema } from '../../src/api/openapi-schema.js';
import { checkAgainstSchema, withSchemaDefaults } from '../../src/api/schema-check.js';
import { walkSchema } from '../support/crd-schema.js';

const problems = (value: unknown, schema: OpenApiSchema) => checkAgainstSchema(value, schema).problems;

const object = (properties: Record<string, OpenApiSchema>, extra: Partial<OpenApiSchema> = {}): OpenApiSchema => ({ type: 'object', properties, ...extra });

describe('structural schema semantics', () => {
  it('applies defaults before checking, nested ones included, without changing the input', () => {
    const schema = object({ spec: object({ profile: object({ placement: { type: 'string', default: 'Shared' } }, { default: {} }) }) });
    const input = { spec: {} };
    expect(withSchemaDefaults(input, schema)).toEqual({ spec: { profile: { placement: 'Shared' } } });
    expect(input).toEqual({ spec: {} });
  });

  it('reports a wrong type with the field description as the hint, and skips the CEL rules above it', () => {
    const schema = object(
      { replicas: { type: 'integer', description: 'Number of pods. Default 1.' } },
      { 'x-kubernetes-validations': [{ rule: 'self.replicas > 0', message: 'positive' }] },
    );
    expect(problems({ replicas: '3' }, schema)).toEqual([{ path: 'replicas', message: 'must be an integer (a whole number), not "3" (Number of pods)' }]);
    expect(checkAgainstSchema({ replicas: '3' }, schema).wellFormed).toBe(false);
    expect(problems({ replicas: 0 }, schema)).toEqual([{ path: '(object)', message: 'positive' }]);
  });

  it('rejects unknown fields (strict field validation) unless the object preserves them or is a map', () => {
    const schema = object({
      strict: object({ a: { type: 'string' } }),
      loose: object({ a: { type: 'string' } }, { 'x-kubernetes-preserve-unknown-fields': true }),
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    });
    expect(problems({ strict: { a: 'x', b: 1 }, loose: { b: 1 }, labels: { 'app.kubernetes.io/name': 'x' } }, schema)).toEqual([
      { path: 'strict.b', message: 'unknown field "b"; check its spelling and indentation (fields here: a)' },
    ]);
  });

  it('checks map values under their key, written in brackets when it has dots or slashes', () => {
    const schema = object({ labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } } });
    expect(problems({ labels: { 'app.kubernetes.io/name': 'long' } }, schema)).toEqual([
      { path: 'labels["app.kubernetes.io/name"]', message: '"long" has 4 characters; it must be at most 3 characters' },
    ]);
  });

  it('finds duplicates in set lists and in map lists by their keys', () => {
    const schema = object({
      ids: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
        items: object({ port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } }),
      },
    });
    expect(problems({ ids: ['a', 'b', 'a'], ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }] }, schema)).toEqual([
      { path: 'ids[2]', message: '"a" is listed twice (also at [0]); list each value once' },
      { path: 'ports[2]', message: 'port 80, protocol "TCP" is used twice (also at [0]); each entry needs its own port and protocol' },
    ]);
  });

  it('takes whole numbers and strings for int-or-string, and gives CEL an int for a whole number', () => {
    const schema = object({
      budget: {
        'x-kubernetes-int-or-string': true,
        'x-kubernetes-validations': [{ rule: "type(self) == int ? self >= 1 : self.endsWith('%')", message: 'a number of at least 1 or a percentage' }],
      },
    });
    expect(problems({ budget: 2 }, schema)).toEqual([]);
    expect(problems({ budget: '25%' }, schema)).toEqual([]);
    expect(problems({ budget: 0 }, schema)).toEqual([{ path: 'budget', message: 'a number of at least 1 or a percentage' }]);
    expect(problems({ budget: 1.5 }, schema)).toEqual([{ path: 'budget', message: 'must be a whole number or a string, not 1.5' }]);
  });

  it('points a CEL failure at its fieldPath and prefers messageExpression to message', () => {
    const schema = object(
      { hostNetwork: { type: 'boolean' }, name: { type: 'string' } },
      {
        'x-kubernetes-validations': [
          { rule: '!has(self.hostNetwork) || !self.hostNetwork', fieldPath: '.hostNetwork', message: 'not on Fargate' },
          { rule: "self.name != 'x'", messageExpression: "'the name ' + self.name + ' is taken'", message: 'unused' },
        ],
      },
    );
    expect(problems({ hostNetwork: true, name: 'x' }, schema)).toEqual([
      { path: 'hostNetwork', message: 'not on Fargate' },
      { path: '(object)', message: 'the name x is taken' },
    ]);
  });

  it('reports a rule that cannot be evaluated instead of passing it', () => {
    const schema = object({ a: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self.a.noSuchFunction()', message: 'm' }] });
    expect(problems({ a: 'x' }, schema)).toEqual([{ path: '(object)', message: expect.stringMatching(/^the CEL rule "self.a.noSuchFunction\(\)" could not be evaluated: /) }]);
  });

  it('gives root rules only metadata.name (as the API server does) and requires a name', () => {
    const schema = object({ metadata: { type: 'object' } }, { 'x-kubernetes-validations': [{ rule: "!has(self.metadata.namespace) && self.metadata.name == 'a'", message: 'm' }] });
    expect(problems({ metadata: { name: 'a', namespace: 'ns' } }, schema)).toEqual([]);
    expect(problems({ metadata: {} }, schema)).toEqual([{ path: 'metadata.name', message: 'is required: give the object a name' }]);
  });

  it('counts characters, not UTF-16 units, for lengths', () => {
    expect(problems({ s: '🙂🙂' }, object({ s: { type: 'string', maxLength: 2 } }))).toEqual([]);
  });
});

describe.each<CrdKind>(['FargateWorkload', 'FargateCluster'])('the CEL rules of the installed %s CRD', (kind) => {
  const schema = installedCrdSchema(kind);
  const rules: string[] = [];
  walkSchema(schema, (node) => rules.push(...(node['x-kubernetes-validations'] ?? []).map((r) => r.rule)));

  it('has rules, and each one parses and plans (the bad and good cases of each are in validate.test.ts)', () => {
    expect(rules.length).toBeGreaterThan(kind === 'FargateWorkload' ? 15 : 1);
    for (const rule of rules) {
      const outcome = evaluateCelRule(rule, new Map());
      expect('error' in outcome ? outcome.error : '').not.toMatch(/does not compile/);
    }
  });

  it('the examples pass every rule with no evaluation error', () => {
    const docs = ['fargatecluster.yaml', 'full-workload.yaml', 'minimal-workload.yaml'].flatMap((file) =>
      parseAllDocuments(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')).map((d) => d.toJS() as { kind: string }),
    );
    const ofKind = docs.filter((d) => d.kind === kind);
    expect(ofKind.length).toBeGreaterThan(0);
    for (const doc of ofKind) expect(checkAgainstSchema(doc, schema)).toEqual({ problems: [], wellFormed: true });
  });
});
