/** The two kinds of failure the command tells apart by exit code. */

/** Exit code of a command line that cannot be run as given (unknown option, inconsistent options). */
export const EXIT_USAGE = 2;
/** Exit code of a run that failed on its input or its computation (bad CSV row, unreadable model, ...). */
export const EXIT_FAILURE = 1;

/**
 * An error whose message is for the user as it is (no stack trace): `plugml: <message>` on stderr and `exitCode`.
 * `UsageError` is the variant for command lines that make no sense.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A command line that cannot be run as given: exit code {@link EXIT_USAGE}. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}
