/** `plugml fit <csv> --estimator <name> [parameters] --out model.json`. */
import { basename } from "node:path";
import { Command, Option } from "commander";
import { AbortError, KMeans, saveModel, type SavedModel } from "@plugml/core";
import { CliError } from "../errors.js";
import { writeModelFile, CLI_METADATA_VERSION } from "../model-file.js";
import { addCsvOptions, addEngineOptions, addEstimatorOptions, dtypeOf } from "../options.js";
import { createFitProgress, formatNumber, formatSeconds, PROGRESS_MODES, type ProgressMode } from "../progress.js";
import { configureEstimator, labelsOf, readTraining, type TrainingOptionValues } from "../training.js";

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

interface FitOptionValues extends TrainingOptionValues {
  out: string;
  progress: ProgressMode;
}

/** The fitted model's inertia, or undefined when the fit failed. */
function fittedInertia(km: KMeans): number | undefined {
  try {
    return km.inertia_;
  } catch {
    return undefined;
  }
}

/** The `fit` command. */
export function fitCommand(io: Io): Command {
  const cmd = new Command("fit")
    .description("fit an estimator on a CSV file and save the model as JSON")
    .argument("<csv>", "training data: one row per sample, numeric feature columns")
    .addOption(new Option("--out <file>", "where to write the model (JSON)").makeOptionMandatory());
  addEstimatorOptions(cmd);
  addCsvOptions(cmd);
  addEngineOptions(cmd);
  cmd.addOption(new Option("--progress <mode>", "bar: a live bar; lines: a line per iteration; auto: bar on a terminal").choices(PROGRESS_MODES).default("auto"));
  return cmd.action((csv: string, values: FitOptionValues, self: Command) => runFit(csv, values, self, io));
}

async function runFit(csv: string, values: FitOptionValues, cmd: Command, io: Io): Promise<void> {
  const { spec, estimator } = configureEstimator(values, cmd);
  const quiet = values.progress === "none";
  const say = (line: string) => {
    if (!quiet) io.stderr.write(line + "\n");
  };
  const readStart = performance.now();
  const table = await readTraining(csv, spec, values);
  const { X } = table;
  say(`read ${csv}: ${X.rows} rows x ${X.cols} features (${X.dtype}) in ${formatSeconds(performance.now() - readStart)}`);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  const maxIter = estimator instanceof KMeans ? estimator.getParams().maxIter : 1;
  const progress = createFitProgress({ mode: values.progress, stream: io.stderr, maxIter, label: spec.kind });
  const fitStart = performance.now();
  try {
    const options = { signal: controller.signal, ...(spec.iterative && { onIteration: progress.onIteration }) };
    const y = table.target === undefined ? undefined : spec.target === "label" ? labelsOf(table.target as string[]) : (table.target as Float64Array);
    await (estimator.fit as (X: unknown, y: unknown, o: typeof options) => Promise<unknown>).call(estimator, X, y, options);
  } catch (e) {
    if (e instanceof AbortError) throw new CliError("interrupted", 130);
    throw e;
  } finally {
    progress.stop(estimator instanceof KMeans && estimator.engineUsed_ !== undefined ? { inertia: fittedInertia(estimator) } : {});
    process.removeListener("SIGINT", onSigint);
  }
  const ms = performance.now() - fitStart;
  for (const w of estimator.warnings_) io.stderr.write(`plugml: warning: ${w.name}: ${w.message}\n`);
  const { iterations, runs } = progress;
  const over = runs > 1 ? ` over ${runs} initialisations` : "";
  const detail = spec.iterative ? `: ${iterations} iteration${iterations === 1 ? "" : "s"}${over}, inertia ${formatNumber(fittedInertia(estimator as KMeans))}` : "";
  say(`fitted ${spec.kind} with engine ${estimator.engineUsed_} in ${formatSeconds(ms)}${detail}`);

  const model = (await saveModel(estimator)) as SavedModel;
  await writeModelFile(values.out, {
    plugmlCli: {
      version: CLI_METADATA_VERSION,
      estimator: spec.name,
      dtype: dtypeOf(values.dtype),
      nFields: table.nFields,
      ...(table.columns && { columns: table.columns }),
      features: table.plan.features,
      ...(table.plan.target && { target: table.plan.target.index }),
      dropped: table.dropped,
    },
    model,
  });
  say(`wrote ${values.out} (trained on ${basename(csv)})`);
}
