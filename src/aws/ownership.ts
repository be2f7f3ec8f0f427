/**
 * The one "is this ours?" check of AWS resources (IAM roles, OIDC providers, Fargate profiles):
 * the operator changes or deletes a resource only when it carries the operator's ownership tags
 * with the expected values; anything else is adopted only on an explicit annotation.
 */
import { ADOPT_ANNOTATION, TAG_CLUSTER, TAG_COMPONENT, TAG_NAME, TAG_NAMESPACE, TAG_UID } from '../api/constants.js';

/** True when the resource carries every one of the ownership tags with the same value. */
export function isOwnedBy(observed: { tags: Record<string, string> }, ownershipTags: Record<string, string>): boolean {
  return Object.entries(ownershipTags).every(([key, value]) => observed.tags[key] === value);
}

/** The subset of `tags` under these keys: the ones that prove ownership, leaving the rest (a uid, a component) out. */
export function ownershipSubset(tags: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => keys.includes(key)));
}

/** The tags by which the operator marks what it made, and for whom (src/plan/ownership-tags.ts). */
export const OPERATOR_TAG_KEYS: readonly string[] = [TAG_CLUSTER, TAG_NAMESPACE, TAG_NAME, TAG_UID, TAG_COMPONENT];

/**
 * Whom the operator's tags on a resource name, when that is not whom the plan names (another
 * workload, cluster or component), in words: "FargateWorkload team-a/api on cluster prod
 * (irsa-role)". Undefined when every operator tag it carries has the planned value. Pure.
 */
export function taggedForAnother(observedTags: Record<string, string>, plannedTags: Record<string, string>): string | undefined {
  const foreign = OPERATOR_TAG_KEYS.some((key) => observedTags[key] !== undefined && observedTags[key] !== plannedTags[key]);
  if (!foreign) return undefined;
  const namespace = observedTags[TAG_NAMESPACE];
  const name = observedTags[TAG_NAME];
  const owner = namespace && name ? `FargateWorkload ${namespace}/${name}` : namespace ? `namespace ${namespace}` : undefined;
  const cluster = observedTags[TAG_CLUSTER] ? `cluster ${observedTags[TAG_CLUSTER]}` : undefined;
  const whom = [owner, cluster].filter(Boolean).join(' on ') || 'another owner';
  return observedTags[TAG_COMPONENT] ? `${whom} (${observedTags[TAG_COMPONENT]})` : whom;
}

/**
 * Why the adopt annotation may not take an AWS resource of the planned name, or undefined when it
 * may. Adoption is for what was made before or outside the operator: a resource that carries none
 * of its ownership tags, or only values planned for this workload. One the operator tagged for
 * another workload, cluster or component stays theirs, whatever the annotation says. Pure.
 */
export function adoptionRefusal(observedTags: Record<string, string>, plannedTags: Record<string, string>): string | undefined {
  const whom = taggedForAnother(observedTags, plannedTags);
  return whom === undefined ? undefined : `it is tagged as the operator's for ${whom}, and ${ADOPT_ANNOTATION} takes only what carries none of the operator's tags`;
}

