// `npm run env:up [-- --with-examples]`: builds what is missing, then starts etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, KWOK, moto, the EKS proxy and the Fargate scheduler
// stand-in in a background process that outlives npm, seeds the AWS account,
// installs the CRDs (and applies examples/ with --with-examples) and writes .dev-env/env.sh.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBinaries } from './dev-env/binaries.js';
import { ensureMotoInstalled } from './dev-env/moto.js';
import { logTail, signalGroup } from './dev-env/processes.js';
import { devEnvFiles, processAlive, type DevEnvState } from './dev-env-files.js';

const READY_TIMEOUT_MS = 180_000;
const files = devEnvFiles();

function readState(): DevEnvState | undefined {
  return existsSync(files.state) ? (JSON.parse(readFileSync(files.state, 'utf8')) as DevEnvState) : undefined;
}

const previous = readState();
if (previous && processAlive(previous.daemonPid)) {
  console.log(`[env] already running (pid ${previous.daemonPid}, ${previous.environment.apiServerUrl}); load it with: . .dev-env/env.sh`);
  process.exit(0);
}

// Build in the foreground so that the build output and its timing show here.
await ensureBinaries();
await ensureMotoInstalled();

mkdirSync(files.dir, { recursive: true });
rmSync(files.state, { force: true });
rmSync(files.envScript, { force: true });
const log = openSync(files.daemonLog, 'w');
const daemonScript = fileURLToPath(new URL('./dev-env-daemon.js', import.meta.url));
const daemon = spawn(process.execPath, [daemonScript, ...process.argv.slice(2)], { detached: true, stdio: ['ignore', log, log] });
daemon.unref();
const daemonPid = daemon.pid;
if (daemonPid === undefined) throw new Error(`could not start ${daemonScript}`);
console.log(`[env] starting the environment in the background (pid ${daemonPid}, log ${files.daemonLog})`);

const deadline = Date.now() + READY_TIMEOUT_MS;
while (readState()?.daemonPid !== daemonPid) {
  const failed = !processAlive(daemonPid) ? 'the background process exited' : Date.now() > deadline ? `not ready after ${READY_TIMEOUT_MS / 1000} s` : undefined;
  if (failed) {
    signalGroup(daemonPid, 'SIGTERM');
    console.error(`[env] ${failed}; last lines of ${files.daemonLog}:\n${logTail(files.daemonLog)}`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
// The host's own progress lines (library warnings stay in the log).
console.log(logTail(files.daemonLog, 200).split('\n').filter((line) => line.startsWith('[')).join('\n'));
console.log('[env] load it into your shell with: . .dev-env/env.sh   (stop it with: npm run env:down)');
