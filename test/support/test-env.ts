import { readFileSync } from 'node:fs';
import type { EnvironmentInfo } from '../../scripts/dev-env/launcher.js';

/** Variable naming the JSON file in which the integration project's global setup describes the environment. */
export const TEST_ENV_VARIABLE = 'EKS_FARGATE_TEST_ENV';

/** What an integration test can reach: the shared environment started by the Jest global setup. */
export type TestEnvironment = EnvironmentInfo;

/** Reads the environment the integration project's global setup started. */
export function readTestEnvironment(): TestEnvironment {
  const file = process.env[TEST_ENV_VARIABLE];
  if (!file) {
    throw new Error(`${TEST_ENV_VARIABLE} is not set: run integration tests through the Jest "integration" project (npm run test:integration), whose global setup starts the environment`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TestEnvironment;
}
