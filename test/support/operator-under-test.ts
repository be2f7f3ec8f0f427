/**
 * The operator started in-process against the integration environment (kube-apiserver + moto
 * behind the EKS proxy), for integration tests: its AWS calls are counted in an AwsCallLog, its
 * health server listens on a free port, leader election is off unless asked for.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { AwsCallLog } from '../../src/aws/call-log.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator/operator.js';
import { readTestEnvironment, type TestEnvironment } from './test-env.js';

/** A running operator and what a test reads from it. */
export interface OperatorUnderTest {
  operator: RunningOperator;
  /** Every AWS call the operator made (after the SDK's retries). */
  awsCalls: AwsCallLog;
  environment: TestEnvironment;
  logger: Logger;
  /** Stops the operator (gracefully); safe to call twice. */
  stop(): Promise<void>;
}

/** Where the operator logs go: silent by default; set EKSFO_TEST_LOG=1 to write them to <tempDir>/operator-<pid>.log. */
function testLogger(environment: TestEnvironment): Logger {
  if (!process.env.EKSFO_TEST_LOG) return createLogger({ silent: true });
  const file = join(process.env.EKSFO_TEST_LOG_DIR ?? environment.tempDir, `operator-${process.pid}-${Date.now()}.log`);
  return createLogger({ level: 'debug', stream: createWriteStream(file, { flags: 'a' }) });
}

/**
 * Starts the operator in this process against the test environment. `overrides` change any
 * option (e.g. `reconcilers: { workload: createFargateWorkloadReconciler }`, `resyncPeriodMs`,
 * `leaderElection`).
 */
export async function startOperatorForTest(overrides: Partial<OperatorOptions> = {}): Promise<OperatorUnderTest> {
  const environment = readTestEnvironment();
  const awsCalls = new AwsCallLog();
  const logger = overrides.logger ?? testLogger(environment);
  const operator = await startOperator({
    kubeconfig: environment.kubeconfigPath,
    region: environment.region,
    awsEndpoint: environment.awsEndpoint,
    healthPort: 0,
    leaderElection: false,
    logger,
    metrics: createMetrics(),
    ...overrides,
    awsCallSinks: [awsCalls.sink, ...(overrides.awsCallSinks ?? [])],
  });
  return { operator, awsCalls, environment, logger, stop: () => operator.stop(10_000) };
}
