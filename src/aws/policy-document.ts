/**
 * IAM policy documents compared as JSON, never as text. IAM hands documents back URL-encoded
 * (GetRole's AssumeRolePolicyDocument, GetRolePolicy's PolicyDocument), reorders keys and turns
 * one-element lists into strings and back; none of that is drift, and rewriting a policy for it
 * would make the steady state write to AWS on every resync.
 */

/** Keys whose value is a set of strings: a string and a one-element list mean the same. */
const STRING_SET_KEYS = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);
/** Keys whose value is an object of string sets (`{"Service": [...]}`) or a lone `"*"`. */
const PRINCIPAL_KEYS = new Set(['Principal', 'NotPrincipal']);

/** Parses a policy document as IAM returns it: URL-encoded JSON, or plain JSON. */
export function parsePolicyDocument(text: string): unknown {
  const trimmed = text.trim();
  // Plain JSON starts with "{"; IAM's encoding turns that into "%7B".
  return JSON.parse(trimmed.startsWith('{') ? trimmed : decodeURIComponent(trimmed));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A set of strings as a sorted, deduplicated list; anything else is kept as it is. */
function stringSet(value: unknown): unknown {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) return canonical(value);
  return [...new Set(list as string[])].sort();
}

/** `{"Service": "a"}` and `{"Service": ["a"]}` alike; `"*"` stays `"*"`. */
function principal(value: unknown): unknown {
  if (!isObject(value)) return canonical(value);
  return sortedObject(value, stringSet);
}

/** Condition blocks: operator -> key -> value or list of values. */
function condition(value: unknown): unknown {
  if (!isObject(value)) return canonical(value);
  return sortedObject(value, (keys) => (isObject(keys) ? sortedObject(keys, stringSet) : canonical(keys)));
}

function sortedObject(value: Record<string, unknown>, each: (v: unknown, key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = each(value[key], key);
  return out;
}

function statement(value: unknown): unknown {
  if (!isObject(value)) return canonical(value);
  return sortedObject(value, (v, key) => {
    if (STRING_SET_KEYS.has(key)) return stringSet(v);
    if (PRINCIPAL_KEYS.has(key)) return principal(v);
    if (key === 'Condition') return condition(v);
    return canonical(v);
  });
}

/** Generic JSON with object keys sorted, lists kept in order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value)) return sortedObject(value, canonical);
  return value;
}

/**
 * The canonical form of a policy document: keys sorted, `Statement` always a list (sorted, as
 * statement order carries no meaning), string sets as sorted lists.
 */
export function normalizePolicyDocument(doc: unknown): unknown {
  if (!isObject(doc)) return canonical(doc);
  return sortedObject(doc, (v, key) => {
    if (key !== 'Statement') return canonical(v);
    const statements = (Array.isArray(v) ? v : [v]).map(statement);
    return statements
      .map((s) => ({ s, text: JSON.stringify(s) }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map(({ s }) => s);
  });
}

/** True when two policy documents (objects, or strings as IAM returns them) mean the same. */
export function policyDocumentsEqual(a: unknown, b: unknown): boolean {
  const parse = (doc: unknown): unknown => (typeof doc === 'string' ? parsePolicyDocument(doc) : doc);
  return JSON.stringify(normalizePolicyDocument(parse(a))) === JSON.stringify(normalizePolicyDocument(parse(b)));
}
