/** The `why` report as text (pure): the verdict, then one block per part, then the next step. */
import { toneOf, type Paint } from './text-style.js';
import type { PartName, PartState, WhyReport } from './why-explainer.js';

const PART_LABELS: Record<PartName, string> = {
  cluster: 'cluster',
  spec: 'spec',
  network: 'network',
  fargateProfile: 'profile',
  iamRole: 'IAM role',
  deployment: 'deployment',
  pods: 'pods',
  ingress: 'ingress',
};

const STATE_WORDS: Record<PartState, string> = { Ready: 'Ready', Waiting: 'Waiting', Stalled: 'Stalled', Unknown: 'Unknown', NotRequested: 'n/a' };

const LABEL_WIDTH = Math.max(...Object.values(PART_LABELS).map((label) => label.length)) + 2;
const STATE_WIDTH = Math.max(...Object.values(STATE_WORDS).map((word) => word.length)) + 2;

export function renderWhy(report: WhyReport, paint: Paint): string {
  const { health } = report;
  const verdict = report.ready
    ? `FargateWorkload ${report.namespace}/${report.name} is ${paint('Ready', 'good')}`
    : `FargateWorkload ${report.namespace}/${report.name} is not Ready: ${paint(health.state, toneOf(health.state))} (${health.reason})`;
  const lines = [paint(verdict, 'strong')];
  if (!report.ready && health.message) lines.push(`  ${health.message}`);
  lines.push('');
  const indent = ' '.repeat(2 + LABEL_WIDTH + STATE_WIDTH);
  for (const part of report.parts) {
    const state = STATE_WORDS[part.state];
    const tone = part.state === 'NotRequested' || part.state === 'Unknown' ? 'faint' : toneOf(part.state);
    lines.push(`  ${PART_LABELS[part.part].padEnd(LABEL_WIDTH)}${paint(state, tone)}${' '.repeat(STATE_WIDTH - state.length)}${part.subject}`);
    const detail = [part.reason, part.message].filter(Boolean).join(': ');
    if (part.state !== 'Ready' && part.state !== 'NotRequested' && detail) lines.push(`${indent}${detail}`);
    if (part.nextStep && part.state !== 'Ready') lines.push(`${indent}${paint('next:', 'strong')} ${part.nextStep}`);
  }
  if (!report.ready && report.nextStep) {
    lines.push('', `${paint('Next step', 'strong')} (${report.cause ? PART_LABELS[report.cause] : 'workload'}): ${report.nextStep}`);
  }
  return `${lines.join('\n')}\n`;
}
