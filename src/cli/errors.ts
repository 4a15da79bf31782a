import { InvalidArgumentError, StructuredRxError } from '../errors.js';

/** Exit codes of the command. */
export const EXIT_OK = 0;
/** The query failed, or its input could not be read. */
export const EXIT_FAILURE = 1;
/** A bad flag or flag value (the usual code for a usage error). */
export const EXIT_USAGE = 2;

/**
 * A mistake in the command line: an unknown flag, a missing or bad value. `flag` and `value`
 * name what is wrong when one flag is to blame. Printed as one line, never with a stack.
 */
export class CliUsageError extends StructuredRxError {
  constructor(
    message: string,
    readonly flag?: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

/** The input directory is missing, not a directory, or cannot be read. */
export class CliInputError extends StructuredRxError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${reason}: ${path}`);
  }
}

/** The error for a flag whose value the library refused: names the flag, the value as typed and what was expected. */
export function flagValueError(flag: string, raw: string, expected: string): CliUsageError {
  return new CliUsageError(`invalid ${flag} ${JSON.stringify(raw)}: expected ${expected}`, flag, raw);
}

/** Runs a library check for one flag's value; turns its `InvalidArgumentError` into a {@link CliUsageError} naming the flag. */
export function checkFlag<T>(flag: string, raw: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw flagValueError(flag, raw, e.expected);
    throw e;
  }
}

/** A `--sql` statement the SQL engine refused (syntax, unknown table or column, not a SELECT): names the flag, the statement and the engine's reason. */
export function sqlFlagError(statement: string, e: Error): CliUsageError {
  return new CliUsageError(`invalid --sql ${JSON.stringify(statement)}: ${e.message}`, '--sql', statement);
}
