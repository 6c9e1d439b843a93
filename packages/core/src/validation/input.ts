/**
 * Validation of feature matrices passed to `fit`, `predict` and friends; plugml's counterpart of scikit-learn's
 * `check_array`. Every message names the estimator, method, argument and, for bad values, the 0-based row and column.
 */
import { ValidationError } from "../errors.js";
import { Matrix, fromNested } from "../data/matrix.js";
import { estimatorName, plural, typeName, wherePrefix, type InputWhere } from "./format.js";

export type { InputWhere } from "./format.js";

/**
 * What estimators accept as a feature matrix: one row per sample, each a number array or a `Float32Array` /
 * `Float64Array` (e.g. embeddings as they come from a model), or a {@link Matrix}.
 */
export type MatrixInput = readonly (readonly number[] | Float32Array | Float64Array)[] | Matrix;

/**
 * Validates `X` and returns it as a {@link Matrix}.
 *
 * Rows are copied into one matrix: a float32 matrix when every row is a `Float32Array` (the rows' precision is
 * kept), else float64 (number arrays, `Float64Array` rows, or a mix). A `Matrix` keeps its dtype and is returned
 * without copying, so float32 data stays float32 (engines choose their precision from it). Throws a {@link ValidationError} when `X` is
 * not a 2-D array or Matrix, has ragged rows or non-numeric entries, has no samples or no features, or contains NaN
 * or an infinity.
 *
 * @example checkMatrix([[1, 2], [3, 4]], { estimator: "KMeans.fit", argument: "X" })
 */
export function checkMatrix(X: MatrixInput, where: InputWhere): Matrix {
  const prefix = wherePrefix(where);
  const arg = where.argument;
  let matrix: Matrix;
  let valuesChecked = false;
  if (X instanceof Matrix) {
    matrix = X;
  } else if (Array.isArray(X)) {
    checkNested(X, prefix, arg);
    valuesChecked = true;
    matrix = fromNested(X, `${prefix}: ${arg}`, X.length > 0 && X.every((row) => row instanceof Float32Array) ? "float32" : "float64");
  } else {
    const foreign = asForeignMatrix(X);
    if (foreign === undefined) {
      const hint = ArrayBuffer.isView(X) ? " (wrap a flat typed array with Matrix.from(data, rows, cols))" : "";
      throw new ValidationError(
        `${prefix}: ${arg} must be a 2-D array of numbers (number[][]) or a Matrix, got ${typeName(X)}${hint}.`,
      );
    }
    matrix = foreign;
  }
  if (matrix.rows === 0) {
    throw new ValidationError(`${prefix}: ${arg} is empty (0 samples); at least 1 sample is required.`);
  }
  if (matrix.cols === 0) {
    throw new ValidationError(`${prefix}: ${arg} is empty (0 features); at least 1 feature is required.`);
  }
  if (!valuesChecked) checkFinite(matrix, prefix, arg);
  return matrix;
}

/**
 * Throws unless `X` has the number of features the estimator was fitted with.
 *
 * @example checkFeatureCount(X, this.nFeaturesIn, { estimator: "KMeans.predict", argument: "X" })
 * // "KMeans.predict: X has 3 features, but KMeans was fitted with 4 features."
 */
export function checkFeatureCount(X: { cols: number }, expected: number, where: InputWhere): void {
  if (X.cols === expected) return;
  throw new ValidationError(
    `${wherePrefix(where)}: ${where.argument} has ${plural(X.cols, "feature")}, ` +
      `but ${estimatorName(where)} was fitted with ${plural(expected, "feature")}.`,
  );
}

/**
 * Throws unless `X` has at least `min` samples.
 *
 * `why` names the parameter that sets the minimum, as it should appear in the message, e.g. `"nClusters=5"` gives
 * "KMeans.fit: nClusters=5 must be <= the number of samples (3).". Without it the message is about the argument:
 * "KMeans.fit: X has 1 sample, but at least 2 are required.".
 */
export function checkMinSamples(X: Matrix, min: number, where: InputWhere, why?: string): void {
  if (X.rows >= min) return;
  const prefix = wherePrefix(where);
  if (why !== undefined) {
    throw new ValidationError(`${prefix}: ${why} must be <= the number of samples (${X.rows}).`);
  }
  throw new ValidationError(
    `${prefix}: ${where.argument} has ${plural(X.rows, "sample")}, but at least ${min} ${min === 1 ? "is" : "are"} required.`,
  );
}

/** A row as given: a number array, or a float typed array (whose entries are numbers by construction). */
function isRow(row: unknown): row is readonly number[] | Float32Array | Float64Array {
  return Array.isArray(row) || row instanceof Float32Array || row instanceof Float64Array;
}

// Structure and values of nested input are checked in one pass before copying, because after the copy into a
// Float64Array a string "3" or a hole would be indistinguishable from a number or NaN.
function checkNested(X: readonly unknown[], prefix: string, arg: string): void {
  const rows = X.length;
  if (rows === 0) return; // reported as empty by the caller
  const first = X[0];
  if (!isRow(first)) {
    if (typeof first === "number") {
      throw new ValidationError(
        `${prefix}: ${arg} must be 2-D (one array per sample), got a 1-D array of numbers. ` +
          `Wrap a single sample as [sample], or a single feature as one [value] per sample.`,
      );
    }
    throw new ValidationError(`${prefix}: ${arg} row 0 must be an array of numbers, got ${typeName(first)}.`);
  }
  const cols = first.length;
  for (let i = 0; i < rows; i++) {
    const row: unknown = X[i];
    if (!isRow(row)) {
      throw new ValidationError(`${prefix}: ${arg} row ${i} must be an array of numbers, got ${typeName(row)}.`);
    }
    if (row.length !== cols) {
      throw new ValidationError(
        `${prefix}: ${arg} has ragged rows: row ${i} has ${plural(row.length, "value")} but row 0 has ${cols}.`,
      );
    }
    for (let j = 0; j < cols; j++) {
      const v: unknown = (row as ArrayLike<unknown>)[j];
      if (typeof v !== "number") {
        throw new ValidationError(
          `${prefix}: ${arg} contains a non-numeric value (${typeName(v)}) at row ${i}, column ${j}.`,
        );
      }
      if (v - v !== 0) throw nonFinite(v, i, j, prefix, arg);
    }
  }
}

function checkFinite(X: Matrix, prefix: string, arg: string): void {
  const data = X.data;
  const n = data.length;
  for (let k = 0; k < n; k++) {
    const v = data[k];
    // v - v is 0 for every finite v and NaN for NaN and both infinities: one comparison per value.
    if (v - v !== 0) throw nonFinite(v, Math.floor(k / X.cols), k % X.cols, prefix, arg);
  }
}

function nonFinite(v: number, i: number, j: number, prefix: string, arg: string): ValidationError {
  return new ValidationError(`${prefix}: ${arg} contains ${String(v)} at row ${i}, column ${j}.`);
}

// A Matrix built by another copy of @plugml/core fails instanceof; it is accepted by shape and rewrapped (no copy)
// so the rest of this copy can rely on its own class.
function asForeignMatrix(X: unknown): Matrix | undefined {
  if (typeof X !== "object" || X === null) return undefined;
  const m = X as { data?: unknown; rows?: unknown; cols?: unknown };
  if (!(m.data instanceof Float32Array || m.data instanceof Float64Array)) return undefined;
  if (typeof m.rows !== "number" || typeof m.cols !== "number") return undefined;
  return new Matrix(m.data, m.rows, m.cols);
}
