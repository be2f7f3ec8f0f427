/**
 * Checks of a pod template's spec against what Fargate can run (DESIGN.md section 5): the
 * CRD's CEL rules, repeated for objects that never reach an API server, plus the pod size.
 */
import { sizeFargatePod } from './sizing.js';
import type { Container, PodSpec, Volume } from './types.js';
import { keyPath, type ValidationProblem } from './validation-problem.js';

/** The only resources a Fargate pod can request. */
export const FARGATE_RESOURCE_NAMES: readonly string[] = ['cpu', 'memory', 'ephemeral-storage'];

const OS_LABELS = ['kubernetes.io/os', 'beta.kubernetes.io/os'];
const ARCH_LABELS = ['kubernetes.io/arch', 'beta.kubernetes.io/arch'];
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
// Storage class names are free-form; only whole words that name an EBS volume type count, so
// that e.g. "webserver-data" (which contains "ebs") is not flagged.
const EBS_CLASS_WORDS = new Set(['ebs', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1']);

function checkContainer(c: Container, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (c.securityContext?.privileged === true) {
    problems.push({
      path: `${path}.securityContext.privileged`,
      message: 'privileged containers are not supported on Fargate; remove privileged: true (add only the capabilities you need)',
    });
  }
  (c.ports ?? []).forEach((p, j) => {
    if (p.hostPort !== undefined && p.hostPort !== 0) {
      problems.push({
        path: `${path}.ports[${j}].hostPort`,
        message: 'hostPort is not supported on Fargate (each pod has its own node); remove it and reach the pod through a Service',
      });
    }
  });
  for (const kind of ['requests', 'limits'] as const) {
    for (const name of Object.keys(c.resources?.[kind] ?? {})) {
      if (FARGATE_RESOURCE_NAMES.includes(name)) continue;
      problems.push({
        path: keyPath(`${path}.resources.${kind}`, name),
        message: name.includes('/')
          ? `extended resources such as GPUs are not available on Fargate; remove ${name} (Fargate offers ${FARGATE_RESOURCE_NAMES.join(', ')})`
          : `${name} cannot be requested on Fargate; only ${FARGATE_RESOURCE_NAMES.join(', ')} can`,
      });
    }
  }
  return problems;
}

function storageClassOf(v: Volume): unknown {
  const ephemeral = v.ephemeral as { volumeClaimTemplate?: { spec?: { storageClassName?: unknown } } } | undefined;
  return ephemeral?.volumeClaimTemplate?.spec?.storageClassName;
}

function checkVolume(v: Volume, path: string): ValidationProblem[] {
  if (v.awsElasticBlockStore !== undefined) {
    return [{ path: `${path}.awsElasticBlockStore`, message: 'EBS volumes cannot be attached to Fargate pods; use an EFS volume (efs.csi.aws.com) instead' }];
  }
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

function checkNodeSelector(selector: Record<string, string>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const label of OS_LABELS) {
    const os = selector[label];
    if (os !== undefined && os !== 'linux') {
      problems.push({ path: keyPath(path, label), message: `EKS Fargate runs Linux pods only, not ${os}; remove this selector or set it to linux` });
    }
  }
  for (const label of ARCH_LABELS) {
    const arch = selector[label];
    if (arch !== undefined && arch !== 'amd64') {
      problems.push({ path: keyPath(path, label), message: `EKS Fargate runs amd64 (x86) pods only, not ${arch}; remove this selector or set it to amd64` });
    }
  }
  return problems;
}

/** Every reason the pod spec at `path` (e.g. "spec.template.spec") cannot run on Fargate. */
export function checkPodSpec(spec: PodSpec, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    problems.push({ path: `${path}.containers`, message: 'the pod needs at least one container' });
  }
  for (const field of HOST_NAMESPACES) {
    if (spec[field] === true) {
      problems.push({ path: `${path}.${field}`, message: `${field} is not supported on Fargate (each pod runs in its own micro-VM); remove it` });
    }
  }
  problems.push(...checkNodeSelector(spec.nodeSelector ?? {}, `${path}.nodeSelector`));
  (spec.initContainers ?? []).forEach((c, i) => problems.push(...checkContainer(c, `${path}.initContainers[${i}]`)));
  (Array.isArray(spec.containers) ? spec.containers : []).forEach((c, i) =>
    problems.push(...checkContainer(c, `${path}.containers[${i}]`)),
  );
  (spec.volumes ?? []).forEach((v, i) => problems.push(...checkVolume(v, `${path}.volumes[${i}]`)));
  const size = sizeFargatePod({ ...spec, containers: Array.isArray(spec.containers) ? spec.containers : [] });
  if (!size.ok) {
    problems.push(...size.problems.map((p) => ({ path: `${path}.${p.path}`, message: p.message })));
  }
  return problems;
}
