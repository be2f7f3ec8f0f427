// The summary of `npm run test:repeat`: how often each suite passed over the repeated runs, and
// which tests failed when it did not. Pure, so that the counting is a plain function.

/** The parts of Jest's `--json` result the summary reads. */
export interface JestJsonResult {
  testResults: { name: string; status: string; assertionResults: { fullName: string; status: string }[]; message?: string }[];
}

/** How one suite fared over the runs. */
export interface SuiteTally {
  suite: string;
  passed: number;
  runs: number;
  /** Each failing test's full name, with the runs (1-based) it failed in. */
  failures: { test: string; runs: number[] }[];
}

/** Tallies repeated Jest runs per suite; a suite missing from a run (it did not even start) counts as failed in it. */
export function tallyRepeats(suites: readonly string[], runs: readonly (JestJsonResult | undefined)[], root = ''): SuiteTally[] {
  return suites.map((suite) => {
    const failures = new Map<string, number[]>();
    let passed = 0;
    runs.forEach((run, index) => {
      const result = run?.testResults.find((candidate) => relative(candidate.name, root) === suite);
      if (result?.status === 'passed') {
        passed++;
        return;
      }
      const failed = result?.assertionResults.filter((assertion) => assertion.status === 'failed').map((assertion) => assertion.fullName) ?? [];
      for (const test of failed.length > 0 ? failed : [result ? '(the suite itself: setup or teardown)' : '(the suite did not run)']) {
        failures.set(test, [...(failures.get(test) ?? []), index + 1]);
      }
    });
    return { suite, passed, runs: runs.length, failures: [...failures].map(([test, failedRuns]) => ({ test, runs: failedRuns })) };
  });
}

function relative(path: string, root: string): string {
  return root && path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** The report printed at the end: one line per suite, then the failing tests. */
export function renderTally(tallies: readonly SuiteTally[]): string {
  const width = Math.max(...tallies.map((tally) => tally.suite.length));
  const lines = tallies.map((tally) => `${tally.suite.padEnd(width)}  ${tally.passed}/${tally.runs}${tally.passed === tally.runs ? '' : '  FLAKY'}`);
  for (const tally of tallies) {
    for (const failure of tally.failures) lines.push(`  ${tally.suite}: "${failure.test}" failed in run(s) ${failure.runs.join(', ')}`);
  }
  return lines.join('\n');
}
