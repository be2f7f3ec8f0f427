/**
 * Reads the CRD manifests in crds/ and hands out their v1alpha1 OpenAPI schema, as the API server
 * sees it, plus a JSON Schema translation of it that ajv can compile. Tests that need the schema
 * (schema checks, types agreement, validation parity) use this one loader.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of the CRD sources (crds/source/); crds/*.yaml are generated from them. */
export const CRD_DIR = fileURLToPath(new URL('../../crds/source/', import.meta.url));

/** Files of the two CRDs, by kind. */
export const CRD_FILES = {
  FargateWorkload: `${CRD_DIR}fargateworkloads.fargate.eksops.dev.yaml`,
  FargateCluster: `${CRD_DIR}fargateclusters.fargate.eksops.dev.yaml`,
} as const;

export type CrdKind = keyof typeof CRD_FILES;

/** A CEL rule of `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

/** A node of a structural OpenAPI v3 schema, with the Kubernetes extensions this project uses. */
export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
  [keyword: string]: unknown;
}

/** A printer column of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The parts of a CustomResourceDefinition the tests look at. */
export interface CustomResourceDefinition {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: OpenApiSchema };
    }[];
  };
}

/** The CRD manifest of a kind, parsed. */
export function readCrd(kind: CrdKind): CustomResourceDefinition {
  return parse(readFileSync(CRD_FILES[kind], 'utf8')) as CustomResourceDefinition;
}

/** The version entry of a CRD; throws when the CRD does not define it. */
export function crdVersion(crd: CustomResourceDefinition, version = 'v1alpha1') {
  const found = crd.spec.versions.find((v) => v.name === version);
  if (!found) throw new Error(`${crd.metadata.name} has no version ${version}`);
  return found;
}

/** The openAPIV3Schema of a kind's CRD at a version (v1alpha1 by default). */
export function crdSchema(kind: CrdKind, version = 'v1alpha1'): OpenApiSchema {
  return crdVersion(readCrd(kind), version).schema.openAPIV3Schema;
}

/**
 * Calls `visit` for every node of a schema with its path ("spec.template.spec.containers[]",
 * map values as "labels{}"), the root first.
 */
export function walkSchema(
  schema: OpenApiSchema,
  visit: (node: OpenApiSchema, path: string) => void,
  path = '',
): void {
  visit(schema, path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    walkSchema(child, visit, path ? `${path}.${name}` : name);
  }
  if (schema.items) walkSchema(schema.items, visit, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') {
    walkSchema(schema.additionalProperties, visit, `${path}{}`);
  }
}

/**
 * Translates a structural schema to plain JSON Schema with the API server's semantics that ajv can
 * check: int-or-string becomes integer-or-string, a `set` list has unique items, and an object
 * with declared properties rejects unknown fields unless it preserves them (the API server's strict
 * field validation, which kubectl uses, rejects them too). Other `x-kubernetes-*` keywords and
 * `format` (not needed by ajv here) are dropped; CEL rules cannot run outside an API server.
 */
export function toJsonSchema(schema: OpenApiSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-kubernetes-') || keyword === 'format') continue;
    if (keyword === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, OpenApiSchema>).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    } else if (keyword === 'items' || (keyword === 'additionalProperties' && typeof value === 'object')) {
      out[keyword] = toJsonSchema(value as OpenApiSchema);
    } else {
      out[keyword] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  const preserves = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties && !preserves && schema.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}
