// `kubectl fargate why` gives a next step for every condition reason the README's Troubleshooting table lists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { knownReasons, nextStepFor } from '../../src/kubectl-plugin/next-steps.js';

/** The reasons of the Troubleshooting table's rows; events (condition "—", or "(event X)") are not conditions. */
function troubleshootingReasons(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Troubleshooting'), readme.indexOf('\n### ', readme.indexOf('\n## Troubleshooting')));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => {
      const [reasonCell = '', conditionCell = ''] = line.split('|').slice(1).map((cell) => cell.trim());
      if (conditionCell === '—') return [];
      return [...reasonCell.replace(/\(event [^)]*\)/g, '').matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]!);
    });
}

describe('next steps', () => {
  it('cover every reason of the README\'s Troubleshooting table', () => {
    const reasons = troubleshootingReasons();
    expect(reasons.length).toBeGreaterThan(40);
    expect(reasons.filter((reason) => nextStepFor(reason) === undefined)).toEqual([]);
  });

  it('are undefined for a reason nobody writes, including the names of Object\'s own properties', () => {
    expect(nextStepFor('BrandNewReason')).toBeUndefined();
    expect(nextStepFor('constructor')).toBeUndefined();
    expect(nextStepFor(undefined)).toBeUndefined();
    expect(knownReasons()).toContain('WaitingInLane');
  });
});
