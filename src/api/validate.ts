/**
 * Validation of FargateWorkloads and FargateClusters: first the installed CRD's own schema and CEL
 * rules (schema-check.ts, so that a file checked here gets the answers `kubectl apply` would give,
 * and nothing here repeats a rule of the CRD), then what only the operator can check because it
 * needs arithmetic, AWS limits across fields or a second object: the Fargate pod size, EBS storage,
 * the FargateCluster's IAM guard rails, the inline policy's shape and size, and a name short enough
 * for the IAM role. The CLI's `validate` and both reconcilers call these.
 */
import { installedCrdSchema } from './crd-schemas.js';
import { withClusterDefaults, withWorkloadDefaults } from './defaults.js';
import { allowingPattern } from './policy-arn-match.js';
import { checkPolicyDocument } from './policy-document.js';
import { checkAgainstSchema } from './schema-check.js';
import type { FargateCluster, FargateWorkload, WorkloadIamSpec } from './types.js';
import { checkPodSpec } from './validate-pod.js';
import type { ValidationProblem } from './validation-problem.js';

export type { ValidationProblem } from './validation-problem.js';

/**
 * The IRSA role name (at most 64 characters) holds the namespace, the name and a hash suffix;
 * 48 leaves room for the suffix and separators so both stay readable in the IAM console. (CEL
 * cannot check it: a CRD rule does not see metadata.namespace.)
 */
export const NAMESPACE_AND_NAME_MAX = 48;

function checkNameLength(w: FargateWorkload): ValidationProblem[] {
  const name = w.metadata?.name ?? '';
  const namespace = w.metadata?.namespace ?? 'default';
  if (namespace.length + name.length <= NAMESPACE_AND_NAME_MAX) return [];
  return [
    {
      path: 'metadata.name',
      message: `namespace and name together have ${namespace.length + name.length} characters; keep them within ${NAMESPACE_AND_NAME_MAX} so the IAM role name (at most 64 characters, with a hash suffix) can hold both`,
    },
  ];
}

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

/** The FargateCluster's IAM guard rails, and the inline policy document's shape and size. */
function checkIam(iam: WorkloadIamSpec, cluster: FargateCluster | undefined): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const c = cluster?.spec ? withClusterDefaults(cluster) : undefined;
  const allowed = c?.spec.iam?.allowedManagedPolicyArns ?? [];
  (iam.managedPolicyArns ?? []).forEach((arn, i) => {
    if (!c || typeof arn !== 'string' || allowingPattern(arn, allowed) !== undefined) return;
    problems.push({
      path: `spec.iam.managedPolicyArns[${i}]`,
      message:
        allowed.length === 0
          ? `${arn} is not allowed: FargateCluster ${c.metadata.name ?? ''} allows no managed policies (spec.iam.allowedManagedPolicyArns is empty); ask the platform team to allow it`
          : `${arn} is not allowed by FargateCluster ${c.metadata.name ?? ''}; allowed patterns: ${allowed.join(', ')}`,
    });
  });
  if (iam.inlinePolicy !== undefined) {
    if (c && c.spec.iam?.allowInlinePolicies !== true) {
      problems.push({
        path: 'spec.iam.inlinePolicy',
        message: `FargateCluster ${c.metadata.name ?? ''} does not allow inline policies (spec.iam.allowInlinePolicies is false); use an allowed managed policy or ask the platform team`,
      });
    }
    problems.push(...checkPolicyDocument(iam.inlinePolicy, 'spec.iam.inlinePolicy'));
  }
  return problems;
}

/**
 * Every problem of a FargateWorkload; [] when it is valid. The CRD's schema and CEL rules come
 * first; the operator's own checks follow unless the schema found a value of the wrong type or a
 * missing required field (they read the typed object). With its FargateCluster, also the cluster's IAM guard rails (allowed managed policies,
 * inline policies) and the cluster name. The cluster itself is checked by `validateCluster`.
 */
export function validate(workload: FargateWorkload, cluster?: FargateCluster): ValidationProblem[] {
  const schema = checkAgainstSchema(workload, installedCrdSchema('FargateWorkload'));
  if (!schema.wellFormed) return schema.problems;
  const w = withWorkloadDefaults(workload);
  const spec = w.spec;
  const problems: ValidationProblem[] = [...schema.problems, ...checkNameLength(w)];
  if (cluster && spec.clusterName !== undefined && spec.clusterName !== cluster.metadata?.name) {
    problems.push({ path: 'spec.clusterName', message: `names cluster ${spec.clusterName} but was checked against FargateCluster ${String(cluster.metadata?.name)}` });
  }
  problems.push(...checkPodSpec(spec.template.spec, 'spec.template.spec'));
  problems.push(...checkServiceAccount(w));
  problems.push(...checkIam(spec.iam ?? {}, cluster));
  return problems;
}

/** Every problem of a FargateCluster (all of them from its CRD's schema and CEL rules); [] when it is valid. */
export function validateCluster(cluster: FargateCluster): ValidationProblem[] {
  return checkAgainstSchema(cluster, installedCrdSchema('FargateCluster')).problems;
}

/** The problems as text, one line each: "<path>: <message>". */
export function formatProblems(problems: ValidationProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
