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
