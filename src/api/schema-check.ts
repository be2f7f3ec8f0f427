/**
 * Checks an object against a CRD's structural schema the way the API server does on create and
 * update (with the strict field validation `kubectl apply` asks for): defaults first, then types,
 * required fields, enums, patterns, lengths and bounds, unique `set` and `map` lists, unknown
 * fields, and the CEL rules of `x-kubernetes-validations`. A file checked here gets the answers
 * `kubectl apply` would give, from the schema itself, with the field's own description as the hint
 * on what to write. Pure: no I/O.
 */
import { celValueOf, evaluateCelMessage, evaluateCelRule } from './cel-rules.js';
import type { OpenApiSchema } from './openapi-schema.js';
import { keyPath, type ValidationProblem } from './validation-problem.js';

type Json = Record<string, unknown>;

/** At most this many field names are listed when an unknown field is reported. */
const KNOWN_FIELDS_LISTED = 12;
const patterns = new Map<string, RegExp>();

function compiledPattern(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The first sentence of a field's description: what the message offers as the hint. */
function hintOf(schema: OpenApiSchema | undefined): string {
  const text = (schema?.description ?? '').replace(/\s+/g, ' ').trim();
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end);
}

function withHint(message: string, hint: string): string {
  return hint === '' ? message : `${message} (${hint})`;
}

function childPath(path: string, key: string, declared: boolean): string {
  if (path === '') return key;
  return declared ? `${path}.${key}` : keyPath(path, key);
}

/** A deep copy of `value` with the schema's defaults filled in, as the API server defaults on write. */
export function withSchemaDefaults(value: unknown, schema: OpenApiSchema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((item) => withSchemaDefaults(item, schema.items!)) : value;
  if (!isObject(value)) return value;
  const out: Json = { ...value };
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && child.default !== undefined) out[key] = structuredClone(child.default);
    if (out[key] !== undefined) out[key] = withSchemaDefaults(out[key], child);
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object') {
    for (const key of Object.keys(out)) out[key] = withSchemaDefaults(out[key], extra);
  }
  return out;
}

interface Walk {
  problems: ValidationProblem[];
  /**
   * A value of the wrong type or a missing required field was found: CEL rules above it are not
   * run (the API server does the same for type errors), and neither are the operator's own checks.
   */
  typeError: boolean;
}

function typeProblem(value: unknown, schema: OpenApiSchema, path: string, hint: string): ValidationProblem | undefined {
  if (value === null) {
    return schema.nullable ? undefined : { path, message: withHint('must not be null; set a value or leave the field out', hint) };
  }
  if (schema['x-kubernetes-int-or-string']) {
    return Number.isInteger(value) || typeof value === 'string' ? undefined : { path, message: withHint(`must be a whole number or a string, not ${show(value)}`, hint) };
  }
  const fits: Record<NonNullable<OpenApiSchema['type']>, (v: unknown) => boolean> = {
    object: isObject,
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    integer: (v) => Number.isInteger(v),
    number: (v) => typeof v === 'number' && Number.isFinite(v),
    boolean: (v) => typeof v === 'boolean',
  };
  if (schema.type === undefined || fits[schema.type](value)) return undefined;
  const article = schema.type === 'object' || schema.type === 'array' || schema.type === 'integer' ? 'an' : 'a';
  const expected = schema.type === 'integer' ? 'integer (a whole number)' : schema.type;
  return { path, message: withHint(`must be ${article} ${expected}, not ${show(value)}`, hint) };
}

function rangeProblem(n: number, min: number | undefined, max: number | undefined, what: (bound: number) => string): string | undefined {
  if ((min === undefined || n >= min) && (max === undefined || n <= max)) return undefined;
  if (min !== undefined && max !== undefined) return min === max ? `must be exactly ${what(min)}` : `must be from ${min} to ${what(max)}`;
  return min !== undefined ? `must be at least ${what(min)}` : `must be at most ${what(max!)}`;
}

function scalarProblems(value: unknown, schema: OpenApiSchema, path: string, hint: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (schema.enum && !schema.enum.some((allowed) => allowed === value)) {
    problems.push({ path, message: `${show(value)} is not allowed; use one of ${schema.enum.map(String).join(', ')}` });
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    const bad = rangeProblem(length, schema.minLength, schema.maxLength, (n) => `${n} character${n === 1 ? '' : 's'}`);
    if (bad) problems.push({ path, message: `${show(value)} has ${length} characters; it ${bad}` });
    if (schema.pattern !== undefined && !compiledPattern(schema.pattern).test(value)) {
      problems.push({ path, message: withHint(`${show(value)} does not have the required form ${schema.pattern}`, hint) });
    }
  }
  if (typeof value === 'number') {
    const bad = rangeProblem(value, schema.minimum, schema.maximum, String);
    if (bad) problems.push({ path, message: `${value} is out of range: it ${bad}` });
  }
  return problems;
}

function listProblems(list: unknown[], schema: OpenApiSchema, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const bad = rangeProblem(list.length, schema.minItems, schema.maxItems, (n) => `${n} item${n === 1 ? '' : 's'}`);
  if (bad) problems.push({ path, message: `has ${list.length} item${list.length === 1 ? '' : 's'}; it ${bad}` });
  const listType = schema['x-kubernetes-list-type'];
  const mapKeys = schema['x-kubernetes-list-map-keys'] ?? [];
  if (listType !== 'set' && !(listType === 'map' && mapKeys.length > 0)) return problems;
  const firstAt = new Map<string, number>();
  list.forEach((item, i) => {
    const identity = listType === 'set' ? JSON.stringify(item) : JSON.stringify(mapKeys.map((k) => (isObject(item) ? item[k] : undefined)));
    const first = firstAt.get(identity);
    if (first === undefined) {
      firstAt.set(identity, i);
      return;
    }
    const message =
      listType === 'set'
        ? `${show(item)} is listed twice (also at [${first}]); list each value once`
        : `${mapKeys.map((k) => `${k} ${show(isObject(item) ? item[k] : undefined)}`).join(', ')} is used twice (also at [${first}]); each entry needs its own ${mapKeys.join(' and ')}`;
    problems.push({ path: `${path}[${i}]`, message });
  });
  return problems;
}

function objectProblems(object: Json, schema: OpenApiSchema, path: string, walk: Walk): void {
  const declared = schema.properties ?? {};
  for (const field of schema.required ?? []) {
    if (object[field] === undefined) {
      walk.problems.push({ path: childPath(path, field, true), message: withHint('is required', hintOf(declared[field])) });
      walk.typeError = true;
    }
  }
  const count = Object.keys(object).length;
  const bad = rangeProblem(count, schema.minProperties, schema.maxProperties, (n) => `${n} entr${n === 1 ? 'y' : 'ies'}`);
  if (bad) walk.problems.push({ path, message: `has ${count} entries; it ${bad}` });
  const extra = schema.additionalProperties;
  const acceptsUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true || extra === true || schema.properties === undefined;
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    // The root's metadata is ObjectMeta, which the API server checks by its own rules.
    if (path === '' && key === 'metadata') continue;
    const child = declared[key] ?? (typeof extra === 'object' ? extra : undefined);
    if (child) {
      const inner = walkValue(value, child, childPath(path, key, declared[key] !== undefined), hintOf(child));
      walk.problems.push(...inner.problems);
      walk.typeError ||= inner.typeError;
    } else if (!acceptsUnknown) {
      const known = Object.keys(declared);
      const listed = known.length > KNOWN_FIELDS_LISTED ? `${known.slice(0, KNOWN_FIELDS_LISTED).join(', ')}, ...` : known.join(', ');
      walk.problems.push({
        path: childPath(path, key, false),
        message: `unknown field ${JSON.stringify(key)}; check its spelling and indentation (fields here: ${listed})`,
      });
    }
  }
}

/** The API server's own ObjectMeta rule that CEL rules rely on: an object has a name. */
function metadataProblems(object: Json): ValidationProblem[] {
  const metadata = object.metadata;
  const name = isObject(metadata) ? metadata.name : undefined;
  if (typeof name === 'string' && name !== '') return [];
  return [{ path: 'metadata.name', message: 'is required: give the object a name' }];
}

/** `self` for a rule at the root: the API server exposes only metadata.name and generateName to CEL. */
function celSelf(value: unknown, schema: OpenApiSchema, path: string): unknown {
  if (path !== '' || !isObject(value) || !isObject(value.metadata)) return value;
  const { name, generateName } = value.metadata;
  return { ...value, metadata: { ...(name !== undefined && { name }), ...(generateName !== undefined && { generateName }) } };
}

function celProblems(value: unknown, schema: OpenApiSchema, path: string): ValidationProblem[] {
  const rules = schema['x-kubernetes-validations'] ?? [];
  if (rules.length === 0) return [];
  const self = celValueOf(celSelf(value, schema, path), schema);
  const problems: ValidationProblem[] = [];
  for (const rule of rules) {
    // A transition rule (it reads oldSelf) runs only on an update; an object checked here is new.
    if (/\boldSelf\b/.test(rule.rule)) continue;
    const outcome = evaluateCelRule(rule.rule, self);
    if ('passed' in outcome && outcome.passed) continue;
    const at = rule.fieldPath ? `${path}${rule.fieldPath}`.replace(/^\./, '') : path;
    const message =
      'error' in outcome
        ? outcome.error
        : ((rule.messageExpression && evaluateCelMessage(rule.messageExpression, self)) ?? rule.message ?? `failed the rule ${rule.rule}`);
    problems.push({ path: at === '' ? '(object)' : at, message: message.replace(/\s+/g, ' ').trim() });
  }
  return problems;
}

function walkValue(value: unknown, schema: OpenApiSchema, path: string, hint: string): Walk {
  const wrongType = typeProblem(value, schema, path, hint);
  if (wrongType) return { problems: [wrongType], typeError: true };
  const walk: Walk = { problems: scalarProblems(value, schema, path, hint), typeError: false };
  if (Array.isArray(value)) {
    walk.problems.push(...listProblems(value, schema, path));
    if (schema.items) {
      const itemHint = hintOf(schema.items) || hint;
      value.forEach((item, i) => {
        const inner = walkValue(item, schema.items!, `${path}[${i}]`, itemHint);
        walk.problems.push(...inner.problems);
        walk.typeError ||= inner.typeError;
      });
    }
  } else if (isObject(value)) {
    if (path === '' && schema.properties?.metadata !== undefined) {
      const nameless = metadataProblems(value);
      walk.problems.push(...nameless);
      walk.typeError ||= nameless.length > 0;
    }
    objectProblems(value, schema, path, walk);
  }
  if (!walk.typeError) walk.problems.push(...celProblems(value, schema, path));
  return walk;
}

/** What the API server would say about an object. */
export interface SchemaCheck {
  /** Every problem it would report; [] when it would accept the object. */
  problems: ValidationProblem[];
  /** No value has the wrong type and no required field is missing: code that reads the typed object can run. */
  wellFormed: boolean;
}

/**
 * Checks `object` under `schema` (a CRD's openAPIV3Schema) as the API server would, after the
 * schema's defaults are applied.
 */
export function checkAgainstSchema(object: unknown, schema: OpenApiSchema): SchemaCheck {
  const walk = walkValue(withSchemaDefaults(object, schema), schema, '', hintOf(schema));
  return { problems: walk.problems, wellFormed: !walk.typeError };
}
