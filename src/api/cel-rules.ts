/**
 * The CRDs' CEL rules (`x-kubernetes-validations`), evaluated with @bufbuild/cel the way the API
 * server evaluates them: `self` is the value at the rule's node, an object or map is a CEL map, a
 * field the schema types as integer (or int-or-string) is a CEL int, and the strings extension
 * (which the Kubernetes CEL environment also has) is available. A rule is parsed and planned
 * once, then reused for every object.
 */
import { CelScalar, celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { OpenApiSchema } from './openapi-schema.js';

/** The outcome of one rule on one value: passed, failed, or could not be evaluated (and why). */
export type CelOutcome = { passed: boolean } | { error: string };

const ENV = celEnv({ variables: { self: CelScalar.DYN }, funcs: strings });
type Program = (bindings: { self: CelInput }) => unknown;
const programs = new Map<string, Program | { compileError: string }>();

/** The expression parsed and planned (cached by its text), or why it does not compile. */
function program(expression: string): Program | { compileError: string } {
  let found = programs.get(expression);
  if (!found) {
    try {
      found = plan(ENV, parse(expression)) as Program;
    } catch (error) {
      found = { compileError: error instanceof Error ? error.message : String(error) };
    }
    programs.set(expression, found);
  }
  return found;
}

/** Evaluates a rule against `self`. */
export function evaluateCelRule(expression: string, self: CelInput): CelOutcome {
  const planned = program(expression);
  if (typeof planned !== 'function') return { error: `the CEL rule ${JSON.stringify(expression)} does not compile: ${planned.compileError}` };
  const result = planned({ self });
  if (isCelError(result)) return { error: `the CEL rule ${JSON.stringify(expression)} could not be evaluated: ${result.message}` };
  if (typeof result !== 'boolean') return { error: `the CEL rule ${JSON.stringify(expression)} gave a ${typeof result}, not a bool` };
  return { passed: result };
}

/** The string a `messageExpression` evaluates to, or undefined when it does not give one. */
export function evaluateCelMessage(expression: string, self: CelInput): string | undefined {
  const planned = program(expression);
  if (typeof planned !== 'function') return undefined;
  const result = planned({ self });
  return typeof result === 'string' ? result : undefined;
}

function isInteger(schema: OpenApiSchema | undefined): boolean {
  return schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true;
}

function childSchema(schema: OpenApiSchema | undefined, key: string): OpenApiSchema | undefined {
  if (!schema) return undefined;
  const declared = schema.properties?.[key];
  if (declared) return declared;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

/**
 * A JSON value as CEL sees it under its schema: objects become maps, integers where the schema
 * says integer (or int-or-string) become CEL ints (bigint), other numbers stay doubles. Undeclared
 * whole numbers (under x-kubernetes-preserve-unknown-fields) are ints too, as the API server
 * decodes JSON integers.
 */
export function celValueOf(value: unknown, schema: OpenApiSchema | undefined): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    const wholeNumber = Number.isInteger(value);
    return wholeNumber && (isInteger(schema) || schema?.type === undefined) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => celValueOf(item, schema?.items));
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return new Map(entries.map(([k, v]) => [k, celValueOf(v, childSchema(schema, k))]));
  }
  return value as CelInput;
}
