/**
 * Validation of FargateWorkloads and FargateClusters: first the installed CRD's own schema and CEL
 * rules (schema-check.ts, so that a file checked here gets the answers `kubectl apply` would give,
 * and nothing here repeats a rule of the CRD), then what only the operator can check because it
 * needs arithmetic, AWS limits across fields or a second object: the Fargate pod size, EBS storage,
 * the FargateCluster's guard rails (guard-rails.ts) and the inline policy's shape and size. Names
 * of any legal length are fine: AWS names are cut to their limits with a hash (src/plan/names.ts). The CLI's `validate` and both reconcilers call these.
 */
import { installedCrdSchema } from './crd-schemas.js';
import { withWorkloadDefaults } from './defaults.js';
import { checkGuardRails } from './guard-rails.js';
import { checkPolicyDocument } from './policy-document.js';
import { checkAgainstSchema } from './schema-check.js';
import type { FargateCluster, FargateWorkload } from './types.js';
import { checkPodSpec } from './validate-pod.js';
import type { ValidationProblem } from './validation-problem.js';

export type { ValidationProblem } from './validation-problem.js';

function checkServiceAccount(w: FargateWorkload): ValidationProblem[] {
  const sa = w.spec.iam?.serviceAccountName;
  const podSa = w.spec.template.spec.serviceAccountName;
  if (podSa === undefined || podSa === '' || podSa === sa) return [];
  return [
    {
      path: 'spec.template.spec.serviceAccountName',
      message: `the pod template names ServiceAccount ${podSa} but the workload's IAM role is bound to ${String(sa)}; remove it from the template or set spec.iam.serviceAccountName to it`,
    },
  ];
}

/** The object as its author wrote it: status is the operator's output, which no user input should be judged by. */
function withoutStatus<T extends object>(object: T): T {
  if (!object || typeof object !== 'object' || !('status' in object)) return object;
  const { status: _status, ...rest } = object as T & { status?: unknown };
  return rest as T;
}

/**
 * Every problem of a FargateWorkload; [] when it is valid. The CRD's schema and CEL rules come
 * first; the operator's own checks follow unless the schema found a value of the wrong type or a
 * missing required field (they read the typed object). With its FargateCluster, also the
 * cluster's guard rails (IAM, networking, Ingress: guard-rails.ts) and the cluster name. The
 * cluster itself is checked by `validateCluster`.
 */
export function validate(workload: FargateWorkload, cluster?: FargateCluster): ValidationProblem[] {
  const schema = checkAgainstSchema(withoutStatus(workload), installedCrdSchema('FargateWorkload'));
  if (!schema.wellFormed) return schema.problems;
  const w = withWorkloadDefaults(workload);
  const spec = w.spec;
  const problems: ValidationProblem[] = [...schema.problems];
  if (cluster && spec.clusterName !== undefined && spec.clusterName !== cluster.metadata?.name) {
    problems.push({ path: 'spec.clusterName', message: `names cluster ${spec.clusterName} but was checked against FargateCluster ${String(cluster.metadata?.name)}` });
  }
  problems.push(...checkPodSpec(spec.template.spec, 'spec.template.spec'));
  problems.push(...checkServiceAccount(w));
  if (spec.iam?.inlinePolicy !== undefined) problems.push(...checkPolicyDocument(spec.iam.inlinePolicy, 'spec.iam.inlinePolicy'));
  if (cluster?.spec) problems.push(...checkGuardRails(w, cluster));
  return problems;
}

/** Every problem of a FargateCluster (all of them from its CRD's schema and CEL rules); [] when it is valid. */
export function validateCluster(cluster: FargateCluster): ValidationProblem[] {
  return checkAgainstSchema(withoutStatus(cluster), installedCrdSchema('FargateCluster')).problems;
}

/** The problems as text, one line each: "<path>: <message>". */
export function formatProblems(problems: ValidationProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
