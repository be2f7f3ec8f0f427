/**
 * An IAM role's changes as `diff` shows them (pure): the writes the operator would make
 * (diffRole in src/aws/iam-roles.ts, the same decision the reconcilers act on), with policy
 * documents compared statement by statement in their canonical form, so a reordered or re-encoded
 * document is no change, as it is none for the operator.
 */
import { diffRole, replacementReason, type ObservedRole, type RoleSpec } from '../aws/iam-roles.js';
import { normalizePolicyDocument } from '../aws/policy-document.js';
import { asList } from '../api/policy-document.js';
import type { FieldChange, ResourceChange, StatementChange } from './resource-change.js';

/** The statements of a document in canonical form; none for an absent document. */
function canonicalStatements(document: unknown): unknown[] {
  if (document === undefined) return [];
  return asList((normalizePolicyDocument(document) as { Statement?: unknown }).Statement);
}

/** What differs between two policy documents, statement by statement (pure). */
export function statementChanges(policy: string, before: unknown, after: unknown): StatementChange {
  const was = canonicalStatements(before);
  const will = canonicalStatements(after);
  const wasText = new Set(was.map((statement) => JSON.stringify(statement)));
  const willText = new Set(will.map((statement) => JSON.stringify(statement)));
  return {
    policy,
    removed: was.filter((statement) => !willText.has(JSON.stringify(statement))),
    added: will.filter((statement) => !wasText.has(JSON.stringify(statement))),
  };
}

function inlineName(name: string): string {
  return `inline policy ${name}`;
}

/** A role that does not exist yet: everything the create would set. */
function createdRole(spec: RoleSpec): ResourceChange {
  const fields: FieldChange[] = [
    { path: 'path', to: spec.path },
    ...(spec.permissionsBoundary ? [{ path: 'permissionsBoundary', to: spec.permissionsBoundary }] : []),
    ...[...spec.managedPolicyArns].sort().map((arn) => ({ path: 'attachedPolicies', to: arn })),
  ];
  const statements = [
    statementChanges('trust policy', undefined, spec.trustPolicy),
    ...(spec.inlinePolicy === undefined ? [] : [statementChanges(inlineName(spec.inlinePolicyName), undefined, spec.inlinePolicy)]),
  ];
  return { layer: 'aws', kind: 'IAMRole', name: spec.name, action: 'create', fields, statements };
}

/**
 * The change a role would see, or undefined when it already matches. `observed` undefined: the
 * role would be created. A path change replaces it (IAM cannot move a role).
 */
export function roleChange(spec: RoleSpec, observed: ObservedRole | undefined): ResourceChange | undefined {
  if (!observed) return createdRole(spec);
  const replacement = replacementReason(spec, observed);
  if (replacement) {
    return { ...createdRole(spec), action: 'replace', note: replacement };
  }
  const fields: FieldChange[] = [];
  const statements: StatementChange[] = [];
  for (const action of diffRole(spec, observed)) {
    switch (action.kind) {
      case 'tagRole':
        for (const [key, value] of Object.entries(action.tags)) {
          fields.push({ path: `tags[${key}]`, ...(observed.tags[key] === undefined ? {} : { from: observed.tags[key] }), to: value });
        }
        break;
      case 'putPermissionsBoundary':
        fields.push({ path: 'permissionsBoundary', ...(observed.permissionsBoundary ? { from: observed.permissionsBoundary } : {}), to: action.policyArn });
        break;
      case 'deletePermissionsBoundary':
        fields.push({ path: 'permissionsBoundary', from: observed.permissionsBoundary });
        break;
      case 'updateTrustPolicy':
        statements.push(statementChanges('trust policy', observed.trustPolicy, action.document));
        break;
      case 'attachPolicy':
        fields.push({ path: 'attachedPolicies', to: action.policyArn });
        break;
      case 'detachPolicy':
        fields.push({ path: 'attachedPolicies', from: action.policyArn });
        break;
      case 'putInlinePolicy':
        statements.push(statementChanges(inlineName(action.policyName), observed.inlinePolicies[action.policyName], action.document));
        break;
      case 'deleteInlinePolicy':
        statements.push(statementChanges(inlineName(action.policyName), observed.inlinePolicies[action.policyName], undefined));
        break;
    }
  }
  if (fields.length === 0 && statements.length === 0) return undefined;
  return { layer: 'aws', kind: 'IAMRole', name: spec.name, action: 'change', fields, statements };
}
