import type { FloatArray, Matrix } from "@plugml/core";
import { exponentOf } from "./range.js";

/** Distance metrics the CPU engine computes (scikit-learn names). */
export type Metric = "euclidean" | "manhattan" | "chebyshev" | "minkowski" | "cosine";

/**
 * A metric after {@link resolveMetric}: `metric` is scikit-learn's `effective_metric_`, and `p` is the Minkowski power
 * (2 for euclidean, 1 for manhattan, Infinity for chebyshev, the given value for minkowski, 2 and unused for cosine).
 */
export interface MetricSpec {
  metric: Metric;
  p: number;
}

/**
 * Maps a metric and Minkowski power to the metric actually computed, as scikit-learn's `effective_metric_`:
 * minkowski with p = 1, 2 or Infinity becomes manhattan, euclidean or chebyshev, so those get their exact formulas.
 *
 * @throws RangeError when metric is minkowski and p is not a number >= 1 (a smaller p does not give a metric).
 */
export function resolveMetric(metric: Metric, p: number): MetricSpec {
  switch (metric) {
    case "euclidean":
      return { metric, p: 2 };
    case "manhattan":
      return { metric, p: 1 };
    case "chebyshev":
      return { metric, p: Infinity };
    case "cosine":
      return { metric, p: 2 };
    case "minkowski":
      if (!(p >= 1)) throw new RangeError(`minkowski needs p >= 1, got ${p}.`);
      if (p === 1) return { metric: "manhattan", p };
      if (p === 2) return { metric: "euclidean", p };
      if (p === Infinity) return { metric: "chebyshev", p };
      return { metric, p };
  }
}

/** Squared euclidean distance between the rows starting at `aOffset` in `a` and at `bOffset` in `b`. */
export function squaredEuclidean(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const d = a[aOffset + j] - b[bOffset + j];
    s += d * d;
  }
  return s;
}

/** Euclidean distance between two rows. */
export function euclidean(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number): number {
  return Math.sqrt(squaredEuclidean(a, aOffset, b, bOffset, cols));
}

/** Manhattan (L1) distance between two rows. */
export function manhattan(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.abs(a[aOffset + j] - b[bOffset + j]);
  return s;
}

/** Chebyshev (L-infinity) distance between two rows. */
export function chebyshev(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number): number {
  let m = 0;
  for (let j = 0; j < cols; j++) m = Math.max(m, Math.abs(a[aOffset + j] - b[bOffset + j]));
  return m;
}

/** Reduced Minkowski distance between two rows: the sum of |a_j - b_j|^p, without the final 1/p root. */
/**
 * {@link minkowskiReduced}, abandoned as soon as the partial sum exceeds `limit`: it then returns that partial sum,
 * which is > limit and <= the full sum (terms are >= 0, and adding one never lowers a rounded sum), so a caller
 * that only needs to know whether the sum is <= limit (a full heap's worst, see `kNearestSteps`) gets the same
 * answer as from the whole sum, and the same value whenever the sum is <= limit.
 */
export function minkowskiReducedUpTo(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number, p: number, limit: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) {
    s += Math.abs(a[aOffset + j] - b[bOffset + j]) ** p;
    // Checked every 8 terms: a comparison per term would cost more than the powers it saves on near rows.
    if ((j & 7) === 7 && s > limit) return s;
  }
  return s;
}

export function minkowskiReduced(
  a: FloatArray,
  aOffset: number,
  b: FloatArray,
  bOffset: number,
  cols: number,
  p: number,
): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.abs(a[aOffset + j] - b[bOffset + j]) ** p;
  return s;
}

/** Minkowski distance of power `p` between two rows. */
export function minkowski(
  a: FloatArray,
  aOffset: number,
  b: FloatArray,
  bOffset: number,
  cols: number,
  p: number,
): number {
  return minkowskiReduced(a, aOffset, b, bOffset, cols, p) ** (1 / p);
}

const FLOAT32_EPSILON = 2 ** -23;

/**
 * How scikit-learn's `normalize` scales a row of `data`, written to `out` as a factor and a divisor (the row
 * becomes `x * out[0] / out[1]`): division by its L2 norm, or by 1 when that norm is below ten machine epsilons of
 * the dtype (`_handle_zeros_in_scale`), so a zero row stays the zero vector. The norm is taken of the row scaled by
 * the power of two of its largest value (exact), so that the sum of squares can neither overflow (rows near the
 * float64 maximum, whose norm may itself exceed it) nor underflow; for other rows this is the plain quotient.
 */
function normalizing(data: FloatArray, offset: number, cols: number, out: Float64Array): void {
  out[0] = out[1] = 1;
  let max = 0;
  for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(data[offset + j]));
  // Rows below 2^-1000 are far below ten epsilons: they stay as they are.
  if (!(max >= 2 ** -1000)) return;
  const e = exponentOf(max);
  const factor = 2 ** -e;
  let s = 0;
  for (let j = 0; j < cols; j++) s += (data[offset + j] * factor) ** 2;
  const eps = data instanceof Float32Array ? FLOAT32_EPSILON : Number.EPSILON;
  if (Math.sqrt(s) * 2 ** e < 10 * eps) return;
  out[0] = factor;
  out[1] = Math.sqrt(s);
}

const scratch = new Float64Array(2);

/**
 * The rows of `X` scaled as scikit-learn's `normalize` does (see `normalizing`), in float64, dividing rather
 * than multiplying by a reciprocal as it does. Done once per call so that pairwise loops are plain dot products.
 */
export function normalizedRows(X: Matrix): Float64Array {
  return normalizeRowsInto(X, new Float64Array(X.rows * X.cols));
}

/** {@link normalizedRows} written into `out` (the fast path's kernel memory), which it returns. */
export function normalizeRowsInto(X: Matrix, out: Float64Array): Float64Array {
  const { data, rows, cols } = X;
  for (let i = 0; i < rows; i++) {
    normalizing(data, i * cols, cols, scratch);
    const [factor, divisor] = scratch;
    for (let j = 0; j < cols; j++) out[i * cols + j] = (data[i * cols + j] * factor) / divisor;
  }
  return out;
}

/** Cosine distance between two rows of {@link normalizedRows}: 1 minus their dot product, clipped to [0, 2]. */
export function cosineNormalized(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  cols: number,
): number {
  let dot = 0;
  for (let j = 0; j < cols; j++) dot += a[aOffset + j] * b[bOffset + j];
  return distanceFromCosine(dot);
}

/** Cosine distance between two rows; a zero row has distance 1 to every row, itself included. */
export function cosine(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number): number {
  normalizing(a, aOffset, cols, scratch);
  const [aFactor, aDivisor] = scratch;
  normalizing(b, bOffset, cols, scratch);
  const [bFactor, bDivisor] = scratch;
  let dot = 0;
  for (let j = 0; j < cols; j++) dot += ((a[aOffset + j] * aFactor) / aDivisor) * ((b[bOffset + j] * bFactor) / bDivisor);
  return distanceFromCosine(dot);
}

/** 1 - similarity, clipped to [0, 2] as scikit-learn's `cosine_distances` does against rounding. */
function distanceFromCosine(similarity: number): number {
  return Math.min(Math.max(1 - similarity, 0), 2);
}

/** True distance between two rows under `spec`. */
export function rowDistance(
  spec: MetricSpec,
  a: FloatArray,
  aOffset: number,
  b: FloatArray,
  bOffset: number,
  cols: number,
): number {
  switch (spec.metric) {
    case "euclidean":
      return euclidean(a, aOffset, b, bOffset, cols);
    case "manhattan":
      return manhattan(a, aOffset, b, bOffset, cols);
    case "chebyshev":
      return chebyshev(a, aOffset, b, bOffset, cols);
    case "minkowski":
      return minkowski(a, aOffset, b, bOffset, cols, spec.p);
    case "cosine":
      return cosine(a, aOffset, b, bOffset, cols);
  }
}

/**
 * Reduced distance between row `i` of one matrix and row `j` of another: a cheaper quantity ordered like the true
 * distance (squared euclidean, sum of |d|^p for minkowski, the distance itself otherwise), as scikit-learn's `rdist`.
 */
export type ReducedDistance = (i: number, j: number) => number;

/**
 * Builds the {@link ReducedDistance} between rows of `A` and rows of `B` for `spec`, precomputing what is per row
 * (the normalised rows for cosine) once. Convert its values with {@link reducedToDistance}. These are the plain
 * float64 formulas: `kNearest` first brings the data into their range (see `distanceScale`).
 */
export function reducedDistance(spec: MetricSpec, A: Matrix, B: Matrix): ReducedDistance {
  const a = A.data;
  const b = B.data;
  const cols = A.cols;
  switch (spec.metric) {
    case "euclidean":
      return (i, j) => squaredEuclidean(a, i * cols, b, j * cols, cols);
    case "manhattan":
      return (i, j) => manhattan(a, i * cols, b, j * cols, cols);
    case "chebyshev":
      return (i, j) => chebyshev(a, i * cols, b, j * cols, cols);
    case "minkowski": {
      const p = spec.p;
      return (i, j) => minkowskiReduced(a, i * cols, b, j * cols, cols, p);
    }
    case "cosine": {
      const aUnit = normalizedRows(A);
      const bUnit = B === A ? aUnit : normalizedRows(B);
      return (i, j) => cosineNormalized(aUnit, i * cols, bUnit, j * cols, cols);
    }
  }
}

/** Converts a {@link ReducedDistance} value to the true distance under `spec`. */
export function reducedToDistance(spec: MetricSpec, reduced: number): number {
  switch (spec.metric) {
    case "euclidean":
      return Math.sqrt(reduced);
    case "minkowski":
      return reduced ** (1 / spec.p);
    default:
      return reduced;
  }
}
