/**
 * Matching of managed policy ARNs against the FargateCluster's allowed patterns, where `*`
 * matches any run of characters (including none) and `?` exactly one. Case-sensitive, like ARNs.
 */

/**
 * Whether `arn` matches the glob `pattern`. Linear-time two-pointer matching, so a pattern such
 * as "*a*a*a*b" cannot backtrack exponentially the way a translated regex could.
 */
export function arnMatchesPattern(arn: string, pattern: string): boolean {
  let a = 0;
  let p = 0;
  let starP = -1;
  let starA = 0;
  while (a < arn.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starA = a;
    } else if (pc !== undefined && (pc === '?' || pc === arn[a])) {
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

/** The first pattern that allows `arn`, or undefined when none does (and always for an empty list). */
export function allowingPattern(arn: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) => arnMatchesPattern(arn, pattern));
}
