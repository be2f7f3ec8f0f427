// Jest global setup of the integration project. Plain JavaScript on purpose: Jest loads global
// setup outside its module system, where the TypeScript sources' `./x.js` imports do not resolve.
// So it compiles the support code with tsc (incremental, into the git-ignored .dev-env/build, the
// same build `npm run env:up` uses) and imports the launcher from there.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where global setup leaves the environment for global teardown (the only code sharing its globals). */
export const ENVIRONMENT_GLOBAL = '__EKS_FARGATE_ENVIRONMENT__';

/**
 * Builds what is missing (binaries, moto virtualenv), starts one environment for the whole run and
 * describes it in a JSON file whose path tests read through test/support/test-env.ts.
 * @param {unknown} _globalConfig
 * @param {{ rootDir: string }} projectConfig
 */
export default async function globalSetup(_globalConfig, projectConfig) {
  const root = projectConfig.rootDir;
  // Jest prints setup output right after its "Determining test suites" line; start on a fresh one.
  console.log('');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.support.json')], { stdio: 'inherit' });
  const compiled = (path) => import(pathToFileURL(join(root, '.dev-env/build', path)).href);
  const { startEnvironment, environmentInfo } = await compiled('scripts/dev-env/launcher.js');
  const { TEST_ENV_VARIABLE } = await compiled('test/support/test-env.js');

  // Its logs outlive it in .dev-env/last-test-environment (git-ignored): what to read after a failed run.
  const environment = await startEnvironment({ keepLogsIn: join(root, '.dev-env', 'last-test-environment') });
  globalThis[ENVIRONMENT_GLOBAL] = environment;
  const file = join(environment.tempDir, 'test-env.json');
  writeFileSync(file, JSON.stringify(environmentInfo(environment), null, 2));
  // Test workers inherit these: AWS SDK clients and kubectl made without explicit settings still
  // reach the local environment, never a real account.
  Object.assign(process.env, environment.env, { [TEST_ENV_VARIABLE]: file });
}
