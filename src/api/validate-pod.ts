/**
 * The pod template checks only the operator can make (the CRD's CEL rules already refuse what
 * Fargate can never run: privileged containers, host namespaces, hostPort, extended resources,
 * other OS or architectures, awsElasticBlockStore volumes): EBS reached through the CSI driver or a
 * storage class, and the Fargate pod size, which needs arithmetic on the resource quantities.
 */
import { sizeFargatePod } from './sizing.js';
import type { PodSpec, Volume } from './types.js';
import type { ValidationProblem } from './validation-problem.js';

const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
// Storage class names are free-form; only whole words that name an EBS volume type count, so
// that e.g. "webserver-data" (which contains "ebs") is not flagged.
const EBS_CLASS_WORDS = new Set(['ebs', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1']);

function storageClassOf(v: Volume): unknown {
  const ephemeral = v.ephemeral as { volumeClaimTemplate?: { spec?: { storageClassName?: unknown } } } | undefined;
  return ephemeral?.volumeClaimTemplate?.spec?.storageClassName;
}

function checkVolume(v: Volume, path: string): ValidationProblem[] {
  const csi = v['csi'] as { driver?: unknown } | undefined;
  if (csi?.driver === EBS_CSI_DRIVER) {
    return [{ path: `${path}.csi.driver`, message: 'EBS volumes cannot be attached to Fargate pods; use an EFS volume (efs.csi.aws.com) instead' }];
  }
  const storageClass = storageClassOf(v);
  if (typeof storageClass === 'string' && storageClass.toLowerCase().split(/[^a-z0-9]+/).some((w) => EBS_CLASS_WORDS.has(w))) {
    return [
      {
        path: `${path}.ephemeral.volumeClaimTemplate.spec.storageClassName`,
        message: `storage class ${storageClass} looks like EBS, which Fargate pods cannot attach; use emptyDir or an EFS volume`,
      },
    ];
  }
  return [];
}

/** The operator's own reasons why the pod spec at `path` (e.g. "spec.template.spec") cannot run on Fargate. */
export function checkPodSpec(spec: PodSpec, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  (spec.volumes ?? []).forEach((v, i) => problems.push(...checkVolume(v, `${path}.volumes[${i}]`)));
  const size = sizeFargatePod({ ...spec, containers: Array.isArray(spec.containers) ? spec.containers : [] });
  if (!size.ok) {
    problems.push(...size.problems.map((p) => ({ path: `${path}.${p.path}`, message: p.message })));
  }
  return problems;
}
