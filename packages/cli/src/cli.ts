/** The `plugml` program: its commands, and how failures become messages and exit codes. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { PlugmlError } from "@plugml/core";
import { enginesCommand } from "./commands/engines.js";
import { explainCommand } from "./commands/explain.js";
import { fitCommand, type Io } from "./commands/fit.js";
import { predictCommand } from "./commands/predict.js";
import { registerLocalEngines } from "./discovery.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./errors.js";

/** This package's version. */
export const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Commander's output on `io`; its error messages start with `plugml: ` like the command's own. */
function output(io: Io) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`plugml: ${s}`),
  };
}

/** The program with its four commands, writing to `io`; parse errors throw instead of exiting. */
export function createProgram(io: Io): Command {
  const program = new Command("plugml")
    .description("scikit-learn-style estimators with pluggable engines, on CSV files")
    .version(VERSION)
    .showHelpAfterError("(add --help for usage)")
    .showSuggestionAfterError(true)
    .configureOutput(output(io))
    .exitOverride();
  for (const cmd of [fitCommand(io), predictCommand(io), enginesCommand(io), explainCommand(io)]) {
    cmd.exitOverride().configureOutput(output(io)).showHelpAfterError("(add --help for usage)");
    program.addCommand(cmd);
  }
  // Engine packages that only the working directory's node_modules hold are registered before any command runs.
  program.hook("preAction", () => registerLocalEngines());
  return program;
}

/**
 * Runs `plugml` with `argv` (as `process.argv`: node, script, arguments) and resolves with the exit code: 0, 1 for
 * a failed run (bad data, a refused engine), 2 for a command line that cannot run (unknown or inconsistent
 * options), 130 when interrupted. Messages go to `io.stderr` as `plugml: <message>`.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version end with code 0; commander has already printed its message.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io.stderr.write(`plugml: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof PlugmlError) {
      io.stderr.write(`plugml: ${e.name}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr.write(`plugml: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_FAILURE;
  }
}
