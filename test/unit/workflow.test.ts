/** The workflow runner: declared order, WaitingFor<Part> for a part whose dependency is not ready, readiness per part. */
import { describe, expect, it } from '@jest/globals';
import { partReady, partWaiting } from '../../src/operator/part-report.js';
import { convergeWorkflow, type Dependent } from '../../src/operator/workflow.js';

type Log = string[];

function part(name: string, ready: boolean, dependsOn: string[] = []): Dependent<Log> {
  return {
    name,
    dependsOn,
    async converge(log) {
      log.push(name);
      return [ready ? partReady(`${name}Ready`, 'Done') : partWaiting(`${name}Ready`, 'Creating', `${name} is creating`)];
    },
    waiting: (dependency) => [partWaiting(`${name}Ready`, `WaitingFor${dependency}`, `${name} waits for ${dependency}`)],
  };
}

describe('convergeWorkflow', () => {
  it('runs every part in order when each is ready', async () => {
    const log: Log = [];
    const reports = await convergeWorkflow([part('A', true), part('B', true, ['A']), part('C', true, ['A', 'B'])], log);
    expect(log).toEqual(['A', 'B', 'C']);
    expect(reports.map((r) => r.condition.reason)).toEqual(['Done', 'Done', 'Done']);
  });

  it('does not run a part whose dependency is not ready: it reports WaitingFor<dependency>, and so do the parts after it', async () => {
    const log: Log = [];
    const reports = await convergeWorkflow([part('A', true), part('B', false, ['A']), part('C', true, ['B']), part('D', true, ['A'])], log);
    expect(log).toEqual(['A', 'B', 'D']);
    expect(reports.map((r) => `${r.condition.type}:${r.condition.reason}`)).toEqual(['AReady:Done', 'BReady:Creating', 'CReady:WaitingForB', 'DReady:Done']);
  });

  it('takes a part\'s own readiness over its condition (a profile moving is False but usable)', async () => {
    const moving: Dependent<Log> = { ...part('Profile', false), ready: () => true };
    const log: Log = [];
    await convergeWorkflow([moving, part('Children', true, ['Profile'])], log);
    expect(log).toEqual(['Profile', 'Children']);
  });

  it('refuses a dependency no earlier part declares', async () => {
    await expect(convergeWorkflow([part('B', true, ['A'])], [])).rejects.toThrow('part B depends on A, which no earlier part is');
  });
});
