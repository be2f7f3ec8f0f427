/**
 * The one "is this ours?" check of AWS resources (IAM roles, OIDC providers, Fargate profiles):
 * the operator changes or deletes a resource only when it carries the operator's ownership tags
 * with the expected values; anything else is adopted only on an explicit annotation.
 */

/** True when the resource carries every one of the ownership tags with the same value. */
export function isOwnedBy(observed: { tags: Record<string, string> }, ownershipTags: Record<string, string>): boolean {
  return Object.entries(ownershipTags).every(([key, value]) => observed.tags[key] === value);
}

/** The subset of `tags` under these keys: the ones that prove ownership, leaving the rest (a uid, a component) out. */
export function ownershipSubset(tags: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => keys.includes(key)));
}
