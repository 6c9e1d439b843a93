/**
 * The file `plugml fit --out` writes: the saved model, untouched, beside what the command knows about the CSV it
 * came from (the saved-model format has no room for it: its envelope takes no extra keys).
 *
 * ```json
 * { "plugmlCli": { "version": 1, "estimator": "kmeans", "dtype": "float64", "nFields": 9, "columns": [...],
 *                  "features": [0, 1, ...], "target": 8, "dropped": [] },
 *   "model": { "format": "plugml-model", ... } }
 * ```
 *
 * `model` is exactly what `saveModel` returns and what `loadModel` reads; a bare saved model (written by a program)
 * is accepted by `plugml predict` too.
 */
import { readFile, writeFile } from "node:fs/promises";
import { loadModel, MODEL_FORMAT, type DType, type LoadedModel, type SavedModel } from "@plugml/core";
import { CliError } from "./errors.js";
import { ESTIMATOR_NAMES, type CliEstimatorName } from "./estimators.js";

/** Version of the `plugmlCli` block. */
export const CLI_METADATA_VERSION = 1;

/** What the command records about the training CSV. */
export interface CliMetadata {
  version: typeof CLI_METADATA_VERSION;
  estimator: CliEstimatorName;
  /** The dtype the CSV was read in (predict reads its CSV the same way). */
  dtype: DType;
  /** Fields per row of the training file. */
  nFields: number;
  /** The training file's header, when it had one. */
  columns?: string[];
  /** Field indexes (0-based) of the features, in model order. */
  features: number[];
  /** Field index of the target column, if any. */
  target?: number;
  /** Field indexes left out with `--drop`. */
  dropped: number[];
}

/** A model file as `plugml fit` writes it. */
export interface CliModelFile {
  plugmlCli: CliMetadata;
  model: SavedModel;
}

/** What {@link readModelFile} returns. */
export interface ModelFile {
  model: LoadedModel;
  /** Absent for a bare saved model. */
  meta?: CliMetadata;
}

/** Writes `{ plugmlCli, model }` as JSON. */
export async function writeModelFile(path: string, file: CliModelFile): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(file) + "\n");
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads a model file: `{ plugmlCli, model }` as `plugml fit` writes it, or a bare saved model. The model is loaded
 * with @plugml/core's `loadModel`, which checks it; its errors and a malformed metadata block are {@link CliError}s
 * naming the file.
 */
export async function readModelFile(path: string): Promise<ModelFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new CliError(`cannot read the model ${path}: ${(e as Error).message}`);
  }
  const wrapped = typeof json === "object" && json !== null && "plugmlCli" in json;
  const modelJson = wrapped ? (json as { model?: unknown }).model : json;
  if (!wrapped && (json as { format?: unknown } | null)?.format !== MODEL_FORMAT) {
    throw new CliError(`${path} is neither a model file written by plugml fit nor a saved plugml model`);
  }
  let model: LoadedModel;
  try {
    model = loadModel(modelJson);
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
  return { model, ...(wrapped && { meta: checkMetadata((json as { plugmlCli: unknown }).plugmlCli, path) }) };
}

function checkMetadata(value: unknown, path: string): CliMetadata {
  const bad = (what: string): never => {
    throw new CliError(`${path}: plugmlCli.${what}`);
  };
  if (typeof value !== "object" || value === null) bad("is not an object");
  const m = value as Record<string, unknown>;
  if (m.version !== CLI_METADATA_VERSION) bad(`version is ${JSON.stringify(m.version)}, this plugml reads ${CLI_METADATA_VERSION}`);
  if (!(ESTIMATOR_NAMES as readonly unknown[]).includes(m.estimator)) bad(`estimator is ${JSON.stringify(m.estimator)}`);
  if (m.dtype !== "float32" && m.dtype !== "float64") bad(`dtype is ${JSON.stringify(m.dtype)}`);
  const nFields = m.nFields;
  if (typeof nFields !== "number" || !Number.isInteger(nFields) || nFields < 1) return bad("nFields is not a positive integer");
  const isField = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < nFields;
  if (!Array.isArray(m.features) || m.features.length === 0 || !m.features.every(isField)) bad("features is not a list of field indexes");
  if (!Array.isArray(m.dropped) || !m.dropped.every(isField)) bad("dropped is not a list of field indexes");
  if (m.target !== undefined && !isField(m.target)) bad("target is not a field index");
  if (m.columns !== undefined && (!Array.isArray(m.columns) || m.columns.length !== nFields || !m.columns.every((c) => typeof c === "string"))) {
    bad(`columns is not a list of ${nFields} names`);
  }
  return m as unknown as CliMetadata;
}
