import {
  normalizeBooleanFlags,
  parseDuration,
  resolveRunSettings,
  runFlagsHelp,
  RunSettingsError,
  RUN_FLAGS,
} from '../../src/operator/run-options.js';

const HOST = { hostname: 'op-host', pid: 42 };
const REGION = { AWS_REGION: 'us-east-1' };

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RunSettingsError);
    return (error as Error).message;
  }
  throw new Error('expected a RunSettingsError');
}

describe('parseDuration', () => {
  test.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '10', 'm', '10 m', '-1s', '10d', 's10'])('"%s" is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('resolveRunSettings', () => {
  test('defaults: leader election in the operator namespace, health on 8081, 4 workers, 10 min resync', () => {
    expect(resolveRunSettings({}, REGION, HOST)).toEqual({
      region: 'us-east-1',
      awsCallTimeoutMs: 20_000,
      concurrency: 4,
      resyncPeriodMs: 600_000,
      leaderElection: {
        namespace: 'eks-fargate-operator-system',
        name: 'eks-fargate-operator',
        identity: 'op-host_42',
        leaseDurationSeconds: 15,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2000,
      },
      healthPort: 8081,
      healthHost: '0.0.0.0',
      logLevel: 'info',
      shutdownTimeoutMs: 25_000,
      iamRoleReads: 'staggered',
    });
  });

  test('--iam-role-reads: staggered by default, per-role or account when asked (flag or EKSFO_IAM_ROLE_READS)', () => {
    expect(resolveRunSettings({}, REGION, HOST).iamRoleReads).toBe('staggered');
    expect(resolveRunSettings({ 'iam-role-reads': 'account' }, REGION, HOST).iamRoleReads).toBe('account');
    expect(resolveRunSettings({}, { ...REGION, EKSFO_IAM_ROLE_READS: 'account' }, HOST).iamRoleReads).toBe('account');
    expect(resolveRunSettings({ 'iam-role-reads': 'per-role' }, { ...REGION, EKSFO_IAM_ROLE_READS: 'account' }, HOST).iamRoleReads).toBe('per-role');
  });

  test('a flag wins over its environment variable, which wins over the default', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', KUBECONFIG: '/env/kubeconfig', EKSFO_CONCURRENCY: '8' };
    const settings = resolveRunSettings({ region: 'us-west-2', kubeconfig: '/flag/kubeconfig' }, env, HOST);
    expect(settings.region).toBe('us-west-2');
    expect(settings.kubeconfig).toBe('/flag/kubeconfig');
    expect(settings.awsEndpoint).toBe('http://127.0.0.1:5000');
    expect(settings.concurrency).toBe(8);
  });

  test('in a pod, POD_NAMESPACE and POD_NAME name the Lease namespace and the identity', () => {
    const settings = resolveRunSettings({}, { ...REGION, POD_NAMESPACE: 'ops', POD_NAME: 'op-7d9f-abcde' }, HOST);
    expect(settings.leaderElection).toMatchObject({ namespace: 'ops', identity: 'op-7d9f-abcde' });
  });

  test('AWS_DEFAULT_REGION stands in for AWS_REGION; no region at all is an error', () => {
    expect(resolveRunSettings({}, { AWS_DEFAULT_REGION: 'ap-south-1' }, HOST).region).toBe('ap-south-1');
    expect(errorOf(() => resolveRunSettings({}, {}, HOST))).toBe('no AWS region: pass --region or set AWS_REGION');
  });

  test('--leader-elect=false turns leader election off; other values are refused', () => {
    expect(resolveRunSettings({ 'leader-elect': 'false' }, REGION, HOST).leaderElection).toBe(false);
    expect(resolveRunSettings({}, { ...REGION, EKSFO_LEADER_ELECT: 'false' }, HOST).leaderElection).toBe(false);
    expect(errorOf(() => resolveRunSettings({}, { ...REGION, EKSFO_LEADER_ELECT: 'yes' }, HOST))).toBe('EKSFO_LEADER_ELECT must be true or false, not "yes"');
  });

  test('short lease timings for tests; whole seconds on the Lease', () => {
    const settings = resolveRunSettings({ 'lease-duration': '3s', 'renew-deadline': '2s', 'retry-period': '500ms' }, REGION, HOST);
    expect(settings.leaderElection).toMatchObject({ leaseDurationSeconds: 3, renewDeadlineMs: 2000, retryPeriodMs: 500 });
  });

  test('inconsistent lease timings are refused with the three values', () => {
    expect(errorOf(() => resolveRunSettings({ 'lease-duration': '3s', 'renew-deadline': '5s' }, REGION, HOST))).toBe(
      'leader election needs retry period (2000 ms) < renew deadline (5000 ms) < lease duration (3000 ms)',
    );
  });

  test('--metrics-port equal to the health port is the one server; another port is a second one', () => {
    expect(resolveRunSettings({ 'metrics-port': '8081' }, REGION, HOST).metricsPort).toBeUndefined();
    expect(resolveRunSettings({ 'metrics-port': '8080' }, REGION, HOST).metricsPort).toBe(8080);
  });

  test.each([
    [{ concurrency: '0' }, '--concurrency must be a whole number from 1 to 100, not "0"'],
    [{ concurrency: 'four' }, '--concurrency must be a whole number from 1 to 100, not "four"'],
    [{ resync: '10' }, '--resync must be a duration of at least 1000 ms like 30s, 10m or 1h, not "10"'],
    [{ 'health-port': '70000' }, '--health-port must be a whole number from 0 to 65535, not "70000"'],
    [{ 'log-level': 'verbose' }, '--log-level must be one of error, warn, info, debug, not "verbose"'],
    [{ 'aws-endpoint': 'localhost:5000' }, '--aws-endpoint must be an http:// or https:// URL, not "localhost:5000"'],
    [{ region: 'Virginia' }, '--region must be an AWS region like us-east-1, not "Virginia"'],
    [{ 'iam-role-reads': 'all' }, '--iam-role-reads must be one of staggered, per-role, account, not "all"'],
    [{ 'leader-election-namespace': 'Ops_NS' }, '--leader-election-namespace must be a namespace name (lowercase letters, digits, -), not "Ops_NS"'],
  ])('%j is refused with one line', (flags, message) => {
    const text = errorOf(() => resolveRunSettings(flags, REGION, HOST));
    expect(text).toBe(message);
    expect(text).not.toContain('\n');
  });

  test('a bad environment value names the variable', () => {
    expect(errorOf(() => resolveRunSettings({}, { ...REGION, EKSFO_RESYNC: 'often' }, HOST))).toBe(
      'EKSFO_RESYNC must be a duration of at least 1000 ms like 30s, 10m or 1h, not "often"',
    );
  });
});

describe('normalizeBooleanFlags', () => {
  test('--leader-elect=true|false become the boolean flags; other values are refused', () => {
    expect(normalizeBooleanFlags(['--leader-elect=false', '--region', 'us-east-1', '--leader-elect=true'])).toEqual([
      '--no-leader-elect',
      '--region',
      'us-east-1',
      '--leader-elect',
    ]);
    expect(errorOf(() => normalizeBooleanFlags(['--leader-elect=no']))).toBe('--leader-elect must be true or false, not "no"');
  });

  test('--leader-elect true|false take the next argument as their value, as the README spells them', () => {
    expect(normalizeBooleanFlags(['--leader-elect', 'false', '--region', 'us-east-1'])).toEqual(['--no-leader-elect', '--region', 'us-east-1']);
    expect(normalizeBooleanFlags(['--leader-elect', 'true'])).toEqual(['--leader-elect']);
    // Bare, followed by another flag or nothing: true, and the next argument stays what it was.
    expect(normalizeBooleanFlags(['--leader-elect', '--region', 'us-east-1'])).toEqual(['--leader-elect', '--region', 'us-east-1']);
    expect(normalizeBooleanFlags(['--region', 'us-east-1', '--leader-elect'])).toEqual(['--region', 'us-east-1', '--leader-elect']);
    // A flag whose name only starts the same is not touched.
    expect(normalizeBooleanFlags(['--leader-election-name', 'x'])).toEqual(['--leader-election-name', 'x']);
  });
});

test('the help names every flag and every environment variable', () => {
  const help = runFlagsHelp();
  for (const flag of RUN_FLAGS) {
    expect(help).toContain(`--${flag.flag} `);
    for (const env of flag.env) expect(help).toContain(env);
  }
});

describe('run --leader-elect given more than once', () => {
  test('the last spelling wins, as in kubectl fargate and kubectl (cli/boolean-flags.ts)', async () => {
    const { runSettingsFromArgs } = await import('../../src/cli/commands/run.js');
    const settings = (argv: string[]) => runSettingsFromArgs(['--region', 'us-east-1', ...argv], {});
    expect(settings(['--leader-elect=false', '--leader-elect'])).toMatchObject({ leaderElection: expect.objectContaining({ name: 'eks-fargate-operator' }) });
    expect(settings(['--leader-elect', '--leader-elect', 'false'])).toMatchObject({ leaderElection: false });
    expect(settings([])).toMatchObject({ leaderElection: expect.objectContaining({ namespace: 'eks-fargate-operator-system' }) });
  });
});
