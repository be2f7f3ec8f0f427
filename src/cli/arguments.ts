/** Command-line flag parsing on node:util parseArgs, turning its errors into one-line input errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliInputError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses flags for one command; unknown flags and stray arguments are CliInputErrors naming the command. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify.*$/s, '');
    throw new CliInputError(`${command}: ${message} (see '${command} --help')`);
  }
}

/** Checks an `-o` value against the formats a command supports. */
export function outputFormat<F extends string>(command: string, value: string | undefined, allowed: readonly F[], fallback: F): F {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as F;
  throw new CliInputError(`${command}: unknown output format "${value}": use one of ${allowed.join(', ')}`);
}
