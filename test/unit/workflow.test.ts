/** The workflow runner: declared order, WaitingFor<Part> for a part whose dependency is not ready, readiness per part. */
import { describe, expect, it } from '@jest/globals';
import { partReady, partWaiting } from '../../src/operator/part-report.js';
import { convergeWorkflow, deleteWorkflow, type Dependent } from '../../src/operator/workflow.js';

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

describe('deleteWorkflow', () => {
  /** A part whose delete takes `passes` calls before it reports gone. */
  function deletable(name: string, passes: number, dependsOn: string[] = []): Dependent<Log> {
    let left = passes;
    return {
      ...part(name, true, dependsOn),
      async delete(log) {
        log.push(`delete ${name}`);
        left--;
        return [left <= 0 ? partReady(`${name}Ready`, 'Deleted') : partWaiting(`${name}Ready`, 'Deleting', `${name} is deleting`, 1000)];
      },
    };
  }

  it('deletes in reverse order, a part only once what depends on it is gone; returns what is still going', async () => {
    const parts = [deletable('Profile', 2), deletable('Role', 1), deletable('Children', 1, ['Profile', 'Role'])];
    const log: Log = [];
    const first = await deleteWorkflow(parts, log);
    expect(log).toEqual(['delete Children', 'delete Role', 'delete Profile']);
    expect(first.map((r) => r.condition.reason)).toEqual(['Deleting']);
    const second = await deleteWorkflow(parts, log);
    expect(second).toEqual([]);
  });

  it('holds a part back while a part depending on it is still going', async () => {
    const parts = [deletable('Profile', 1), deletable('Children', 2, ['Profile'])];
    const log: Log = [];
    const pending = await deleteWorkflow(parts, log);
    expect(log).toEqual(['delete Children']);
    expect(pending.map((r) => `${r.condition.reason}: ${r.condition.message}`)).toEqual(['Deleting: Children is deleting', 'WaitingForDeletion: Profile is deleted once Children is gone']);
  });
});
