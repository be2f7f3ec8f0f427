/** The tally of `npm run test:repeat` (scripts/repeat-summary.ts). */
import { renderTally, tallyRepeats, type JestJsonResult } from '../../scripts/repeat-summary.js';

const suite = (name: string, failed: string[] = []): JestJsonResult['testResults'][number] => ({
  name: `/repo/${name}`,
  status: failed.length > 0 ? 'failed' : 'passed',
  assertionResults: [{ fullName: 'a works', status: failed.includes('a works') ? 'failed' : 'passed' }, ...failed.filter((test) => test !== 'a works').map((fullName) => ({ fullName, status: 'failed' }))],
});

describe('tallyRepeats', () => {
  it('counts the passes of each suite and names each failing test with the runs it failed in', () => {
    const runs: (JestJsonResult | undefined)[] = [
      { testResults: [suite('move.test.ts'), suite('leader.test.ts', ['a works'])] },
      { testResults: [suite('move.test.ts'), suite('leader.test.ts')] },
      { testResults: [suite('move.test.ts'), suite('leader.test.ts', ['a works', 'b works'])] },
    ];
    expect(tallyRepeats(['move.test.ts', 'leader.test.ts'], runs, '/repo')).toEqual([
      { suite: 'move.test.ts', passed: 3, runs: 3, failures: [] },
      { suite: 'leader.test.ts', passed: 1, runs: 3, failures: [{ test: 'a works', runs: [1, 3] }, { test: 'b works', runs: [3] }] },
    ]);
  });

  it('counts a run without results, or a suite failing outside its tests, as a failure of the suite', () => {
    const broken = { ...suite('move.test.ts'), status: 'failed' };
    const tallies = tallyRepeats(['move.test.ts'], [undefined, { testResults: [broken] }], '/repo');
    expect(tallies).toEqual([{ suite: 'move.test.ts', passed: 0, runs: 2, failures: [{ test: '(the suite did not run)', runs: [1] }, { test: '(the suite itself: setup or teardown)', runs: [2] }] }]);
  });
});

describe('renderTally', () => {
  it('prints one line per suite, FLAKY where a run failed, then the failing tests', () => {
    const text = renderTally([
      { suite: 'move.test.ts', passed: 10, runs: 10, failures: [] },
      { suite: 'leader.test.ts', passed: 9, runs: 10, failures: [{ test: 'takes over', runs: [7] }] },
    ]);
    expect(text.split('\n')).toEqual(['move.test.ts    10/10', 'leader.test.ts  9/10  FLAKY', '  leader.test.ts: "takes over" failed in run(s) 7']);
  });
});
