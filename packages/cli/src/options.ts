/** The options several commands share: how the CSV is written, and which engines to use. */
import { Command, Option } from "commander";
import { DEFAULT_ENGINES, ValidationError, type DType, type EngineConfig } from "@plugml/core";
import { UsageError } from "./errors.js";
import { ESTIMATOR_NAMES, given, PARAM_OPTIONS, type OptionSource } from "./estimators.js";

/** The CSV options as commander parses them. */
export interface CsvOptionValues {
  delimiter: string;
  header?: boolean;
}

/** The engine options as commander parses them. */
export interface EngineOptionValues {
  engine?: string[];
  fallback: boolean;
}

/** `--delimiter`, `--header` / `--no-header`. */
export function addCsvOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--delimiter <char>", "field separator (\\t for tab)").default(",").argParser(delimiter))
    .option("--header", "the first row names the columns (default: detected: a header if any cell of it is not a number)")
    .option("--no-header", "the first row is data");
}

function delimiter(value: string): string {
  const v = value === "\\t" || value === "tab" ? "\t" : value;
  if (v.length !== 1 || v === '"' || v === "\n" || v === "\r") throw new UsageError(`--delimiter must be one character other than a quote or a newline, got ${JSON.stringify(value)}`);
  return v;
}

/** `--engine`, `--no-fallback`. */
export function addEngineOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--engine <names>", `engines to try, most preferred first, comma-separated (default: ${DEFAULT_ENGINES.join(",")})`).argParser(engineList),
    )
    .option("--no-fallback", `do not fall back to ${DEFAULT_ENGINES.join(",")} when the named engines decline: fail instead`);
}

function engineList(value: string): string[] {
  const names = value.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) throw new UsageError(`--engine ${JSON.stringify(value)}: an empty engine name`);
  return names;
}

/** The estimator and its parameters (fit and explain). */
export function addEstimatorOptions(cmd: Command): Command {
  cmd.addOption(new Option("--estimator <name>", "what to fit").choices(ESTIMATOR_NAMES).makeOptionMandatory());
  for (const p of PARAM_OPTIONS) cmd.addOption(p.option);
  return cmd
    .option("--target <column>", "the label column (knn-classifier, knn-regressor): a header name or a column number from 1")
    .option("--drop <columns>", "columns to leave out, comma-separated names or numbers from 1", (v: string, prev: string[] = []) => [...prev, ...v.split(",")])
    .addOption(new Option("--dtype <dtype>", "float precision of the data").choices(["float64", "float32"]).default("float64"));
}

/**
 * The `setComputationalEngine` arguments the engine options ask for, or undefined when neither was given (the
 * estimator then follows @plugml/core's defaults and saves no engine setting).
 */
export function engineSetting(values: EngineOptionValues, cmd: OptionSource): { engines: string[]; options: Omit<EngineConfig, "engines"> } | undefined {
  const engines = given(cmd, "engine") ? values.engine : undefined;
  const strict = given(cmd, "fallback") && values.fallback === false;
  if (!engines && !strict) return undefined;
  return { engines: engines ?? [...DEFAULT_ENGINES], options: strict ? { fallback: false } : {} };
}

/**
 * Applies the engine options to `estimator` (nothing when neither was given); a name core refuses is the user's
 * mistake, reported against `--engine`.
 */
export function applyEngineSetting(estimator: { setComputationalEngine(engines: string[], options: Omit<EngineConfig, "engines">): unknown }, values: EngineOptionValues, cmd: OptionSource): void {
  const setting = engineSetting(values, cmd);
  if (!setting) return;
  try {
    estimator.setComputationalEngine(setting.engines, setting.options);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError(`--engine: ${e.message}`);
    throw e;
  }
}

/** The `--dtype` value. */
export function dtypeOf(value: string | undefined): DType {
  return value === "float32" ? "float32" : "float64";
}
