// `npm run test:repeat [-- --times 10] [-- SUITE ...]`: runs the timing-sensitive integration
// suites (leader election, operator processes, restart, profile move, pods, profile lane order,
// fault storm) again and again, each run a fresh Jest with its own environment, and reports how
// often each passed. A flaky test is a bug: the exit code is 0 only when every suite passed every
// time. The figures are also written to .dev-env/test-repeat.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './dev-env/repo-root.js';
import { renderTally, tallyRepeats, type JestJsonResult } from './repeat-summary.js';

/** The suites whose outcome depends on timing: leases, processes, crashes and rollouts. */
export const TIMING_SENSITIVE_SUITES = [
  'test/integration/fargate-cluster-leader.test.ts',
  'test/integration/operator-process.test.ts',
  'test/integration/leadership-handover.test.ts',
  'test/integration/fargate-workload-restart.test.ts',
  'test/integration/fargate-workload-move.test.ts',
  'test/integration/fargate-workload-pods.test.ts',
  'test/integration/fargate-workload.test.ts',
  'test/integration/fault-storm.test.ts',
];

const root = repoRoot();
const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { times: { type: 'string', default: '10' } }, allowPositionals: true, strict: true });
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1) throw new Error(`--times takes a whole number of at least 1, not ${values.times ?? ''}`);
// Suites as paths relative to the repository, as the tally matches them against Jest's results.
const suites = (positionals.length > 0 ? positionals : TIMING_SENSITIVE_SUITES).map((suite) => relative(root, resolve(suite)));
const missing = suites.filter((suite) => !existsSync(join(root, suite)));
if (missing.length > 0) throw new Error(`no such suite: ${missing.join(', ')} (give test files, e.g. test/integration/fargate-workload-move.test.ts)`);
/** A run that takes longer than this is ended (a hung Jest) and counted as failed. */
const RUN_TIMEOUT_MS = 30 * 60_000;
const dir = join(root, '.dev-env', 'test-repeat');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const runs: (JestJsonResult | undefined)[] = [];
for (let run = 1; run <= times; run++) {
  const output = join(dir, `run-${run}.json`);
  const started = Date.now();
  try {
    execFileSync(process.execPath, ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js'), '--selectProjects', 'integration', '--maxWorkers=1', '--forceExit', '--json', `--outputFile=${output}`, ...suites], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: RUN_TIMEOUT_MS,
    });
  } catch {
    // A failed run is counted from its JSON below; a run that wrote none counts every suite failed.
  }
  let result: JestJsonResult | undefined;
  try {
    result = JSON.parse(readFileSync(output, 'utf8')) as JestJsonResult;
  } catch {
    result = undefined;
  }
  runs.push(result);
  // Counted as the tally counts: a suite missing from the results failed too.
  const failed = tallyRepeats(suites, [result], root).filter((tally) => tally.passed === 0).length;
  console.log(`[test:repeat] run ${run}/${times}: ${failed === 0 ? 'all passed' : `${failed} suite(s) failed${result ? '' : ' (no results: the run crashed or timed out)'}`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const tallies = tallyRepeats(suites, runs, root);
console.log(`\n${renderTally(tallies)}`);
writeFileSync(join(root, '.dev-env', 'test-repeat.json'), JSON.stringify({ times, tallies }, null, 2));
process.exit(tallies.every((tally) => tally.passed === tally.runs) ? 0 : 1);
