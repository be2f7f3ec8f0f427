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

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  targets?: { expr: string }[];
  /** A collapsed row holds its panels here instead of in the dashboard's list. */
  panels?: Panel[];
}
interface TemplateVariable {
  name: string;
  type: string;
  /** A query variable's query: a string, or `{query}` in newer Grafana. */
  query?: string | { query?: string };
}
interface Dashboard {
  panels: Panel[];
  templating?: { list?: TemplateVariable[] };
}
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')) as Dashboard;
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

/** PromQL words that are not metric names: binary operators, modifiers and number literals. */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression uses: every identifier left once strings, label matchers
 * (`{...}`), ranges (`[...]`), grouping label lists (`by (...)`, `on (...)`, ...), Grafana
 * variables and numbers are taken out, that is not a function or aggregation (followed by `(`)
 * or a keyword. So a bare name (`sum(up)`) counts as much as one with a selector.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$(?:\{[^}]*\}|\w+)/g, ' ')
    .replace(/\boffset\s+-?\w+/g, ' ')
    .replace(/(?<![\w:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/g, ' ');
  const names = [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter(([, , call]) => !call).map(([, name]) => name as string);
  return [...new Set(names.filter((name) => !PROMQL_KEYWORDS.has(name.toLowerCase())))];
}

/**
 * The metric names of a Grafana query variable's query: `label_values(METRIC_OR_SELECTOR, label)`
 * and `query_result(EXPR)` name metrics; `label_values(label)` and `metrics(regex)` do not.
 */
function variableMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/s.exec(query);
  if (labelValues) return metricNames(labelValues[1] as string);
  const queryResult = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  if (queryResult) return metricNames(queryResult[1] as string);
  return [];
}

/** Every panel, with those inside collapsed rows. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/** Where a dashboard and alerts name metrics: each panel's targets, each query variable, each alert. */
function namedMetrics(board: Dashboard, rules: readonly AlertRule[]): { where: string; names: string[] }[] {
  return [
    ...allPanels(board.panels).flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `dashboard panel "${panel.title}"`, names: metricNames(target.expr) }))),
    ...(board.templating?.list ?? [])
      .filter((variable) => variable.type === 'query')
      .map((variable) => {
        const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
        return { where: `dashboard variable "${variable.name}"`, names: variableMetricNames(query) };
      }),
    ...rules.map((alert) => ({ where: `alert ${alert.alert}`, names: metricNames(alert.expr) })),
  ];
}

/** The check itself: every metric named that the operator does not export, with where it is named. */
function unknownMetrics(board: Dashboard, rules: readonly AlertRule[], names: ReadonlyMap<string, unknown>): string[] {
  return namedMetrics(board, rules).flatMap(({ where, names: used }) => used.filter((name) => !names.has(name)).map((name) => `${where}: ${name}`));
}

/**
 * prom-client's default collector names these gauges with _total; they are left as every Node.js
 * dashboard knows them (the operator only adds its eksfo_ prefix).
 */
const PROM_CLIENT_GAUGES_NAMED_TOTAL = new Set(['eksfo_nodejs_active_resources_total', 'eksfo_nodejs_active_handles_total', 'eksfo_nodejs_active_requests_total']);

describe('deploy/monitoring', () => {
  it('names only metrics the operator exports: in panels, panels of collapsed rows, query variables and alerts', async () => {
    const names = await exported();
    // No exception, not even Prometheus's own `up`: the dashboard shows the operator's metrics only.
    expect(unknownMetrics(dashboard, alerts, names)).toEqual([]);
    // The check reads every place: the expressions do name metrics, the job variable among them.
    const named = namedMetrics(dashboard, alerts);
    expect(named.length).toBeGreaterThan(20);
    expect(named).toContainEqual({ where: 'dashboard variable "job"', names: ['eksfo_leader'] });
    expect(metricNames('sum(rate(eksfo_reconcile_totl[5m])) / up{job="x"}').filter((name) => !names.has(name))).toEqual(['eksfo_reconcile_totl', 'up']);
  });

  it('the check fails on a made-up metric in a query variable, in a panel of a collapsed row and bare in PromQL', async () => {
    const names = await exported();
    const doctored = structuredClone(dashboard);
    doctored.templating!.list!.push({ name: 'cluster', type: 'query', query: { query: 'label_values(eksfo_made_up_clusters{job=~"$job"}, cluster)' } });
    doctored.panels.push({
      id: 1000,
      type: 'row',
      title: 'Collapsed',
      panels: [{ id: 1001, type: 'timeseries', title: 'Inside the row', targets: [{ expr: 'sum by (kind) (rate(eksfo_made_up_total{job=~"$job"}[$__rate_interval]))' }] }],
    });
    doctored.panels.push({ id: 1002, type: 'stat', title: 'Bare', targets: [{ expr: 'sum(made_up_metric) / 2 and on (job) histogram_quantile(0.9, eksfo_reconcile_duration_seconds_bucket)' }] });
    expect(unknownMetrics(doctored, alerts, names)).toEqual([
      'dashboard panel "Inside the row": eksfo_made_up_total',
      'dashboard panel "Bare": made_up_metric',
      'dashboard variable "cluster": eksfo_made_up_clusters',
    ]);
    // The real dashboard is untouched.
    expect(unknownMetrics(dashboard, alerts, names)).toEqual([]);
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
    const ids = allPanels(dashboard.panels).map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const undescribed = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row' && !panel.description).map((panel) => panel.title);
    expect(undescribed).toEqual([]);
  });
});
