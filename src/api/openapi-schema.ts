/**
 * The shape of a CRD's structural OpenAPI v3 schema, with the Kubernetes extensions the
 * FargateWorkload and FargateCluster schemas use. The schema checker (schema-check.ts), the CRD
 * generator and the tests all read schemas through these types.
 */

/** A CEL rule of `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Where the failure points, relative to the node holding the rule, such as ".hostNetwork". */
  fieldPath?: string;
  reason?: string;
}

/** A node of a structural OpenAPI v3 schema. */
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
  format?: string;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CelRule[];
  [keyword: string]: unknown;
}
