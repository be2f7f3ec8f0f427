// `npm run env:down`: stops the environment `npm run env:up` started (every process it recorded)
// and removes its temp folder, env.sh and state file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { groupAlive, signalGroup } from './dev-env/processes.js';
import { devEnvFiles, processAlive, type DevEnvState } from './dev-env-files.js';

const GRACE_MS = 20_000;
const files = devEnvFiles();

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

if (!existsSync(files.state)) {
  console.log('[env] nothing to stop (no .dev-env/state.json)');
  rmSync(files.envScript, { force: true });
} else {
  const state = JSON.parse(readFileSync(files.state, 'utf8')) as DevEnvState;
  // The host process stops its children and removes the temp folder on SIGTERM.
  if (processAlive(state.daemonPid)) {
    process.kill(state.daemonPid, 'SIGTERM');
    if (!(await waitForExit(state.daemonPid, GRACE_MS))) {
      console.error(`[env] pid ${state.daemonPid} did not stop within ${GRACE_MS / 1000} s; killing it`);
      signalGroup(state.daemonPid, 'SIGKILL');
    }
  }
  // Whatever survived (the host was killed, or crashed): each child leads its own process group.
  for (const [name, pid] of Object.entries(state.environment.pids)) {
    if (groupAlive(pid)) {
      console.error(`[env] ${name} (pid ${pid}) still running; killing it`);
      signalGroup(pid, 'SIGKILL');
    }
  }
  rmSync(state.environment.tempDir, { recursive: true, force: true });
  rmSync(files.state, { force: true });
  rmSync(files.envScript, { force: true });
  console.log(`[env] stopped (pids ${[state.daemonPid, ...Object.values(state.environment.pids)].join(', ')}) and removed ${state.environment.tempDir}`);
}
