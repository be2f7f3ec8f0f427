/**
 * src/api/types.ts and the CRD schemas describe the same objects. The TypeScript compiler reads
 * the interfaces; each level is compared with the schema: the same property names, the same
 * required ones, compatible types and enums, and an index signature exactly where the schema
 * preserves unknown fields. A field added on one side only fails this test.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { crdSchema, type CrdKind, type OpenApiSchema } from '../support/crd-schema.js';

const TYPES_FILE = fileURLToPath(new URL('../../src/api/types.ts', import.meta.url));

const program = ts.createProgram([TYPES_FILE], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [] });
const checker = program.getTypeChecker();

/** The declared type of an exported interface of src/api/types.ts. */
function interfaceType(name: string): ts.Type {
  const declaration = program
    .getSourceFile(TYPES_FILE)
    ?.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!declaration) throw new Error(`src/api/types.ts has no interface ${name}`);
  return checker.getTypeAtLocation(declaration.name);
}

/** What a TypeScript type means for a schema node. */
type Shape =
  | { kind: 'string'; literals: string[] }
  | { kind: 'number' | 'boolean' | 'quantity' | 'any' }
  | { kind: 'array'; items: ts.Type }
  | { kind: 'map'; values: ts.Type }
  | { kind: 'object'; properties: ts.Symbol[]; open: boolean };

function shapeOf(type: ts.Type): Shape {
  const members = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & ts.TypeFlags.Undefined));
  const all = (flags: ts.TypeFlags) => members.every((t) => t.flags & flags);
  if (all(ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return { kind: 'any' };
  if (all(ts.TypeFlags.BooleanLike)) return { kind: 'boolean' };
  if (all(ts.TypeFlags.NumberLike)) return { kind: 'number' };
  if (all(ts.TypeFlags.StringLike)) {
    return { kind: 'string', literals: members.filter((t) => t.isStringLiteral()).map((t) => (t as ts.StringLiteralType).value) };
  }
  if (all(ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike)) return { kind: 'quantity' };
  if (members.length > 1) return { kind: 'any' }; // e.g. a policy Statement: a list or an object
  const [single] = members as [ts.Type];
  if (checker.isArrayType(single)) return { kind: 'array', items: checker.getTypeArguments(single as ts.TypeReference)[0]! };
  const index = checker.getIndexInfoOfType(single, ts.IndexKind.String);
  const properties = checker.getPropertiesOfType(single);
  if (index && properties.length === 0) return { kind: 'map', values: index.type };
  return { kind: 'object', properties, open: index !== undefined };
}

/** Fields the API server adds to every root object: not part of a CRD's own schema. */
const ROOT_IMPLICIT_REQUIRED = ['apiVersion', 'kind', 'metadata'];

/** Every disagreement between a type and a schema node, as "path: what". */
function disagreements(type: ts.Type, schema: OpenApiSchema, path: string): string[] {
  const at = path || '(root)';
  const shape = shapeOf(type);
  const preserves = schema['x-kubernetes-preserve-unknown-fields'] === true;
  switch (shape.kind) {
    case 'any':
      return preserves && !schema.properties ? [] : [`${at}: unknown in the types, the schema must preserve unknown fields`];
    case 'boolean':
      return schema.type === 'boolean' ? [] : [`${at}: boolean in the types, ${String(schema.type)} in the schema`];
    case 'number':
      return schema.type === 'integer' || schema.type === 'number' ? [] : [`${at}: number in the types, ${String(schema.type)} in the schema`];
    case 'quantity':
      return schema['x-kubernetes-int-or-string'] ? [] : [`${at}: string | number in the types, the schema must be int-or-string`];
    case 'string': {
      if (schema.type !== 'string') return [`${at}: string in the types, ${String(schema.type)} in the schema`];
      // A plain string may be narrowed by the schema (enum, pattern); a union of literals must be its enum.
      const enumerated = shape.literals.length > 1;
      const same = JSON.stringify([...shape.literals].sort()) === JSON.stringify([...(schema.enum ?? [])].map(String).sort());
      return !enumerated || same ? [] : [`${at}: values ${shape.literals.join('|')} in the types, enum ${JSON.stringify(schema.enum)} in the schema`];
    }
    case 'array':
      if (schema.type !== 'array' || !schema.items) return [`${at}: a list in the types, not in the schema`];
      return disagreements(shape.items, schema.items, `${path}[]`);
    case 'map':
      if (schema.type !== 'object' || typeof schema.additionalProperties !== 'object') {
        return [`${at}: a map in the types, the schema needs additionalProperties`];
      }
      return disagreements(shape.values, schema.additionalProperties, `${path}{}`);
    case 'object':
      return objectDisagreements(shape, schema, path);
  }
}

function objectDisagreements(shape: Extract<Shape, { kind: 'object' }>, schema: OpenApiSchema, path: string): string[] {
  const at = path || '(root)';
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push(`${at}: an object in the types, ${String(schema.type)} in the schema`);
  if (shape.open !== (schema['x-kubernetes-preserve-unknown-fields'] === true)) {
    problems.push(`${at}: ${shape.open ? 'an index signature in the types but the schema prunes unknown fields' : 'the schema preserves unknown fields but the types have no index signature'}`);
  }
  const schemaProperties = schema.properties ?? {};
  const typeNames = shape.properties.map((p) => p.name);
  for (const name of Object.keys(schemaProperties)) {
    if (!typeNames.includes(name)) problems.push(`${path ? `${path}.` : ''}${name}: in the schema, not in the types`);
  }
  const implicit = path === '' ? ROOT_IMPLICIT_REQUIRED : [];
  const typeRequired = shape.properties.filter((p) => !(p.flags & ts.SymbolFlags.Optional)).map((p) => p.name);
  const expectedRequired = typeRequired.filter((name) => !implicit.includes(name)).sort();
  const schemaRequired = [...(schema.required ?? [])].sort();
  if (JSON.stringify(expectedRequired) !== JSON.stringify(schemaRequired)) {
    problems.push(`${at}: required ${JSON.stringify(expectedRequired)} in the types, ${JSON.stringify(schemaRequired)} in the schema`);
  }
  for (const property of shape.properties) {
    const childPath = path ? `${path}.${property.name}` : property.name;
    const child = schemaProperties[property.name];
    if (!child) problems.push(`${childPath}: in the types, not in the schema`);
    // ObjectMeta is the API server's; the CRD only says "an object".
    else if (path === '' && property.name === 'metadata') {
      if (child.type !== 'object') problems.push(`metadata: must be an object in the schema`);
    } else problems.push(...disagreements(checker.getTypeOfSymbol(property), child, childPath));
  }
  return problems;
}

describe.each<CrdKind>(['FargateWorkload', 'FargateCluster'])('%s: src/api/types.ts agrees with the CRD schema', (kind) => {
  it('has the same fields, required fields, types and enums at every level', () => {
    expect(disagreements(interfaceType(kind), crdSchema(kind), '')).toEqual([]);
  });
});

describe('the comparison notices a change on one side', () => {
  const type = interfaceType('FargateWorkload');

  it('reports a field only in the types', () => {
    const schema = crdSchema('FargateWorkload');
    delete schema.properties!.spec!.properties!.replicas;
    expect(disagreements(type, schema, '')).toEqual(['spec.replicas: in the types, not in the schema']);
  });

  it('reports a field only in the schema', () => {
    const schema = crdSchema('FargateWorkload');
    schema.properties!.spec!.properties!.paused = { type: 'boolean', description: 'x' };
    expect(disagreements(type, schema, '')).toEqual(['spec.paused: in the schema, not in the types']);
  });

  it('reports a difference in required fields, types, enums and unknown-field handling', () => {
    const schema = crdSchema('FargateWorkload');
    const spec = schema.properties!.spec!;
    spec.required = [];
    spec.properties!.replicas!.type = 'string';
    spec.properties!.deletionPolicy!.enum = ['Delete', 'Retain', 'Orphan'];
    delete spec.properties!.template!.properties!.spec!['x-kubernetes-preserve-unknown-fields'];
    expect(disagreements(type, schema, '')).toEqual([
      'spec: required ["template"] in the types, [] in the schema',
      'spec.replicas: number in the types, string in the schema',
      'spec.template.spec: an index signature in the types but the schema prunes unknown fields',
      'spec.deletionPolicy: values Delete|Retain in the types, enum ["Delete","Retain","Orphan"] in the schema',
    ]);
  });
});
