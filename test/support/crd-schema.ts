/**
 * Reads the CRD sources in crds/source/ and hands out their v1alpha1 OpenAPI schema. Tests that
 * read the hand-written source schema (documentation, types agreement) use this loader; the
 * generated CRDs the API server installs are read by src/api/crd-schemas.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { OpenApiSchema } from '../../src/api/openapi-schema.js';

/** Absolute path of the CRD sources (crds/source/); crds/*.yaml are generated from them. */
export const CRD_DIR = fileURLToPath(new URL('../../crds/source/', import.meta.url));

/** Files of the two CRDs, by kind. */
export const CRD_FILES = {
  FargateWorkload: `${CRD_DIR}fargateworkloads.fargate.eksops.dev.yaml`,
  FargateCluster: `${CRD_DIR}fargateclusters.fargate.eksops.dev.yaml`,
} as const;

export type CrdKind = keyof typeof CRD_FILES;

export type { CelRule, OpenApiSchema } from '../../src/api/openapi-schema.js';

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
