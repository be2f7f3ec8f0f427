/** One thing wrong with a resource: where (a field path from the object root) and what to do about it. */
export interface ValidationProblem {
  /** e.g. "spec.template.spec.containers[1].securityContext.privileged" */
  path: string;
  message: string;
}

// Keys such as label keys ("kubernetes.io/os") or resource names ("nvidia.com/gpu") would make
// a dotted path ambiguous; they are written in brackets instead.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The path of a map entry: `base.key`, or `base["key"]` when the key has dots or slashes. */
export function keyPath(base: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Checks that a value is an integer within [min, max]; `what` names it in the message. */
export function checkIntegerRange(
  value: unknown,
  path: string,
  min: number,
  max: number,
  what: string,
): ValidationProblem[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return [{ path, message: `${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}` }];
  }
  return [];
}

/** Checks that a value, when set, is one of the allowed strings. */
export function checkOneOf(value: unknown, path: string, allowed: readonly string[]): ValidationProblem[] {
  if (value === undefined || (typeof value === 'string' && allowed.includes(value))) return [];
  return [{ path, message: `${JSON.stringify(value)} is not allowed; use one of ${allowed.join(', ')}` }];
}
