/**
 * Compares two status objects as JSON values, ignoring every `lastTransitionTime` (pure). A
 * status that differs only in those times is unchanged: writing it would cost a write for nothing.
 */
export function statusEquivalent(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => key !== 'lastTransitionTime' && v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([key, v]) => [key, normalize(v)] as const);
    return Object.fromEntries(entries);
  }
  return value;
}
