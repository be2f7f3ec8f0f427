/**
 * What the least-privilege proofs compare: the IAM actions the operator's rendered policy
 * (src/plan/operator-policy.ts; deploy/iam/operator-policy.example.json for the example cluster) allows
 * against the `<service>:<operation>` calls the EKS proxy saw, and the (apiGroup, resource, verb)
 * triples deploy/base's RBAC grants against what the API server's audit log says the operator's
 * ServiceAccount did.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceCanMatch } from './authorization-reference.js';
import type { ProxyCall } from '../../scripts/dev-env/eks-proxy.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

/** The policy `iam-policy` renders for examples/fargatecluster.yaml, relative to the repository root. */
export const EXAMPLE_OPERATOR_POLICY = 'deploy/iam/operator-policy.example.json';

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Reads deploy/iam/operator-policy.example.json. */
export function readExampleOperatorPolicy(): PolicyDocument {
  return JSON.parse(readFileSync(join(repoRoot(), EXAMPLE_OPERATOR_POLICY), 'utf8')) as PolicyDocument;
}

/**
 * The policy as moto 5's IAM enforcement can judge it: the same statements with every Resource
 * widened to `*`. moto matches a statement's Resource against the request's resource, which it
 * knows only for IAM calls on an existing role and takes as `*` for everything else (a create, EKS,
 * EC2), so a statement scoped to ARNs would deny the calls it is written for. Conditions stay: moto
 * gives an identity policy's conditions no request values, and a condition without values passes,
 * so they change nothing there (AWS evaluates them).
 */
export function motoEnforceablePolicy(policy: PolicyDocument): PolicyDocument {
  // A Deny stays as it is: widened, it would deny everything its actions name.
  return { ...policy, Statement: policy.Statement.map((statement) => (statement.Effect === 'Allow' ? { ...statement, Resource: '*' } : statement)) };
}

/** The Allow statements that name this action. */
function statementsAllowing(policy: PolicyDocument, action: string): PolicyStatement[] {
  return policy.Statement.filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes(action));
}

/** The policy without one action, in whatever statements named it. */
export function withoutAction(policy: PolicyDocument, action: string): PolicyDocument {
  return { ...policy, Statement: policy.Statement.map((statement) => ({ ...statement, Action: [statement.Action].flat().filter((named) => named !== action) })) };
}

/** Of these actions, those some Allow statement scopes to ARNs (a Resource other than `*`). */
export function arnScopedActions(policy: PolicyDocument, actions: Iterable<string>): string[] {
  return [...actions].filter((action) => statementsAllowing(policy, action).some((statement) => [statement.Resource ?? []].flat().some((resource) => resource !== '*')));
}

/** Every action an Allow statement names, e.g. `iam:CreateRole`. */
export function allowedActions(policy: PolicyDocument): Set<string> {
  const actions = new Set<string>();
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action].flat()) actions.add(action);
  }
  return actions;
}

/** The `aws:RequestTag/<key>` keys a statement requires: `Null` "false", or a value under an operator without IfExists. */
function requiredKeysOf(statement: PolicyStatement): string[] {
  const keys: string[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(entries)) {
      if (!/^aws:RequestTag\//i.test(key)) continue;
      const requires = operator === 'Null' ? value === 'false' : !/IfExists$/.test(operator) && !operator.startsWith('ForAllValues:');
      if (requires) keys.push(key.slice('aws:RequestTag/'.length));
    }
  }
  return keys;
}

/**
 * The tag keys a call of each action must carry for the policy to allow it: the keys every Allow
 * statement naming the action requires (any one statement allows, so only what they share is
 * required). An action some statement allows without such a condition (iam:TagRole on an owned
 * role) needs none.
 */
export function requiredRequestTags(policy: PolicyDocument): Map<string, string[]> {
  const byAction = new Map<string, string[][]>();
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    const keys = requiredKeysOf(statement);
    for (const action of [statement.Action].flat()) byAction.set(action, [...(byAction.get(action) ?? []), keys]);
  }
  const required = new Map<string, string[]>();
  for (const [action, perStatement] of byAction) {
    const shared = [...new Set(perStatement[0] ?? [])].filter((key) => perStatement.every((keys) => keys.includes(key)));
    if (shared.length > 0) required.set(action, shared);
  }
  return required;
}

/** The calls AWS would refuse for a missing request tag, as `<action> <path> without <key>`. */
export function callsWithoutRequiredTags(calls: readonly ProxyCall[], required: ReadonlyMap<string, string[]>): string[] {
  return calls.flatMap((call) => {
    const action = `${call.service}:${call.operation}`;
    return (required.get(action) ?? []).filter((key) => !(call.tagKeys ?? []).includes(key)).map((key) => `${action} ${call.path} without ${key}`);
  });
}

/**
 * The actions on an ARN that no Allow statement covers with a Resource matching that ARN, as
 * `<action> on <arn>`: what AWS would refuse whatever the conditions say.
 */
export function uncoveredResources(policy: PolicyDocument, uses: ReadonlyArray<{ arn: string; actions: readonly string[] }>): string[] {
  return uses.flatMap(({ arn, actions }) =>
    actions
      .filter((action) => !statementsAllowing(policy, action).some((statement) => [statement.Resource ?? []].flat().some((resource) => resourceCanMatch(resource, arn))))
      .map((action) => `${action} on ${arn}`),
  );
}

/** `<service>:<operation>` of every call the proxy answered (IAM action names are the API operation names). */
export function observedActions(calls: readonly ProxyCall[]): Set<string> {
  return new Set(calls.map((call) => `${call.service}:${call.operation}`));
}

/** What differs between two sets: in `used` but not `granted` (missing), and the other way (unused). */
export interface GrantComparison {
  missing: string[];
  unused: string[];
}

/** Compares what was used with what is granted; `exceptions` count as used (each must say why). */
export function compareGrants(used: Iterable<string>, granted: Iterable<string>, exceptions: Readonly<Record<string, string>> = {}): GrantComparison {
  const usedSet = new Set([...used, ...Object.keys(exceptions)]);
  const grantedSet = new Set(granted);
  return {
    missing: [...usedSet].filter((item) => !grantedSet.has(item)).sort(),
    unused: [...grantedSet].filter((item) => !usedSet.has(item)).sort(),
  };
}

/** `apiGroup/resource[/subresource]:verb`, with "core" for the "" group: one RBAC permission. */
export function permissionKey(apiGroup: string, resource: string, verb: string): string {
  return `${apiGroup === '' ? 'core' : apiGroup}/${resource}:${verb}`;
}

interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** Every permission the Role and ClusterRole documents in these YAML files grant. */
export function grantedPermissions(files: readonly string[]): Set<string> {
  const granted = new Set<string>();
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(join(repoRoot(), file), 'utf8'))) {
      const object = document.toJS() as { kind?: string; rules?: RbacRule[] } | null;
      if (object?.kind !== 'Role' && object?.kind !== 'ClusterRole') continue;
      for (const rule of object.rules ?? []) {
        for (const apiGroup of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            for (const verb of rule.verbs ?? []) granted.add(permissionKey(apiGroup, resource, verb));
          }
        }
      }
    }
  }
  return granted;
}

interface AuditEvent {
  user?: { username?: string };
  verb?: string;
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string };
  responseStatus?: { code?: number };
}

/**
 * The permissions a user's requests needed, from an API server audit log (JSON lines). A server-side
 * apply that created its object (a PATCH answered 201) was also authorized as create, which the
 * API server checks for an apply to a missing object, so it counts as both patch and create.
 */
export function auditedPermissions(auditLog: string, username: string): Set<string> {
  const used = new Set<string>();
  for (const line of auditLog.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as AuditEvent;
    if (event.user?.username !== username || !event.verb || !event.objectRef?.resource) continue;
    const { apiGroup = '', resource, subresource } = event.objectRef;
    const fullResource = subresource ? `${resource}/${subresource}` : resource;
    used.add(permissionKey(apiGroup, fullResource, event.verb));
    if (event.verb === 'patch' && event.responseStatus?.code === 201) used.add(permissionKey(apiGroup, fullResource, 'create'));
  }
  return used;
}
