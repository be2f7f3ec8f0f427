/**
 * deploy/monitoring checked by promtool (built from its Go module, scripts/dev-env/promtool): the
 * PrometheusRule's rules parse (`check rules`), each alert fires when it should and not before
 * (`test rules` with deploy/monitoring/rules.test.yaml; a wrong expectation makes it fail), and
 * the metrics the operator exports pass `check metrics`, Prometheus's own naming lint. Which
 * metrics the dashboard and rules may name is test/unit/monitoring.test.ts.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { createMetrics, registerStateGauges } from '../../src/observability/metrics.js';
import { ensurePromtool } from '../../scripts/dev-env/binaries.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'monitoring-'));
let promtool: string;

/** Runs promtool; resolves its exit code and output, whatever the code. */
async function run(args: string[], input?: string): Promise<{ code: number; output: string }> {
  const child = promisify(execFile)(promtool, args, { cwd: dir, timeout: 60_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child.then(
    ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
}

beforeAll(async () => {
  // Minutes on a cold Go cache, once per machine (cached like the other binaries).
  promtool = await ensurePromtool();
  const rule = parse(readFileSync(join(root, 'deploy/monitoring/prometheus-rule.yaml'), 'utf8')) as { spec: { groups: unknown[] } };
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
  copyFileSync(join(root, 'deploy/monitoring/rules.test.yaml'), join(dir, 'rules.test.yaml'));
}, 30 * 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('promtool accepts the PrometheusRule\'s rules', async () => {
  const result = await run(['check', 'rules', 'rules.yaml']);
  expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS: 6 rules found') });
});

test('each alert fires when it should and not before (promtool test rules), and a wrong expectation fails', async () => {
  const passing = await run(['test', 'rules', 'rules.test.yaml']);
  expect(passing).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  // The same tests expecting EksfoWorkloadsStalled before its 10 minutes have passed: refused.
  const tests = parse(readFileSync(join(dir, 'rules.test.yaml'), 'utf8')) as { tests: { alert_rule_test: { eval_time: string; exp_alerts: unknown[] }[] }[] };
  const stalled = tests.tests[0]!.alert_rule_test;
  stalled[0]!.exp_alerts = stalled[1]!.exp_alerts;
  writeFileSync(join(dir, 'wrong.test.yaml'), stringify(tests));
  const failing = await run(['test', 'rules', 'wrong.test.yaml']);
  expect(failing.code).not.toBe(0);
  expect(failing.output).toContain('EksfoWorkloadsStalled');
});

test('the operator\'s metrics pass promtool check metrics', async () => {
  const metrics = createMetrics({ defaultMetrics: true });
  registerStateGauges(metrics, {
    objects: () => [{ kind: 'FargateWorkload', namespace: 'a', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }], hourlyCostUSD: 0.1 }],
    lanes: () => [{ cluster: 'c', inFlight: { status: 'CREATING', sinceMs: 0 }, waiting: 1, oldestWaitSinceMs: 0 }],
    now: () => 1000,
  });
  // One sample of every labelled series, so that each metric is printed with its samples.
  metrics.reconcileTotal.inc({ kind: 'FargateWorkload', result: 'success' });
  metrics.reconcileErrorsTotal.inc({ kind: 'FargateWorkload', reason: 'Throttling' });
  metrics.reconcileDuration.observe({ kind: 'FargateWorkload' }, 0.2);
  metrics.resyncsTotal.inc({ kind: 'FargateWorkload' });
  metrics.queueDepth.set({ kind: 'FargateWorkload' }, 0);
  metrics.awsCallsTotal.inc({ service: 'iam', operation: 'GetRole', outcome: 'success' });
  metrics.awsRetriesTotal.inc({ service: 'iam', operation: 'GetRole' });
  metrics.awsThrottlesTotal.inc({ service: 'iam', operation: 'GetRole' });
  metrics.kubeRequestsTotal.inc({ verb: 'patch', resource: 'fargateworkloads/status' });
  metrics.orphansDeletedTotal.inc({ kind: 'IAMRole' });
  metrics.informerRelistsTotal.inc({ resource: 'fargateworkloads', reason: 'expired' });
  metrics.leader.set(1);
  const text = await metrics.registry.metrics();
  const result = await run(['check', 'metrics'], text);
  // prom-client's default collector names three gauges *_total (see test/unit/monitoring.test.ts);
  // promtool reports nothing else.
  const problems = result.output.split('\n').filter((line) => line.trim() && !/^eksfo_nodejs_active_(resources|handles|requests)_total /.test(line));
  expect(problems).toEqual([]);
  expect(text).toContain('eksfo_profile_transition_seconds{cluster="c",status="CREATING"} 1');
});
