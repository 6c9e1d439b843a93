/** Selecting samples by index: the rows of X and the entries of y, each kept in the form it was given. */
import { ValidationError } from "../errors.js";
import type { Matrix } from "../data/matrix.js";
import { isResident, type ResidentMatrix } from "../data/resident.js";
import { checkMatrix, type MatrixInput } from "../validation/input.js";
import { plural, typeName } from "../validation/format.js";

/** A 1-D array of targets or labels, as trainTestSplit and the cross-validation functions accept `y`. */
export type VectorInput = readonly unknown[] | Int32Array | Float64Array | Float32Array;

/** One train/test split: sample indices, ascending for the k-fold splitters. */
export interface Fold {
  /** The training samples' indices. */
  train: Int32Array;
  /** The test samples' indices. */
  test: Int32Array;
}

/** X validated once (scikit-learn's `indexable`), so that every split takes rows of the same host matrix. */
export function hostMatrix(X: MatrixInput | ResidentMatrix, fn: string): Matrix {
  if (isResident(X)) {
    throw new ValidationError(`${fn}: X is a resident matrix on engine "${X.engine}"; splitting needs host data (a Matrix or nested arrays).`);
  }
  return checkMatrix(X, { estimator: fn, argument: "X" });
}

/** Checks that `y` is a 1-D array with one entry per sample. */
export function checkVector(y: unknown, nSamples: number, fn: string, argument: string): asserts y is VectorInput {
  const typed = y instanceof Int32Array || y instanceof Float64Array || y instanceof Float32Array;
  if (!Array.isArray(y) && !typed) throw new ValidationError(`${fn}: ${argument} must be a 1-D array, got ${typeName(y)}.`);
  if (y.length !== nSamples) {
    const entries = y.length === 1 ? "1 entry" : `${y.length} entries`;
    throw new ValidationError(`${fn}: ${argument} has ${entries} but X has ${plural(nSamples, "sample")}.`);
  }
}

/** The entries of `y` at `indices`: an array for an array, a typed array of the same type for a typed array. */
export function takeItems<Y extends VectorInput>(y: Y, indices: Int32Array): Y {
  if (Array.isArray(y)) return Array.from(indices, (i) => y[i]) as unknown as Y;
  const typed = y as Int32Array | Float64Array | Float32Array;
  const out = new (typed.constructor as new (n: number) => typeof typed)(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = typed[indices[k]];
  return out as Y;
}
