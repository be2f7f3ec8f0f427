/**
 * deploy/monitoring against the operator's own metrics: every metric the dashboard and the alerts
 * name is one the operator exports (a renamed metric fails here, not on a blank panel), every
 * exported metric follows Prometheus's naming conventions, and every alert has a runbook section
 * in the README. promtool's own checks (rule syntax, rule unit tests, metrics lint) are in
 * test/integration/monitoring.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createMetrics, registerStateGauges } from '../../src/observability/metrics.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

const root = repoRoot();
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')) as {
  panels: { id: number; type: string; title: string; description?: string; targets?: { expr: string }[] }[];
};
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rule = parse(readFileSync(join(root, 'deploy/monitoring/prometheus-rule.yaml'), 'utf8')) as { spec: { groups: { rules: AlertRule[] }[] } };
const alerts = rule.spec.groups.flatMap((group) => group.rules);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Every series name the operator exports, histograms with their _bucket, _sum and _count. */
async function exported(): Promise<Map<string, { type: string; help: string }>> {
  const metrics = createMetrics({ defaultMetrics: true });
  registerStateGauges(metrics, { objects: () => [], lanes: () => [], now: () => 0 });
  const names = new Map<string, { type: string; help: string }>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const info = { type: String(metric.type), help: metric.help };
    names.set(metric.name, info);
    if (info.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.set(`${metric.name}${suffix}`, info);
  }
  return names;
}

/** The metric names an expression uses: identifiers followed by a selector or a range, and every eksfo_ name. */
function metricNames(expr: string): string[] {
  const selectors = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((match) => match[1] as string);
  const prefixed = [...expr.matchAll(/\beksfo_[a-z0-9_]+/g)].map((match) => match[0]);
  // Aggregations and functions take parentheses, not braces; `by`/`without` lists are not selectors.
  return [...new Set([...selectors, ...prefixed])];
}

/**
 * prom-client's default collector names these gauges with _total; they are left as every Node.js
 * dashboard knows them (the operator only adds its eksfo_ prefix).
 */
const PROM_CLIENT_GAUGES_NAMED_TOTAL = new Set(['eksfo_nodejs_active_resources_total', 'eksfo_nodejs_active_handles_total', 'eksfo_nodejs_active_requests_total']);

const expressions = [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `dashboard panel "${panel.title}"`, expr: target.expr }))),
  ...alerts.map((alert) => ({ where: `alert ${alert.alert}`, expr: alert.expr })),
];

describe('deploy/monitoring', () => {
  it('names only metrics the operator exports', async () => {
    const names = await exported();
    const unknown = expressions.flatMap(({ where, expr }) => metricNames(expr).filter((name) => !names.has(name)).map((name) => `${where}: ${name}`));
    expect(unknown).toEqual([]);
    // The check can fail: the expressions do name metrics, and a misspelt one is caught.
    expect(expressions.length).toBeGreaterThan(20);
    expect(metricNames('sum(rate(eksfo_reconcile_totl[5m])) / up{job="x"}').filter((name) => !names.has(name))).toEqual(['eksfo_reconcile_totl', 'up']);
  });

  it('exports metrics named by the Prometheus conventions: eksfo_ prefix, snake case, base units, _total on counters only, help text', async () => {
    const problems: string[] = [];
    for (const [name, { type, help }] of await exported()) {
      if (!/^eksfo_[a-z][a-z0-9_]*$/.test(name)) problems.push(`${name}: not eksfo_ and snake case`);
      if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: a counter without _total`);
      if (type !== 'counter' && name.endsWith('_total') && !PROM_CLIENT_GAUGES_NAMED_TOTAL.has(name)) problems.push(`${name}: _total on a ${type}`);
      if (/_(ms|milliseconds|millis|minutes|hours|kb|mb|mib|percent)(_|$)/.test(name)) problems.push(`${name}: not in base units (seconds, bytes, ratios)`);
      if (!help.trim()) problems.push(`${name}: no help text`);
    }
    expect(problems).toEqual([]);
  });

  it('gives every alert a severity, a summary, a description and a runbook section in the README', () => {
    expect(alerts.map((alert) => alert.alert).sort()).toEqual(['EksfoAwsThrottlingSustained', 'EksfoFargateProfileStuck', 'EksfoLeaderMissing', 'EksfoMultipleLeaders', 'EksfoReconcileErrorsRising', 'EksfoWorkloadsStalled']);
    for (const alert of alerts) {
      expect({ alert: alert.alert, severity: alert.labels?.severity, summary: Boolean(alert.annotations?.summary), description: Boolean(alert.annotations?.description) }).toEqual({
        alert: alert.alert,
        severity: expect.stringMatching(/^(warning|critical)$/),
        summary: true,
        description: true,
      });
      const anchor = alert.alert.toLowerCase();
      expect(alert.annotations?.runbook_url).toBe(`https://github.com/eksops/eks-fargate-operator/blob/main/README.md#${anchor}`);
      // GitHub's anchor of a "#### EksfoWorkloadsStalled" heading is its lower-cased text.
      expect(readme).toMatch(new RegExp(`^#### ${alert.alert}$`, 'm'));
    }
  });

  it('describes every dashboard panel, with unique ids', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const undescribed = dashboard.panels.filter((panel) => panel.type !== 'row' && !panel.description).map((panel) => panel.title);
    expect(undescribed).toEqual([]);
  });
});
