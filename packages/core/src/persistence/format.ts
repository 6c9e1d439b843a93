/**
 * The saved-model format (docs/saving-models.md): the envelope every saved estimator and Pipeline shares, and the
 * encodings of the values inside it (matrices, engine settings, parameters). Writers return plain JSON data;
 * readers take untrusted input through a {@link JsonReader}.
 */
import { Matrix, type DType } from "../data/matrix.js";
import type { EngineConfig, TransferPolicy } from "../engine/config.js";
import { checkConfig } from "../engine/config.js";
import type { EstimatorName } from "../engine/specs.js";
import { ValidationError } from "../errors.js";
import { RandomState } from "../validation/random-state.js";
import { formatValue } from "../validation/format.js";
import { decodeNumber, encodeNumbers, encodeNumber, JsonReader } from "./reader.js";

/** The `format` of every saved model. */
export const MODEL_FORMAT = "plugml-model";
/** The format version this @plugml/core writes, and the newest it reads. */
export const MODEL_VERSION = 1;

/** A number as saved: a JSON number, or a string for the values JSON cannot write. */
export type SavedNumber = number | "Infinity" | "-Infinity" | "-0" | "NaN";

/** A matrix as saved: row-major values with their shape and dtype. */
export interface SavedMatrix {
  dtype: DType;
  rows: number;
  cols: number;
  /** `rows * cols` values, row after row. */
  data: SavedNumber[];
}

/** The engines chosen with `setComputationalEngine`, as saved. */
export interface SavedEngineSetting {
  engines: string[];
  fallback?: boolean;
  transfers?: TransferPolicy;
}

/** A saved estimator (what `toJSON()` returns). */
export interface SavedEstimator {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  kind: EstimatorName;
  /** The validated parameters; a parameter left at `undefined` (KMeans' `randomState`) is absent. */
  params: Record<string, unknown>;
  /** Present when `setComputationalEngine` was called. */
  engineSetting?: SavedEngineSetting;
  /** Present when the estimator is fitted: the engine that fitted, the feature count and the model. */
  fitted?: { engine: string; nFeaturesIn: number } & Record<string, unknown>;
}

/** A saved Pipeline: its steps, in order, each a saved estimator or `"passthrough"`. */
export interface SavedPipeline {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  kind: "Pipeline";
  steps: [name: string, step: SavedEstimator | "passthrough"][];
}

/** What `toJSON()`, `saveModel()` and `loadModel()` deal in. */
export type SavedModel = SavedEstimator | SavedPipeline;

/** The kinds a saved model can have. */
export type ModelKind = EstimatorName | "Pipeline";

/** The envelope's first fields. */
export function envelope<K extends ModelKind>(kind: K): { format: typeof MODEL_FORMAT; version: typeof MODEL_VERSION; kind: K } {
  return { format: MODEL_FORMAT, version: MODEL_VERSION, kind };
}

/**
 * Checks the format name, the version and the kind (one of `kinds`) before anything else, so that a file of
 * another format, a newer version or the wrong kind is told as such; returns the kind.
 */
export function readKind<K extends ModelKind>(root: JsonReader, kinds: readonly K[]): K {
  const format = root.peek("format");
  if (format.value !== MODEL_FORMAT) format.expected(`${JSON.stringify(MODEL_FORMAT)} (the input is not a saved plugml model)`);
  const version = root.peek("version");
  const v = version.value;
  if (typeof v === "number" && Number.isInteger(v) && v > MODEL_VERSION) {
    version.fail(`is ${v}, but this @plugml/core reads saved models up to version ${MODEL_VERSION} (the model was saved by a newer version)`);
  }
  version.int(MODEL_VERSION, MODEL_VERSION);
  const kind = root.peek("kind");
  if (typeof kind.value !== "string" || !(kinds as readonly string[]).includes(kind.value)) kind.expected(kinds.map((k) => JSON.stringify(k)).join(" or "));
  return kind.value as K;
}

/** Keys of a saved estimator's envelope. */
export const ESTIMATOR_SHAPE = { required: ["format", "version", "kind", "params"], optional: ["engineSetting", "fitted"] } as const;

export function writeMatrix(m: Matrix): SavedMatrix {
  return { dtype: m.dtype, rows: m.rows, cols: m.cols, data: encodeNumbers(m.data) as SavedNumber[] };
}

/** A saved matrix of finite values, checked against the expected shape where one is known. */
export function readMatrix(r: JsonReader, expected: { rows?: number; cols?: number } = {}): Matrix {
  const f = r.object({ required: ["dtype", "rows", "cols", "data"] });
  const dtype = f.dtype.string(["float32", "float64"]);
  const rows = f.rows.int(expected.rows ?? 1, expected.rows);
  const cols = f.cols.int(expected.cols ?? 1, expected.cols);
  return new Matrix(f.data.numbers(rows * cols, {}, dtype), rows, cols);
}

export function writeEngineSetting(setting: EngineConfig): SavedEngineSetting {
  const { engines, fallback, transfers } = setting;
  return { engines: [...(engines ?? [])], ...(fallback !== undefined && { fallback }), ...(transfers !== undefined && { transfers }) };
}

/** A saved engine setting, checked as `setComputationalEngine` checks it. */
export function readEngineSetting(r: JsonReader): EngineConfig {
  const f = r.object({ required: ["engines"], optional: ["fallback", "transfers"] });
  const items = f.engines.array();
  if (items.length === 0) f.engines.expected("a non-empty array of engine names");
  const setting: EngineConfig = {
    engines: items.map((e) => e.name()),
    ...(f.fallback && { fallback: f.fallback.boolean() }),
    ...(f.transfers && { transfers: f.transfers.string<TransferPolicy>(["allow", "error"]) }),
  };
  checkConfig(setting, `${r.where}: ${r.path}`);
  return setting;
}

/**
 * Parameters as JSON: numbers through {@link encodeNumber}, matrices (KMeans' explicit `init`) as nested arrays,
 * `undefined` left out. A RandomState object cannot be saved (its position in the stream is private to it): the
 * estimator must be given an integer seed instead.
 */
export function writeParams(params: object, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (value instanceof RandomState) {
      throw new ValidationError(
        `${where}: params.${key} is a RandomState object, whose position in its stream cannot be saved; give the estimator an integer seed to save it.`,
      );
    }
    if (typeof value === "number") out[key] = encodeNumber(value);
    else if (typeof value === "string" || typeof value === "boolean") out[key] = value;
    else if (value instanceof Matrix) out[key] = value.toArray().map(encodeNumbers);
    else if (Array.isArray(value) && value.every(Array.isArray)) out[key] = (value as number[][]).map(encodeNumbers);
    else throw new ValidationError(`${where}: params.${key} is ${formatValue(value)}, which cannot be saved.`);
  }
  return out;
}

/**
 * Parameters added after format version 1 was published: models saved before them lack the key and load with the
 * default (the neighbour estimators' `radius`).
 */
const ADDED_PARAMS: ReadonlySet<string> = new Set(["radius"]);

/**
 * Saved parameters, read into a fresh object for `validateParams`: every key of `defaults` must be present except
 * those whose default is `undefined` and those added since (see `ADDED_PARAMS`); values are numbers (special strings decoded), strings, booleans, or nested
 * arrays of finite numbers (explicit KMeans centers). What the values mean is `validateParams`' to check.
 */
export function readParams(r: JsonReader, defaults: object): Record<string, unknown> {
  const entries = Object.entries(defaults);
  const f = r.object({
    required: entries.filter(([k, v]) => v !== undefined && !ADDED_PARAMS.has(k)).map(([k]) => k),
    optional: entries.filter(([k, v]) => v === undefined || ADDED_PARAMS.has(k)).map(([k]) => k),
  });
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(f)) {
    const v = value.value;
    if (Array.isArray(v)) params[key] = value.array().map((row) => Array.from(row.numbers(undefined)));
    else if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") params[key] = decodeNumber(v);
    else value.expected("a number, a string, a boolean or an array of arrays of numbers");
  }
  return params;
}
