/**
 * The installed CRDs' schemas, read from crds/*.yaml (the generated files `kubectl apply`
 * installs, PodSpec schema included), so that `validate` checks an object against exactly the
 * schema and CEL rules the API server will. crds/ ships with the package and the container image
 * next to dist/, and sits two folders above this module both as source (src/api) and built
 * (dist/api).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { OpenApiSchema } from './openapi-schema.js';

/** The CRD file of each kind, in crds/. */
export const CRD_FILE_NAMES = {
  FargateWorkload: 'fargateworkloads.fargate.eksops.dev.yaml',
  FargateCluster: 'fargateclusters.fargate.eksops.dev.yaml',
} as const;

export type CrdKind = keyof typeof CRD_FILE_NAMES;

/** The version every object of this operator is written in. */
export const CRD_VERSION = 'v1alpha1';

interface CrdVersions {
  spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: OpenApiSchema } }> };
}

const loaded = new Map<CrdKind, OpenApiSchema>();

/** The openAPIV3Schema of a kind's installed CRD (parsed once, then cached). */
export function installedCrdSchema(kind: CrdKind): OpenApiSchema {
  const cached = loaded.get(kind);
  if (cached) return cached;
  const file = new URL(`../../crds/${CRD_FILE_NAMES[kind]}`, import.meta.url);
  const crd = parse(readFileSync(file, 'utf8')) as CrdVersions;
  const version = crd.spec.versions.find((v) => v.name === CRD_VERSION);
  if (!version) throw new Error(`${file.pathname} has no version ${CRD_VERSION}`);
  loaded.set(kind, version.schema.openAPIV3Schema);
  return version.schema.openAPIV3Schema;
}
