/** `plugml predict model.json <csv> [--out file]`: one line of output per row of the CSV. */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { Command } from "commander";
import { KMeans, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, Pipeline, StandardScaler } from "@plugml/core";
import { predictionPlan } from "../columns.js";
import { readCsv } from "../csv.js";
import { CliError } from "../errors.js";
import { specOfKind, type CliEstimator, type EstimatorSpec } from "../estimators.js";
import { readModelFile } from "../model-file.js";
import { addCsvOptions, addEngineOptions, applyEngineSetting, type CsvOptionValues, type EngineOptionValues } from "../options.js";
import type { Io } from "./fit.js";

interface PredictOptionValues extends CsvOptionValues, EngineOptionValues {
  out?: string;
}

/** The `predict` command. */
export function predictCommand(io: Io): Command {
  const cmd = new Command("predict")
    .description(
      "print one line per CSV row: the cluster (kmeans), the label (knn-classifier), the value (knn-regressor), " +
        "the nearest training rows (nearest-neighbors) or the transformed row (standard-scaler)",
    )
    .argument("<model>", "a model file written by plugml fit (or a saved plugml model)")
    .argument("<csv>", "rows to predict, with the model's feature columns")
    .option("--out <file>", "write the lines to a file instead of stdout");
  addCsvOptions(cmd);
  addEngineOptions(cmd);
  return cmd.action((model: string, csv: string, values: PredictOptionValues, self: Command) => runPredict(model, csv, values, self, io));
}

function specOfModel(model: unknown, path: string): EstimatorSpec {
  const kind =
    model instanceof KMeans ? "KMeans"
    : model instanceof KNeighborsClassifier ? "KNeighborsClassifier"
    : model instanceof KNeighborsRegressor ? "KNeighborsRegressor"
    : model instanceof NearestNeighbors ? "NearestNeighbors"
    : model instanceof StandardScaler ? "StandardScaler"
    : undefined;
  const spec = kind && specOfKind(kind);
  if (!spec) throw new CliError(`${path}: plugml predict does not handle a saved ${model instanceof Pipeline ? "Pipeline" : "model of this kind"}`);
  return spec;
}

async function runPredict(modelPath: string, csv: string, values: PredictOptionValues, cmd: Command, io: Io): Promise<void> {
  const { model, meta } = await readModelFile(modelPath);
  const spec = specOfModel(model, modelPath);
  const estimator = model as CliEstimator;
  applyEngineSetting(estimator, values, cmd);
  const { X } = await readCsv(csv, {
    delimiter: values.delimiter,
    header: values.header,
    dtype: meta?.dtype ?? "float64",
    plan: (shape) => predictionPlan(shape, csv, meta, estimator.nFeaturesIn_),
  });
  const lines = await predictLines(estimator, X, spec);
  if (values.out !== undefined) {
    const file = createWriteStream(values.out);
    const failed = once(file, "error").then(([e]) => {
      throw new CliError(`cannot write ${values.out}: ${(e as Error).message}`);
    });
    await Promise.race([writeLines(file, lines).then(() => new Promise<void>((resolve) => file.end(resolve))), failed]);
  } else {
    await writeLines(io.stdout, lines);
  }
}

/** The output lines, computed by the estimator's own method. */
async function predictLines(estimator: CliEstimator, X: Matrix, spec: EstimatorSpec): Promise<Iterable<string>> {
  if (estimator instanceof KMeans || estimator instanceof KNeighborsRegressor || estimator instanceof KNeighborsClassifier) {
    const out = await estimator.predict(X);
    return Array.from(out as ArrayLike<number | string>, String);
  }
  if (estimator instanceof NearestNeighbors) {
    const { indices } = await estimator.kneighbors(X, { returnDistance: false });
    return rows(indices.data, indices.rows, indices.cols);
  }
  if (estimator instanceof StandardScaler) {
    const t = await estimator.transform(X);
    return rows(t.data, t.rows, t.cols);
  }
  throw new CliError(`predict does not handle ${spec.kind}`);
}

function* rows(data: ArrayLike<number>, n: number, cols: number): Iterable<string> {
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < cols; j++) row.push(String(data[i * cols + j]));
    yield row.join(",");
  }
}

/** Writes lines in chunks, waiting for the stream to drain (a pipe to `head` closing early ends quietly). */
async function writeLines(stream: NodeJS.WritableStream, lines: Iterable<string>): Promise<void> {
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const ok = stream.write(chunk.join("\n") + "\n");
    chunk = [];
    if (!ok) await once(stream, "drain");
  };
  for (const line of lines) {
    chunk.push(line);
    if (chunk.length === 8192) await flush();
  }
  await flush();
}
