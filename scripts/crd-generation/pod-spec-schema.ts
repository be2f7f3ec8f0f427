/**
 * The Kubernetes PodSpec as a CRD structural schema, made from the API server's own OpenAPI v3
 * document (/openapi/v3/api/v1), as controller-gen does for Go operators: references inlined,
 * Quantity and IntOrString turned into x-kubernetes-int-or-string, the extensions a CRD schema
 * cannot hold (patch strategies, unions) and object defaults dropped, descriptions cut to their
 * first paragraph. Pure: the same document gives the same schema, byte for byte.
 */

/** A node of an OpenAPI v3 / CRD schema. */
export type Schema = { [key: string]: unknown };

/** The part of the API server's OpenAPI v3 document this needs. */
export interface OpenApiDocument {
  components: { schemas: Record<string, Schema> };
}

const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const INT_OR_STRING = new Set(['io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString']);
/** Nested object metadata (volume claim templates): its labels and annotations are what a template sets. */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
/** Keys a CRD structural schema takes from the upstream schema; everything else is dropped. */
const KEPT = new Set(['type', 'description', 'properties', 'items', 'additionalProperties', 'required', 'enum', 'format', 'default', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type']);
/** A description longer than this keeps its first sentences only. */
const DESCRIPTION_LIMIT = 400;

/** The first paragraph of a description, cut at a sentence end within the limit. */
export function shortDescription(text: string): string {
  const paragraph = (text.split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ').trim();
  if (paragraph.length <= DESCRIPTION_LIMIT) return paragraph;
  const cut = paragraph.slice(0, DESCRIPTION_LIMIT);
  const end = cut.lastIndexOf('. ');
  return end > 0 ? cut.slice(0, end + 1) : `${cut.trimEnd()}...`;
}

function refName(node: Schema): string | undefined {
  const ref = node.$ref ?? (Array.isArray(node.allOf) && node.allOf.length === 1 ? (node.allOf[0] as Schema).$ref : undefined);
  return typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : undefined;
}

/** The structural schema of one upstream node. */
function structural(document: OpenApiDocument, node: Schema, path: readonly string[]): Schema {
  const ref = refName(node);
  const description = typeof node.description === 'string' ? { description: shortDescription(node.description) } : {};
  if (ref !== undefined) {
    if (INT_OR_STRING.has(ref)) return { ...description, 'x-kubernetes-int-or-string': true };
    if (ref === OBJECT_META) return { type: 'object', ...description, 'x-kubernetes-preserve-unknown-fields': true };
    if (path.includes(ref)) throw new Error(`recursive schema ${ref} under ${path.join(' > ')}`);
    const target = document.components.schemas[ref];
    if (!target) throw new Error(`no schema ${ref} in the OpenAPI document`);
    const inlined = structural(document, target, [...path, ref]);
    // The field's own description says more about the field than the type's.
    return { ...inlined, ...description };
  }
  const result: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === 'description') result.description = shortDescription(String(value));
    else if (key === 'default') {
      // Meaningful scalar defaults stay (an optional list map key needs one: a port's protocol TCP).
      // Zero values ("" for a required name, 0) are Go's, not defaults, and `{}` would make objects appear.
      if (value !== null && typeof value !== 'object' && value !== '' && value !== 0 && value !== false) result.default = value;
    } else if (key === 'format' && value === 'int-or-string') continue;
    else if (key === 'properties') {
      result.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, structural(document, child, path)]));
    } else if (key === 'items' || key === 'additionalProperties') {
      result[key] = typeof value === 'object' && value !== null ? structural(document, value as Schema, path) : value;
    } else result[key] = value;
  }
  if (result.properties && result.type === undefined) result.type = 'object';
  // A list map key must be required or defaulted in a CRD; upstream leaves some optional with a
  // Go zero value (imagePullSecrets' name): those keys become required, as the API server treats them.
  const keys = result['x-kubernetes-list-map-keys'];
  const items = result.items as Schema | undefined;
  if (Array.isArray(keys) && items) {
    const properties = (items.properties ?? {}) as Record<string, Schema>;
    const required = new Set((items.required as string[] | undefined) ?? []);
    for (const key of keys as string[]) if (properties[key]?.default === undefined) required.add(key);
    if (required.size > 0) items.required = [...required];
  }
  return result;
}

/** The PodSpec schema of the document. */
export function podSpecSchema(document: OpenApiDocument): Schema {
  const podSpec = document.components.schemas[POD_SPEC];
  if (!podSpec) throw new Error(`no schema ${POD_SPEC} in the OpenAPI document`);
  return structural(document, podSpec, [POD_SPEC]);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The upstream schema with the overlay on top: properties, items and additionalProperties merge
 * recursively; required lists and CEL rules add up; any other key of the overlay wins. The
 * overlay's x-kubernetes-preserve-unknown-fields (which stood in for the fields it did not list)
 * goes wherever the upstream schema lists them.
 */
export function overlaySchema(base: Schema, overlay: Schema): Schema {
  const merged: Schema = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = merged[key];
    if (key === 'properties' && isSchema(current) && isSchema(value)) {
      const properties: Schema = { ...current };
      for (const [name, child] of Object.entries(value)) properties[name] = isSchema(properties[name]) && isSchema(child) ? overlaySchema(properties[name] as Schema, child) : child;
      merged.properties = properties;
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(current) && isSchema(value)) {
      merged[key] = overlaySchema(current, value);
    } else if ((key === 'required' || key === 'x-kubernetes-validations') && Array.isArray(current) && Array.isArray(value)) {
      merged[key] = key === 'required' ? [...new Set([...current, ...value])] : [...current, ...value];
    } else merged[key] = value;
  }
  if (overlay['x-kubernetes-preserve-unknown-fields'] === true && isSchema(base.properties)) delete merged['x-kubernetes-preserve-unknown-fields'];
  return merged;
}
