// The demo's live view: one compact row per FargateCluster and FargateWorkload, read from what the
// API server returns. Pure, so the rendering and the "all Ready" rule are plain functions.

/** The parts of a FargateCluster or FargateWorkload the view shows. */
export interface OperatorObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    fargateProfile?: { name?: string; status?: string };
    iamRoleArn?: string;
    podExecutionRoleArn?: string;
  };
}

/** One row of the view. */
export interface StatusRow {
  object: string;
  ready: string;
  reason: string;
  profile: string;
  role: string;
  /** Why it is not Ready yet (the first condition that is not True), empty when Ready. */
  waitingOn: string;
}

const SHORT_KIND: Record<string, string> = { FargateCluster: 'fc', FargateWorkload: 'fw' };

/** True when the object's Ready condition is True for its current generation. */
export function isReady(object: OperatorObject): boolean {
  const ready = object.status?.conditions?.find((condition) => condition.type === 'Ready');
  const current = (object.status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 0);
  return ready?.status === 'True' && current;
}

/** The row of one object; roles are shown by name (the ARN's last path part). */
export function statusRow(object: OperatorObject): StatusRow {
  const kind = SHORT_KIND[object.kind ?? ''] ?? object.kind ?? '?';
  const name = [object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/');
  const conditions = object.status?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const blocking = conditions.find((condition) => condition.type !== 'Ready' && condition.type !== 'Reconciling' && condition.status !== 'True' && condition.type !== 'Stalled');
  const stalled = conditions.find((condition) => condition.type === 'Stalled' && condition.status === 'True');
  const roleArn = object.status?.iamRoleArn ?? object.status?.podExecutionRoleArn ?? '';
  const profile = object.status?.fargateProfile;
  const waiting = stalled ?? blocking;
  return {
    object: `${kind}/${name}`,
    ready: isReady(object) ? 'True' : (ready?.status ?? '-'),
    reason: ready?.reason ?? '-',
    profile: profile?.name ? `${profile.name} (${profile.status ?? '?'})` : '-',
    role: roleArn ? (roleArn.split('/').pop() ?? roleArn) : '-',
    waitingOn: isReady(object) || !waiting ? '' : `${waiting.type}: ${waiting.reason ?? ''} ${waiting.message ?? ''}`.trim(),
  };
}

const COLUMNS: [keyof StatusRow, string][] = [
  ['object', 'KIND/NAME'],
  ['ready', 'READY'],
  ['reason', 'REASON'],
  ['profile', 'PROFILE'],
  ['role', 'ROLE'],
  ['waitingOn', 'WAITING ON'],
];

/** The rows as an aligned text table; the last column is cut at `width` characters. */
export function renderTable(rows: StatusRow[], width = 160): string {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .slice(0, width)
      .trimEnd();
  return [line(COLUMNS.map(([, title]) => title)), ...rows.map((row) => line(COLUMNS.map(([key]) => row[key])))].join('\n');
}

/** The parts of a workload's pod the placement check reads. */
export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** A FargateWorkload with the capacity its status reports. */
export type WorkloadWithCapacity = OperatorObject & { status?: OperatorObject['status'] & { capacity?: { vcpu?: string; memoryGB?: string } } };

/**
 * Checks where each workload's pods run, as EKS would show it: Running, on a Fargate node
 * (`fargate-ip-...`), and provisioned (the `CapacityProvisioned` annotation EKS writes) at the size
 * the workload's status reports. Returns one line per pod and the problems found (none when all hold).
 */
export function podPlacementReport(workloads: WorkloadWithCapacity[], pods: PodLike[], workloadLabel: string): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  for (const workload of workloads) {
    const namespace = workload.metadata?.namespace ?? '';
    const name = workload.metadata?.name ?? '';
    const capacity = workload.status?.capacity;
    const expected = capacity?.vcpu && capacity.memoryGB ? `${capacity.vcpu}vCPU ${capacity.memoryGB}GB` : undefined;
    const own = pods.filter((pod) => pod.metadata?.namespace === namespace && pod.metadata.labels?.[workloadLabel] === name);
    if (own.length === 0) problems.push(`${namespace}/${name}: no pods`);
    for (const pod of own) {
      const provisioned = pod.metadata?.annotations?.CapacityProvisioned;
      const node = pod.spec?.nodeName ?? '';
      lines.push(`${namespace}/${pod.metadata?.name ?? ''}  ${pod.status?.phase ?? '?'}  ${node || '(no node)'}  CapacityProvisioned=${provisioned ?? '(none)'}  status.capacity=${expected ?? '(none)'}`);
      if (pod.status?.phase !== 'Running') problems.push(`${namespace}/${pod.metadata?.name ?? ''} is ${pod.status?.phase ?? 'in no phase'}`);
      if (!node.startsWith('fargate-ip-')) problems.push(`${namespace}/${pod.metadata?.name ?? ''} is not on a Fargate node (${node || 'none'})`);
      if (provisioned !== expected) problems.push(`${namespace}/${pod.metadata?.name ?? ''}: CapacityProvisioned ${provisioned ?? '(none)'} differs from the workload's status.capacity ${expected ?? '(none)'}`);
    }
  }
  return { lines, problems };
}
