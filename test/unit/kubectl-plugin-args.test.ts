// `kubectl fargate`'s boolean flags in every spelling kubectl takes, through cli/boolean-flags.ts.
import { describe, expect, it } from '@jest/globals';
import { CliInputError } from '../../src/cli/cli-error.js';
import { parsePluginArgs } from '../../src/kubectl-plugin/plugin-args.js';

const allNamespaces = (argv: string[]): boolean => parsePluginArgs('status', argv).allNamespaces;

describe('kubectl fargate boolean flags', () => {
  it.each([
    [['-A']],
    [['--all-namespaces']],
    [['--all-namespaces=true']],
    [['--all-namespaces', 'true']],
    [['-A=true']],
    [['-A', 'true']],
    [['-o', 'json', '-A']],
  ])('%j turns -A on', (argv) => {
    expect(allNamespaces(argv)).toBe(true);
  });

  it.each([
    [[]],
    [['--all-namespaces=false']],
    [['--all-namespaces', 'false']],
    [['-A=false']],
    [['-A', 'false']],
  ])('%j leaves -A off', (argv) => {
    expect(allNamespaces(argv)).toBe(false);
  });

  it('false really turns the flag off: a NAME is allowed again and the last spelling wins, as in kubectl', () => {
    expect(() => parsePluginArgs('status', ['web', '-A'])).toThrow('a workload cannot be retrieved by name across all namespaces');
    expect(parsePluginArgs('status', ['web', '-A', 'false'])).toMatchObject({ name: 'web', allNamespaces: false });
    expect(parsePluginArgs('status', ['web', '--all-namespaces=false', '-n', 'shop'])).toMatchObject({ name: 'web', namespace: 'shop', allNamespaces: false });
    expect(allNamespaces(['-A', '--all-namespaces=false'])).toBe(false);
    expect(allNamespaces(['--all-namespaces=false', '-A'])).toBe(true);
    expect(parsePluginArgs('cost', ['-A', 'false']).allNamespaces).toBe(false);
  });

  it('a bare flag before anything but true or false is true, and that argument stays a NAME or a flag value', () => {
    expect(parsePluginArgs('status', ['-A', '-n', 'shop'])).toMatchObject({ allNamespaces: true, namespace: 'shop' });
    expect(() => parsePluginArgs('status', ['-A', 'web'])).toThrow('a workload cannot be retrieved by name across all namespaces');
  });

  it('--help takes the same spellings', () => {
    expect(parsePluginArgs('why', ['--help']).help).toBe(true);
    expect(parsePluginArgs('why', ['web', '--help=false']).help).toBe(false);
    expect(parsePluginArgs('why', ['web', '-h', 'false']).help).toBe(false);
    expect(parsePluginArgs('cost', ['-h=true']).help).toBe(true);
  });

  it('another value is one line naming the flag and the value; why still has no -A', () => {
    const message = (argv: string[], command: 'status' | 'why' = 'status'): string => {
      try {
        parsePluginArgs(command, argv);
      } catch (error) {
        expect(error).toBeInstanceOf(CliInputError);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(message(['--all-namespaces=yes'])).toBe('status: --all-namespaces must be true or false, not "yes"');
    expect(message(['-A=1'])).toBe('status: -A must be true or false, not "1"');
    expect(message(['web', '-A', 'false'], 'why')).toMatch(/^why: Unknown option '-A'/);
  });
});
