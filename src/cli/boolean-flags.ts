/**
 * Boolean flags in every spelling kubectl (pflag) takes, for both command lines (the operator's
 * `run` and `kubectl fargate`): node:util parseArgs knows only `--flag`, so the others are
 * rewritten to it, or to `--no-flag` for false, before parsing.
 */

/** A boolean flag: its long name and, optionally, its one-letter short name. */
export interface BooleanFlag {
  name: string;
  short?: string;
}

/**
 * Rewrites `--flag`, `--flag=true|false`, `--flag true|false` (and the same with the short name,
 * `-A false`, `-A=false`) into `--flag` or `--no-flag`. A bare flag followed by anything but true
 * or false is true, and that next argument stays what it was. Any other value after `=` is the
 * error `toError` makes of a one-line message naming the flag and the value.
 */
export function rewriteBooleanFlags(argv: readonly string[], flags: readonly BooleanFlag[], toError: (message: string) => Error): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [spelling, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const flag = flags.find(({ name, short }) => spelling === `--${name}` || (short !== undefined && spelling === `-${short}`));
    if (flag === undefined) {
      out.push(arg);
      continue;
    }
    let value = inline ?? 'true';
    const next = argv[i + 1];
    if (inline === undefined && (next === 'true' || next === 'false')) {
      value = next;
      i++;
    }
    if (value !== 'true' && value !== 'false') throw toError(`${spelling} must be true or false, not "${value}"`);
    out.push(value === 'true' ? `--${flag.name}` : `--no-${flag.name}`);
  }
  return out;
}

/**
 * A boolean flag's value in arguments {@link rewriteBooleanFlags} has rewritten: the last of
 * `--flag` and `--no-flag` wins, as in kubectl; undefined when neither is given.
 */
export function lastBooleanFlag(rewritten: readonly string[], name: string): boolean | undefined {
  const last = rewritten.findLast((arg) => arg === `--${name}` || arg === `--no-${name}`);
  return last === undefined ? undefined : last === `--${name}`;
}
