// Hosts the development environment in the background for `npm run env:up`: starts it, writes
// .dev-env/env.sh and state.json, then keeps running (the in-process EKS proxy lives here) until
// `npm run env:down` sends SIGTERM, on which the launcher stops every process and removes the temp
// folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNamespaces, kubectl, manifestFiles } from './dev-env/kubectl.js';
import { environmentInfo, startEnvironment } from './dev-env/launcher.js';
import { repoRoot } from './dev-env/repo-root.js';
import { devEnvFiles, envScript, type DevEnvState } from './dev-env-files.js';

const files = devEnvFiles();
const environment = await startEnvironment();
if (process.argv.includes('--with-examples')) {
  // startEnvironment has installed the CRDs already, so the examples' kinds exist.
  const examples = manifestFiles(join(repoRoot(), 'examples'));
  await ensureNamespaces(environment, examples);
  const { stdout } = await kubectl(environment, ['apply', '--server-side', ...examples.flatMap((file) => ['-f', file])]);
  console.log(stdout.trim());
}
writeFileSync(files.envScript, envScript(environmentInfo(environment)));
const state: DevEnvState = { daemonPid: process.pid, environment: environmentInfo(environment) };
writeFileSync(files.state, `${JSON.stringify(state, null, 2)}\n`);
console.log(`[env] ready: ${environment.apiServerUrl} (kube-apiserver), ${environment.awsEndpoint} (AWS through the EKS proxy)`);
