import type { FloatArray, Matrix } from "@plugml/core";
import { squaredEuclidean } from "./metrics.js";
import { assertSameCols } from "./shape.js";
import { STEP_WORK, drain, type Steps } from "./steps.js";
import { wideDistance, wideToDistance } from "./wide.js";

/**
 * Writes, for every row of `X`, the index of the nearest row of `centers` (squared euclidean, ties to the lowest
 * index) into `labels` and, when given, that squared distance into `sqDistances`. Both outputs have one entry per
 * row of `X`. The data must be in float64's range for squared distances (see `rangeScale`); {@link wideAssignSteps}
 * takes any data.
 */
export function assignNearest(X: Matrix, centers: Matrix, labels: Int32Array, sqDistances?: Float64Array): void {
  drain(assignNearestSteps(X, centers, labels, sqDistances));
}

/** {@link assignNearest} as a step generator (see `Steps`), yielding between rows. */
export function* assignNearestSteps(X: Matrix, centers: Matrix, labels: Int32Array, sqDistances?: Float64Array): Steps<void> {
  checkCenters(X, centers);
  const x = X.data;
  const c = centers.data;
  const cols = X.cols;
  const k = centers.rows;
  let work = 0;
  for (let i = 0; i < X.rows; i++) {
    const offset = i * cols;
    let best = squaredEuclidean(x, offset, c, 0, cols);
    let label = 0;
    for (let j = 1; j < k; j++) {
      const d = squaredEuclidean(x, offset, c, j * cols, cols);
      if (d < best) {
        best = d;
        label = j;
      }
    }
    labels[i] = label;
    if (sqDistances) sqDistances[i] = best;
    if ((work += k * cols) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
}

/**
 * {@link assignNearest} for data no single scaling brings into range (see `rangeScale`): distances compared by
 * their full-range keys (see `wideDistance`), ties to the lowest index; `distances` (when given) receives each
 * row's euclidean distance to its center (not squared: its square may be beyond float64), Infinity beyond range.
 */
export function* wideAssignSteps(X: Matrix, centers: Matrix, labels: Int32Array, distances?: Float64Array): Steps<void> {
  checkCenters(X, centers);
  const keys = new Float64Array(2);
  const cols = X.cols;
  let work = 0;
  for (let i = 0; i < X.rows; i++) {
    let high = Infinity;
    let low = Infinity;
    let label = 0;
    for (let j = 0; j < centers.rows; j++) {
      wideDistance(2, X.data, i * cols, centers.data, j * cols, cols, keys);
      if (j === 0 || keys[0] < high || (keys[0] === high && keys[1] < low)) {
        [high, low, label] = [keys[0], keys[1], j];
      }
    }
    labels[i] = label;
    if (distances) distances[i] = wideToDistance(high, low);
    if ((work += 3 * centers.rows * cols) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
}

/**
 * Writes the euclidean distance of every row of `X` to every center into `out` (rows x centers, row-major), times
 * `unscale`, rounded to `out`'s dtype: KMeans' transform. With `wide`, by the full-range path instead.
 */
export function* centerDistancesSteps(X: Matrix, centers: Matrix, out: FloatArray, unscale: number, wide: boolean): Steps<void> {
  checkCenters(X, centers);
  const keys = new Float64Array(2);
  const { cols } = X;
  const k = centers.rows;
  let work = 0;
  for (let i = 0; i < X.rows; i++) {
    for (let c = 0; c < k; c++) {
      if (wide) {
        wideDistance(2, X.data, i * cols, centers.data, c * cols, cols, keys);
        out[i * k + c] = wideToDistance(keys[0], keys[1]);
      } else out[i * k + c] = Math.sqrt(squaredEuclidean(X.data, i * cols, centers.data, c * cols, cols)) * unscale;
    }
    if ((work += k * cols) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
}

function checkCenters(X: Matrix, centers: Matrix): void {
  assertSameCols(X, centers, "nearestCenters");
  if (centers.rows === 0) throw new RangeError("nearestCenters: there are no centers.");
}

/**
 * Nearest center of every row of `X`: its index (ties go to the lowest center index, as numpy's argmin) and the
 * squared euclidean distance to it, accumulated in float64 whatever the dtype.
 */
export function nearestCenters(X: Matrix, centers: Matrix): { labels: Int32Array; sqDistances: Float64Array } {
  const labels = new Int32Array(X.rows);
  const sqDistances = new Float64Array(X.rows);
  assignNearest(X, centers, labels, sqDistances);
  return { labels, sqDistances };
}
