/** `run`: the operator itself, until SIGTERM or SIGINT. */
import { hostname } from 'node:os';
import { onTerminationSignal } from '../../controller/graceful-shutdown.js';
import { startHealthServer, type HealthServer } from '../../observability/health-server.js';
import { createLogger } from '../../observability/logger.js';
import { createMetrics } from '../../observability/metrics.js';
import { lastBooleanFlag } from '../boolean-flags.js';
import { normalizeBooleanFlags, resolveRunSettings, runFlagsHelp, RunSettingsError, RUN_FLAGS, type RunSettings } from '../../operator/run-options.js';
import { parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_OK } from '../cli-error.js';
import type { CliOutput } from '../output.js';
import { describeKubeError } from '../../kube/api-error.js';

/** Exit status when the operator stopped on its own (lost its lease, or could not start). */
export const EXIT_RUN_FAILED = 1;

export const RUN_HELP = `Usage: eks-fargate-operator run [options]

Runs the operator: watches FargateClusters and FargateWorkloads and converges what they need on AWS
and in Kubernetes, until SIGTERM or SIGINT. Logs are JSON lines on stdout.

Each flag may also be set with the environment variables named after it (the flag wins, then the
variables from left to right, then the default).

Options:
${runFlagsHelp()}
  -h, --help
      show this help

Endpoints (on --health-bind-address:--health-port): /healthz (liveness: informers watching),
/readyz (caches synced; a standby is ready too), /metrics (Prometheus: eksfo_reconcile_total,
eksfo_reconcile_duration_seconds, eksfo_queue_depth, eksfo_aws_calls_total, eksfo_leader, process
metrics). --metrics-port serves /metrics on a second port as well.

Leader election: with --leader-elect (the default) replicas compete for the Lease
--leader-election-namespace/--leader-election-name; only the holder reconciles, a standby takes
over once the Lease has not been renewed for --lease-duration. On SIGTERM the leader finishes or
abandons its running reconciles within --shutdown-timeout and releases the Lease at once.

Exit status: 0 after SIGTERM/SIGINT, 1 when the operator could not start or lost its Lease
(restart it: it comes back as a standby), 2 bad usage, a bad flag value, or a leader-election
namespace that does not exist.
`;

const STRING_FLAGS = Object.fromEntries(RUN_FLAGS.filter((flag) => flag.flag !== 'leader-elect').map((flag) => [flag.flag, { type: 'string' as const }]));

/** Parses flags and environment into settings; bad values are one-line input errors. */
export function runSettingsFromArgs(argv: string[], env: NodeJS.ProcessEnv): RunSettings | 'help' {
  try {
    const rewritten = normalizeBooleanFlags(argv);
    const flags = parseCommandArgs('run', rewritten, {
      ...STRING_FLAGS,
      'leader-elect': { type: 'boolean' },
      'no-leader-elect': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (flags.help) return 'help';
    const values: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(flags)) if (typeof value === 'string') values[name] = value;
    // The last spelling given wins, as in the plugin and kubectl (cli/boolean-flags.ts).
    const leaderElect = lastBooleanFlag(rewritten, 'leader-elect');
    if (leaderElect !== undefined) values['leader-elect'] = String(leaderElect);
    return resolveRunSettings(values, env, { hostname: hostname(), pid: process.pid });
  } catch (error) {
    if (error instanceof RunSettingsError) throw new CliInputError(`run: ${error.message} (see 'run --help')`);
    throw error;
  }
}

export async function runCommand(argv: string[], io: CliOutput): Promise<number> {
  const settings = runSettingsFromArgs(argv, process.env);
  if (settings === 'help') {
    io.out(RUN_HELP);
    return EXIT_OK;
  }
  // Loaded here, not at the top: the other commands and --help need neither Kubernetes nor AWS clients.
  const [{ startOperator }, { createFargateWorkloadReconciler }, { LeaseNamespaceMissingError }] = await Promise.all([
    import('../../operator/operator.js'),
    import('../../operator/reconcilers/fargate-workload.js'),
    import('../../controller/leader-election.js'),
  ]);
  const logger = createLogger({ level: settings.logLevel });
  const metrics = createMetrics({ defaultMetrics: true });
  // Until the caches have synced nothing is held (no Lease, no reconcile): a signal just ends the process.
  const startupSignal = (signal: NodeJS.Signals): void => {
    logger.info('signal before the operator started; exiting', { signal });
    void flush(logger).finally(() => process.exit(EXIT_OK));
  };
  process.once('SIGTERM', startupSignal).once('SIGINT', startupSignal);
  // The runtime's timers are unref'd (clock.ts): while the first list is being retried nothing
  // else holds the event loop, and the process would end with 0. It lives until it is stopped.
  const keepAlive = setInterval(() => undefined, 3_600_000);
  let operator;
  try {
    operator = await startOperator({
      ...(settings.kubeconfig === undefined ? {} : { kubeconfig: settings.kubeconfig }),
      region: settings.region,
      ...(settings.awsEndpoint === undefined ? {} : { awsEndpoint: settings.awsEndpoint }),
      awsCallTimeoutMs: settings.awsCallTimeoutMs,
      concurrency: settings.concurrency,
      resyncPeriodMs: settings.resyncPeriodMs,
      iamRoleReads: settings.iamRoleReads,
      leaderElection: settings.leaderElection,
      healthPort: settings.healthPort,
      healthHost: settings.healthHost,
      logger,
      metrics,
      reconcilers: { workload: createFargateWorkloadReconciler },
    });
  } catch (error) {
    if (error instanceof LeaseNamespaceMissingError) {
      // A setting to fix, not a fault to retry: one line, exit 2, like any bad flag.
      clearInterval(keepAlive);
      await flush(logger);
      // Nothing was started, but a library's socket must not hold the process.
      setTimeout(() => process.exit(2), 2000).unref();
      throw new CliInputError(
        `run: ${error.message}: create it, name another with --leader-election-namespace=NS, or run a single replica with --leader-elect=false`,
      );
    }
    return failedToStart(error);
  } finally {
    process.off('SIGTERM', startupSignal).off('SIGINT', startupSignal);
  }

  // From here a signal stops gracefully: finish or abandon reconciles, release the Lease.
  let signalled = false;
  const running = operator;
  const removeHandlers = onTerminationSignal(async () => {
    signalled = true;
    await running.stop(settings.shutdownTimeoutMs);
  }, logger);
  let metricsServer: HealthServer | undefined;
  if (settings.metricsPort !== undefined) {
    try {
      // Probes stay on the health port; this one only carries the same registry.
      metricsServer = await startHealthServer({ port: settings.metricsPort, host: settings.healthHost, registry: metrics.registry, liveness: [], readiness: [] });
      logger.info('metrics server listening', { metricsPort: metricsServer.port });
    } catch (error) {
      removeHandlers();
      await running.stop(settings.shutdownTimeoutMs);
      return failedToStart(error);
    }
  }

  async function failedToStart(error: unknown): Promise<number> {
    logger.error('operator could not start', { error: describeKubeError(error) });
    clearInterval(keepAlive);
    await flush(logger);
    // What startOperator had started before it failed (informer watches) must not hold the process.
    setTimeout(() => process.exit(EXIT_RUN_FAILED), 2000).unref();
    return EXIT_RUN_FAILED;
  }

  // Resolves after a signal-driven stop, and also when the operator stopped itself (lost lease).
  await running.stopped;
  removeHandlers();
  clearInterval(keepAlive);
  await closeQuietly(logger, metricsServer);
  logger.info('operator stopped', { reason: signalled ? 'signal' : 'stopped on its own' });
  await flush(logger);
  const code = signalled ? EXIT_OK : EXIT_RUN_FAILED;
  // A socket a library keeps open must not hold the process after a clean stop.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

async function closeQuietly(logger: ReturnType<typeof createLogger>, server: HealthServer | undefined): Promise<void> {
  try {
    await server?.close();
  } catch (error) {
    logger.warn('could not close the metrics server', { error: String(error) });
  }
}

/** Waits until winston has written every line, so that the last lines survive the exit. */
function flush(logger: ReturnType<typeof createLogger>): Promise<void> {
  return new Promise((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
  });
}
