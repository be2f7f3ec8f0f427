/**
 * Checks that an inline IAM policy looks like an identity-based policy document that
 * PutRolePolicy will accept, so a mistake is reported before the reconciler meets it as a
 * MalformedPolicyDocument error. The CRD schema already requires Statement and checks Version;
 * this checks what a schema cannot say about a statement, and the size.
 */
import type { ValidationProblem } from './validation-problem.js';

/** IAM counts an inline role policy's characters without whitespace: minified JSON. */
export const IAM_INLINE_POLICY_MAX_CHARS = 10_240;

/** An IAM policy field that may hold one value or a list of them (Statement, Action, Principal), as a list. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkStatement(st: unknown, path: string): ValidationProblem[] {
  if (!isObject(st)) {
    return [{ path, message: 'a statement must be an object with Effect, Action and Resource' }];
  }
  const problems: ValidationProblem[] = [];
  if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') {
    problems.push({ path: `${path}.Effect`, message: `Effect must be "Allow" or "Deny", not ${JSON.stringify(st['Effect'])}` });
  }
  const pairs: [string, string, string][] = [
    ['Action', 'NotAction', 'the API actions it covers, e.g. "s3:GetObject"'],
    ['Resource', 'NotResource', 'the resources it covers, e.g. "arn:aws:s3:::my-bucket/*" or "*"'],
  ];
  for (const [field, negated, hint] of pairs) {
    const has = field in st;
    const hasNot = negated in st;
    if (has && hasNot) {
      problems.push({ path, message: `a statement has either ${field} or ${negated}, not both` });
    } else if (!has && !hasNot) {
      problems.push({ path, message: `the statement has no ${field} (or ${negated}); list ${hint}` });
    }
  }
  for (const field of ['Principal', 'NotPrincipal']) {
    if (field in st) {
      problems.push({
        path: `${path}.${field}`,
        message: `an identity policy cannot name a ${field}; remove it (the operator writes the role's trust policy itself)`,
      });
    }
  }
  return problems;
}

/** Every problem of an inline policy document at `path`. */
export function checkPolicyDocument(doc: unknown, path: string): ValidationProblem[] {
  if (!isObject(doc)) {
    return [{ path, message: 'must be an IAM policy document object with Version and Statement' }];
  }
  const problems: ValidationProblem[] = [];
  const statement = doc['Statement'];
  if (Array.isArray(statement)) {
    if (statement.length === 0) {
      problems.push({ path: `${path}.Statement`, message: 'Statement is empty; add at least one statement with Effect, Action and Resource' });
    }
    statement.forEach((st, i) => problems.push(...checkStatement(st, `${path}.Statement[${i}]`)));
  } else {
    problems.push(...checkStatement(statement, `${path}.Statement`));
  }
  const length = JSON.stringify(doc).length;
  if (length > IAM_INLINE_POLICY_MAX_CHARS) {
    problems.push({
      path,
      message: `the policy is ${length} characters without whitespace, more than IAM's ${IAM_INLINE_POLICY_MAX_CHARS} for inline role policies; move permissions into a managed policy`,
    });
  }
  return problems;
}
