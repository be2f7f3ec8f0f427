/**
 * Errors the command line reports as one line and exit code 2: bad usage, a missing or unreadable
 * file, YAML that does not parse, a kind the command does not take. Never a stack trace.
 */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}

/** Exit codes of every command. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_INPUT = 2;
