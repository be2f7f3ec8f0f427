/**
 * Matching against the FargateCluster's allowed patterns, where `*` matches any run of characters
 * (including none) and `?` exactly one. Case-sensitive, like ARNs.
 */

/**
 * The glob matcher. Linear-time two-pointer matching, so a pattern such as "*a*a*a*b" cannot
 * backtrack exponentially the way a translated regex could. With `valueWildcards`, a `*` in
 * `value` stands for any run of characters, which only a `*` of the pattern covers: a `?` covers
 * one character, so `s3:GetObjec?` must not take `s3:GetObjec*` (a value's `?` is covered by a
 * pattern's `?` or `*` either way).
 */
function globMatches(value: string, pattern: string, valueWildcards: boolean): boolean {
  let a = 0;
  let p = 0;
  let starP = -1;
  let starA = 0;
  while (a < value.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starA = a;
    } else if (pc !== undefined && ((pc === '?' && !(valueWildcards && value[a] === '*')) || pc === value[a])) {
      a++;
      p++;
    } else if (starP >= 0) {
      // Let the last star swallow one more character and retry from there.
      p = starP + 1;
      a = ++starA;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whether the concrete `arn` matches the glob `pattern`, its own `*` and `?` read literally, as IAM
 * matches a request's resource ARN against a policy's Resource (used for the operator's own role).
 */
export function arnMatchesPattern(arn: string, pattern: string): boolean {
  return globMatches(arn, pattern, false);
}

/**
 * Whether `pattern` covers everything `value` can stand for, `value` being itself a pattern such as
 * an inline policy's action `s3:Get*`. Never true where the value's wildcards could reach past the
 * pattern's; it may refuse a rare value the pattern does cover (`?*` under `*?`), never the reverse.
 */
export function patternCovers(pattern: string, value: string): boolean {
  return globMatches(value, pattern, true);
}

/**
 * The first pattern that covers `value`, or undefined when none does (and always for an empty
 * list). A value a workload gives can hold wildcards (an action; an ARN whose path has `*`), so
 * this is `patternCovers`, never the literal match.
 */
export function allowingPattern(value: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) => patternCovers(pattern, value));
}
