/**
 * The settings of `eks-fargate-operator run`, from flags and environment variables. Pure: the
 * caller hands in the parsed flags, the environment and the host facts, so every rule is
 * unit-testable. A flag wins over its environment variable, which wins over the default.
 */
import { DEFAULT_IAM_ROLE_READS, IAM_ROLE_READS, type IamRoleReads } from '../api/constants.js';
import { rewriteBooleanFlags, type BooleanFlag } from '../cli/boolean-flags.js';

/** Leader election settings; `false` in {@link RunSettings.leaderElection} turns it off. */
export interface LeaderElectionSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** Log levels the operator's logger takes. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `run` needs to start the operator. */
export interface RunSettings {
  /** A kubeconfig file; undefined: in-cluster config when in a pod, else ~/.kube/config. */
  kubeconfig?: string;
  region: string;
  awsEndpoint?: string;
  /** Deadline of one attempt of an AWS call. */
  awsCallTimeoutMs: number;
  concurrency: number;
  resyncPeriodMs: number;
  leaderElection: false | LeaderElectionSettings;
  healthPort: number;
  healthHost: string;
  /** Port of a second server for /metrics; undefined when /metrics is only on the health port. */
  metricsPort?: number;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  iamRoleReads: IamRoleReads;
}

/** A flag or environment value that cannot be used; the message is one line naming both. */
export class RunSettingsError extends Error {
  override readonly name = 'RunSettingsError';
}

/** What `run` takes: a flag, the environment variables read when it is absent, and a default. */
export interface RunFlag {
  flag: string;
  env: string[];
  value: string;
  help: string;
  default?: string;
}

/** Every flag of `run`, in help order. Env variables are tried left to right. */
export const RUN_FLAGS: readonly RunFlag[] = [
  { flag: 'kubeconfig', env: ['KUBECONFIG'], value: 'FILE', help: 'kubeconfig file; without it: in-cluster config in a pod, else ~/.kube/config' },
  { flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], value: 'REGION', help: 'AWS region of the SDK clients (required)' },
  { flag: 'aws-endpoint', env: ['AWS_ENDPOINT_URL'], value: 'URL', help: 'send every AWS call to this endpoint (an emulator); default: the real AWS endpoints' },
  { flag: 'aws-call-timeout', env: ['EKSFO_AWS_CALL_TIMEOUT'], value: 'DURATION', help: 'an AWS call attempt that has no answer after this long fails and is retried (e.g. 20s)', default: '20s' },
  // 4 measured best on two cores at 1,000 workloads (README, "Scale: the benchmark"): 8 was slower and used more memory.
  { flag: 'concurrency', env: ['EKSFO_CONCURRENCY'], value: 'N', help: 'reconciles running at once, per kind (1-100)', default: '4' },
  { flag: 'resync', env: ['EKSFO_RESYNC'], value: 'DURATION', help: 'reconcile every object this often to correct drift (e.g. 30s, 10m, 1h)', default: '10m' },
  { flag: 'leader-elect', env: ['EKSFO_LEADER_ELECT'], value: 'true|false', help: 'only the holder of a Lease reconciles; bare --leader-elect means true', default: 'true' },
  {
    flag: 'leader-election-namespace',
    env: ['EKSFO_LEADER_ELECTION_NAMESPACE', 'POD_NAMESPACE'],
    value: 'NS',
    help: "namespace of the Lease (in a pod: the pod's namespace via POD_NAMESPACE)",
    default: 'eks-fargate-operator-system',
  },
  { flag: 'leader-election-name', env: ['EKSFO_LEADER_ELECTION_NAME'], value: 'NAME', help: 'name of the Lease', default: 'eks-fargate-operator' },
  {
    flag: 'leader-election-identity',
    env: ['EKSFO_LEADER_ELECTION_IDENTITY', 'POD_NAME'],
    value: 'ID',
    help: 'holder identity written to the Lease; unique per process',
    default: 'HOSTNAME_PID',
  },
  { flag: 'lease-duration', env: ['EKSFO_LEASE_DURATION'], value: 'DURATION', help: 'a Lease not renewed for this long may be taken over (whole seconds)', default: '15s' },
  { flag: 'renew-deadline', env: ['EKSFO_RENEW_DEADLINE'], value: 'DURATION', help: 'a leader that cannot renew for this long stops reconciling', default: '10s' },
  { flag: 'retry-period', env: ['EKSFO_RETRY_PERIOD'], value: 'DURATION', help: 'time between tries to acquire or renew the Lease', default: '2s' },
  { flag: 'health-port', env: ['EKSFO_HEALTH_PORT'], value: 'PORT', help: 'port of /healthz, /readyz and /metrics (0: any free port)', default: '8081' },
  { flag: 'health-bind-address', env: ['EKSFO_HEALTH_BIND_ADDRESS'], value: 'HOST', help: 'address the health server listens on', default: '0.0.0.0' },
  {
    flag: 'metrics-port',
    env: ['EKSFO_METRICS_PORT'],
    value: 'PORT',
    help: 'also serve /metrics on this port (it is always on the health port)',
    default: 'the health port',
  },
  { flag: 'log-level', env: ['EKSFO_LOG_LEVEL', 'LOG_LEVEL'], value: 'LEVEL', help: `JSON log lines at this level and above: ${LOG_LEVELS.join('|')}`, default: 'info' },
  { flag: 'shutdown-timeout', env: ['EKSFO_SHUTDOWN_TIMEOUT'], value: 'DURATION', help: 'on SIGTERM, wait this long for running reconciles', default: '25s' },
  {
    flag: 'iam-role-reads',
    env: ['EKSFO_IAM_ROLE_READS'],
    value: IAM_ROLE_READS.join('|'),
    help:
      'how a resync reads IRSA roles: staggered (trust policies from one ListRoles per pass, and one of each role\'s tags, attached and inline policies in turn: every part at least every third resync), per-role (all of each role every resync: GetRole and two policy lists each) or account (one GetAccountAuthorizationDetails per pass; needs iam:GetAccountAuthorizationDetails, which reads every IAM policy of the account)',
    default: DEFAULT_IAM_ROLE_READS,
  },
];

/** The flag values as parsed (a flag given on the command line, else undefined). */
export type RunFlagValues = Partial<Record<string, string>>;

/** Host facts that feed defaults. */
export interface HostFacts {
  hostname: string;
  pid: number;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** Parses a Go-style duration (`90s`, `10m`, `1h30m`, `500ms`) into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(match[1]) * (UNITS_MS[match[2]!] ?? 0);
  return Math.round(total);
}

/**
 * Turns flags and environment variables into run settings; throws {@link RunSettingsError} with
 * one line naming the flag or variable and the value when one cannot be used.
 */
export function resolveRunSettings(flags: RunFlagValues, env: Record<string, string | undefined>, host: HostFacts): RunSettings {
  const spec = (flag: string): RunFlag => {
    const found = RUN_FLAGS.find((candidate) => candidate.flag === flag);
    if (!found) throw new Error(`unknown run flag ${flag}`);
    return found;
  };
  // The value and where it came from, for messages.
  const lookup = (flag: string): { value: string; source: string } | undefined => {
    const given = flags[flag];
    if (given !== undefined) return { value: given, source: `--${flag}` };
    for (const name of spec(flag).env) {
      const value = env[name];
      if (value !== undefined && value !== '') return { value, source: name };
    }
    return undefined;
  };
  const fail = (source: string, value: string, expected: string): never => {
    throw new RunSettingsError(`${source} must be ${expected}, not "${value}"`);
  };
  const integer = (flag: string, fallback: number, min: number, max: number): number => {
    const found = lookup(flag);
    if (!found) return fallback;
    const value = /^\d+$/.test(found.value) ? Number(found.value) : NaN;
    return value >= min && value <= max ? value : fail(found.source, found.value, `a whole number from ${min} to ${max}`);
  };
  const duration = (flag: string, fallback: string, minMs: number): number => {
    const found = lookup(flag) ?? { value: fallback, source: `--${flag}` };
    const ms = parseDuration(found.value);
    return ms !== undefined && ms >= minMs ? ms : fail(found.source, found.value, `a duration of at least ${minMs} ms like 30s, 10m or 1h`);
  };
  const text = (flag: string, fallback: string): string => lookup(flag)?.value ?? fallback;

  const region = lookup('region');
  if (!region) throw new RunSettingsError('no AWS region: pass --region or set AWS_REGION');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region.value)) fail(region.source, region.value, 'an AWS region like us-east-1');

  const endpoint = lookup('aws-endpoint');
  if (endpoint && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint.value)) fail(endpoint.source, endpoint.value, 'an http:// or https:// URL');

  const leaderElect = lookup('leader-elect');
  const electing = leaderElect === undefined || leaderElect.value === 'true' ? true : leaderElect.value === 'false' ? false : fail(leaderElect.source, leaderElect.value, 'true or false');

  const logLevel = lookup('log-level') ?? { value: 'info', source: '--log-level' };
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.value)) fail(logLevel.source, logLevel.value, `one of ${LOG_LEVELS.join(', ')}`);

  const iamRoleReads = lookup('iam-role-reads') ?? { value: DEFAULT_IAM_ROLE_READS, source: '--iam-role-reads' };
  if (!(IAM_ROLE_READS as readonly string[]).includes(iamRoleReads.value)) fail(iamRoleReads.source, iamRoleReads.value, `one of ${IAM_ROLE_READS.join(', ')}`);

  const healthPort = integer('health-port', 8081, 0, 65535);
  const metricsPort = lookup('metrics-port') ? integer('metrics-port', healthPort, 0, 65535) : undefined;

  const leaseDurationMs = duration('lease-duration', '15s', 1000);
  const renewDeadlineMs = duration('renew-deadline', '10s', 100);
  const retryPeriodMs = duration('retry-period', '2s', 100);
  if (electing && !(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new RunSettingsError(
      `leader election needs retry period (${retryPeriodMs} ms) < renew deadline (${renewDeadlineMs} ms) < lease duration (${leaseDurationMs} ms)`,
    );
  }
  const name = text('leader-election-name', 'eks-fargate-operator');
  const namespace = text('leader-election-namespace', 'eks-fargate-operator-system');
  const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (electing && !DNS_LABEL.test(namespace)) fail(lookup('leader-election-namespace')?.source ?? '', namespace, 'a namespace name (lowercase letters, digits, -)');
  if (electing && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) fail(lookup('leader-election-name')?.source ?? '', name, 'a Lease name (lowercase letters, digits, - and .)');

  const kubeconfig = lookup('kubeconfig')?.value;
  return {
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    region: region.value,
    ...(endpoint === undefined ? {} : { awsEndpoint: endpoint.value }),
    awsCallTimeoutMs: duration('aws-call-timeout', '20s', 1000),
    concurrency: integer('concurrency', 4, 1, 100),
    resyncPeriodMs: duration('resync', '10m', 1000),
    leaderElection: electing
      ? {
          namespace,
          name,
          identity: text('leader-election-identity', `${host.hostname}_${host.pid}`),
          // The Lease holds whole seconds.
          leaseDurationSeconds: Math.max(1, Math.round(leaseDurationMs / 1000)),
          renewDeadlineMs,
          retryPeriodMs,
        }
      : false,
    healthPort,
    healthHost: text('health-bind-address', '0.0.0.0'),
    ...(metricsPort === undefined || metricsPort === healthPort ? {} : { metricsPort }),
    logLevel: logLevel.value as LogLevel,
    shutdownTimeoutMs: duration('shutdown-timeout', '25s', 0),
    iamRoleReads: iamRoleReads.value as IamRoleReads,
  };
}

/** The run flags that are booleans: each is spelt `--flag`, `--flag=true|false` or `--flag true|false`. */
const BOOLEAN_RUN_FLAGS: readonly BooleanFlag[] = [{ name: 'leader-elect' }];

/**
 * `run`'s boolean flags in the two spellings node:util parseArgs understands (`--leader-elect` /
 * `--no-leader-elect`), as cli/boolean-flags.ts rewrites them for both command lines; a value
 * other than true or false is a RunSettingsError.
 */
export function normalizeBooleanFlags(argv: string[]): string[] {
  return rewriteBooleanFlags(argv, BOOLEAN_RUN_FLAGS, (message) => new RunSettingsError(message));
}

/** The `Options:` part of `run --help`, generated from {@link RUN_FLAGS} so that it never drifts. */
export function runFlagsHelp(): string {
  return RUN_FLAGS.map((flag) => {
    const head = `  --${flag.flag} ${flag.value}`;
    const env = flag.env.length ? `  [env ${flag.env.join(', ')}]` : '';
    const fallback = flag.default ? ` (default ${flag.default})` : '';
    return `${head}\n      ${flag.help}${fallback}${env}`;
  }).join('\n');
}
