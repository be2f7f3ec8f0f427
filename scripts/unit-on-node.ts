/**
 * Runs the unit suite on another Node.js major line than the one running npm (usage:
 * `npm run test:unit:node22`): the image runs on the line the Dockerfile names (README,
 * "Requirements") while the machine's toolchain may be older, so CI runs the unit suite on both.
 * The binary comes from the cache that scripts/dev-env/node-runtime.ts fills.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeRelease } from './dev-env/node-runtime.js';
import { repoRoot } from './dev-env/repo-root.js';

const major = Number(process.argv[2]);
if (!Number.isInteger(major)) {
  console.error('usage: unit-on-node MAJOR [jest arguments...]');
  process.exit(2);
}
const node = await ensureNodeRelease(major);
const root = repoRoot();
const jest = spawn(node, ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js'), '--selectProjects', 'unit', ...process.argv.slice(3)], { cwd: root, stdio: 'inherit' });
jest.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
