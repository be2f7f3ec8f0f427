/**
 * Runs an Argo CD health script (health.lua) under a real Lua 5.1 interpreter, as Argo CD does:
 * the resource is the global `obj`, the script's chunk returns `hs` with `status` and `message`.
 */
import { spawnSync } from 'node:child_process';
import { luaString, toLuaLiteral } from './lua-literal.js';

/** What a health script returned. */
export interface HealthStatus {
  status: string;
  message: string;
}

/** The command that runs Lua 5.1: $LUA51, else `lua5.1` on PATH (Debian's lua5.1 package). */
export function lua51Command(): string {
  const command = process.env.LUA51 ?? 'lua5.1';
  const probe = spawnSync(command, ['-v'], { encoding: 'utf8' });
  const version = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
  if (probe.error || !version.startsWith('Lua 5.1')) {
    throw new Error(`${command} is not a Lua 5.1 interpreter (${probe.error?.message ?? version.trim()}): install it with \`apt-get install -y lua5.1\` (.ci/run does) or point LUA51 at one`);
  }
  return command;
}

/** Runs `scriptPath` with `object` as `obj`; throws with Lua's error output when the script fails. */
export function runHealthScript(lua: string, scriptPath: string, object: unknown): HealthStatus {
  // The driver reads the script from its file, so a syntax error names the file and line.
  const driver = [
    `obj = ${toLuaLiteral(object)}`,
    `local hs = dofile(${luaString(scriptPath)})`,
    // NUL between the two: it cannot occur in a Kubernetes message.
    'io.write(tostring(hs.status), "\\0", tostring(hs.message))',
  ].join('\n');
  const result = spawnSync(lua, ['-'], { input: driver, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${lua} ${scriptPath} failed (exit ${result.status}): ${result.stderr.trim()}`);
  const [status = '', message = ''] = result.stdout.split('\0');
  return { status, message };
}
