/** The Fargate profile selector match: wildcards `*` and `?` in namespaces, label keys and values. */
import { matchesWildcard, selectorMatches } from '../../src/plan/index.js';

describe('matchesWildcard', () => {
  it.each([
    ['*', 'shop', true],
    ['*', '', true],
    ['?*', 'shop', true],
    ['?*', '', false],
    ['shop', 'shop', true],
    ['shop', 'shop2', false],
    ['team-*', 'team-a', true],
    ['team-*', 'xteam-a', false],
    ['sh?p', 'shop', true],
    ['sh?p', 'shoop', false],
    // Regular-expression characters are literal: "." is a dot, not any character.
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['fargate.eksops.dev/*', 'fargate.eksops.dev/profile', true],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(matchesWildcard(pattern, value)).toBe(expected);
  });
});

describe('selectorMatches', () => {
  const selector = { namespace: 'shop', labels: { 'fargate.eksops.dev/profile': 'fw-shared-1', 'tier?': 'web*' } };

  it('picks a pod in the namespace that carries every selector label', () => {
    expect(selectorMatches(selector, 'shop', { 'fargate.eksops.dev/profile': 'fw-shared-1', tier1: 'web-a', x: 'y' })).toBe(true);
  });

  it('skips a pod in another namespace', () => {
    expect(selectorMatches(selector, 'billing', { 'fargate.eksops.dev/profile': 'fw-shared-1', tier1: 'web-a' })).toBe(false);
  });

  it('skips a pod that lacks one selector label or has another value', () => {
    expect(selectorMatches(selector, 'shop', { 'fargate.eksops.dev/profile': 'fw-shared-1' })).toBe(false);
    expect(selectorMatches(selector, 'shop', { 'fargate.eksops.dev/profile': 'fw-shared-2', tier1: 'web-a' })).toBe(false);
  });

  it('picks every pod of the namespace when the selector has no labels', () => {
    expect(selectorMatches({ namespace: 'kube-system', labels: {} }, 'kube-system', {})).toBe(true);
  });
});
