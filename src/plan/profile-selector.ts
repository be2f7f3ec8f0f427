/**
 * Whether a Fargate profile selector picks a pod, with the wildcards EKS allows (`*` any run of
 * characters, `?` one character) in the namespace, label keys and label values.
 */
import type { ProfileSelector } from './fargate-profile.js';

/** True when `value` matches the whole of `pattern`. */
export function matchesWildcard(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** True when a pod in `namespace` with `labels` is selected: every selector label matches one pod label. */
export function selectorMatches(selector: ProfileSelector, namespace: string, labels: Record<string, string>): boolean {
  if (!matchesWildcard(selector.namespace, namespace)) return false;
  const podLabels = Object.entries(labels);
  return Object.entries(selector.labels).every(([key, value]) =>
    podLabels.some(([podKey, podValue]) => matchesWildcard(key, podKey) && matchesWildcard(value, podValue)),
  );
}
