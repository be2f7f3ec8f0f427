/** The `status` trees as text (pure), drawn with box characters, optionally coloured. */
import type { PodNode, WorkloadTree } from './workload-tree.js';
import { toneOf, type Paint } from './text-style.js';

/** A line of the tree and the lines below it. */
interface TreeNode {
  label: string;
  children: TreeNode[];
}

const leaf = (label: string, children: TreeNode[] = []): TreeNode => ({ label, children });

function draw(node: TreeNode, prefix: string, last: boolean, root: boolean, lines: string[]): void {
  lines.push(root ? node.label : `${prefix}${last ? '└─ ' : '├─ '}${node.label}`);
  const childPrefix = root ? '' : `${prefix}${last ? '   ' : '│  '}`;
  node.children.forEach((child, index) => draw(child, childPrefix, index === node.children.length - 1, false, lines));
}

/** "$0.0972/h (2 pods × $0.0486)": what the workload's pods cost per hour now. */
export function formatHourlyCost(tree: WorkloadTree): string {
  const { cost } = tree;
  if (cost.perPodHourlyUSD === null) return 'cost unknown: the pod fits no Fargate size';
  const pods = `${cost.pods} ${cost.pods === 1 ? 'pod' : 'pods'}`;
  return `$${cost.hourlyUSD.toFixed(4)}/h (${pods} × $${cost.perPodHourlyUSD.toFixed(4)})`;
}

function podLabel(pod: PodNode, paint: Paint): string {
  const phase = pod.phase === 'Running' && !pod.ready ? 'Running, not ready' : pod.phase;
  const where = pod.node ? `on ${pod.node}` : paint('<no node>', 'faint');
  return `Pod ${pod.name}  ${paint(phase, pod.phase === 'Running' && !pod.ready ? 'warn' : toneOf(pod.phase))}  ${where}`;
}

function workloadNode(tree: WorkloadTree, paint: Paint): TreeNode {
  const missing = (text: string) => paint(text, 'faint');
  const { health, deployment } = tree;
  const reason = health.state === 'Ready' ? '' : ` (${health.reason})`;
  const terminating = tree.terminating ? `  ${paint('Terminating', 'warn')}` : '';
  const cluster = tree.cluster ? `  cluster ${tree.cluster}` : '';
  const head = `${paint('FargateWorkload', 'strong')} ${tree.namespace}/${tree.name}  ${paint(health.state, toneOf(health.state))}${reason}${terminating}  ${formatHourlyCost(tree)}${cluster}`;

  const underDeployment: TreeNode[] = tree.pods.map((pod) => leaf(podLabel(pod, paint)));
  if (deployment.exists && tree.pods.length === 0) underDeployment.push(leaf(missing('<no pods>')));
  if (tree.ingress) {
    const { name, exists, hostname } = tree.ingress;
    underDeployment.push(leaf(`Ingress ${name}  ${!exists ? missing('<not created>') : hostname ?? missing('<no hostname yet>')}`));
  }
  const deploymentLabel = deployment.exists
    ? `Deployment ${deployment.name}  ${paint(`${deployment.readyReplicas}/${deployment.desiredReplicas ?? 0} ready`, deployment.readyReplicas >= (deployment.desiredReplicas ?? 0) ? 'good' : 'warn')}`
    : `Deployment ${deployment.name}  ${missing('<not created>')}`;
  const serviceAccount = leaf(`ServiceAccount ${tree.serviceAccount.name}${tree.serviceAccount.exists ? '' : `  ${missing('<not created>')}`}`, [leaf(deploymentLabel, underDeployment)]);
  const role = leaf(`IAMRole ${tree.iamRole ? tree.iamRole.arn : missing('<none yet>')}`, [serviceAccount]);
  const profile = tree.fargateProfile
    ? `FargateProfile ${tree.fargateProfile.name}  ${paint(tree.fargateProfile.state, toneOf(tree.fargateProfile.state))}`
    : `FargateProfile ${missing('<none yet>')}`;
  return leaf(head, [leaf(profile, [role])]);
}

/** The trees, one after another with a blank line between. */
export function renderTrees(trees: readonly WorkloadTree[], paint: Paint): string {
  return trees
    .map((tree) => {
      const lines: string[] = [];
      draw(workloadNode(tree, paint), '', true, true, lines);
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}
