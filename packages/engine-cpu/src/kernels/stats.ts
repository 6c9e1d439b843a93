import type { Matrix } from "@plugml/core";
import { exponentOf, ldexp } from "./range.js";
import { STEP_WORK, drain, type Steps } from "./steps.js";

/**
 * Column means and population variances of `X`, as scikit-learn 1.2's StandardScaler computes `mean_` and `var_`
 * in `_incremental_mean_and_var`: float64 accumulation, and the corrected two-pass variance (sum of squared
 * deviations minus the squared sum of deviations over the total weight, all over the total weight). With
 * `sampleWeight`, the weighted mean and weighted population variance (`var = sum w (x - mean)^2 / sum w`); rows of
 * weight 0 do not count.
 *
 * Range: each column is taken times the power of two of its largest magnitude, and the weights times that of the
 * largest weight (both exact, and without effect on the formulas' roundings), so that no sum, deviation or square
 * can overflow or underflow: a mean of finite values is finite and right, and a variance is Infinity only when the
 * true one exceeds float64.
 */
export function columnMeanVar(X: Matrix, sampleWeight?: Float64Array): ColumnStats {
  return drain(columnMeanVarSteps(X, sampleWeight));
}

/** Column statistics; `std` is the standard deviation, finite even where `variance` exceeds float64 and is Infinity. */
export interface ColumnStats {
  mean: Float64Array;
  variance: Float64Array;
  std: Float64Array;
}

/** {@link columnMeanVar} as a step generator (see `Steps`). */
export function* columnMeanVarSteps(X: Matrix, sampleWeight?: Float64Array): Steps<ColumnStats> {
  const { weighted, sums, squares, total, shifts } = yield* columnDeviations(X, sampleWeight);
  const mean = new Float64Array(X.cols);
  const variance = new Float64Array(X.cols);
  const std = new Float64Array(X.cols);
  for (let j = 0; j < X.cols; j++) {
    mean[j] = quotient(weighted[j], total, -shifts[j]);
    // sums * (sums / total): the square of a sum of large scaled weights would overflow.
    const deviations = squares[j] - sums[j] * (sums[j] / total);
    variance[j] = quotient(deviations, total, -2 * shifts[j]);
    std[j] = ldexp(Math.sqrt(Math.max(0, quotient(deviations, total, 0))), -shifts[j]);
  }
  return { mean, variance, std };
}

/**
 * Mean over columns of the population variance of each column (numpy's `np.var(X, axis=0).mean()`), which
 * scikit-learn's KMeans multiplies by `tol` to get its absolute tolerance (`_tolerance`). numpy does not apply the
 * correction {@link columnMeanVar} does. Computed in range as {@link columnMeanVar}.
 */
export function meanFeatureVariance(X: Matrix): number {
  return drain(meanFeatureVarianceSteps(X));
}

/** {@link meanFeatureVariance} as a step generator (see `Steps`). */
export function* meanFeatureVarianceSteps(X: Matrix): Steps<number> {
  const { squares, total, shifts } = yield* columnDeviations(X);
  const variances = Array.from(squares, (q, j) => quotient(q, total, -2 * shifts[j]));
  const sum = variances.reduce((s, v) => s + v, 0);
  // Variances near the float64 maximum: their mean is representable even where their sum is not.
  return Number.isFinite(sum) ? sum / X.cols : variances.reduce((s, v) => s + v / X.cols, 0);
}

/**
 * (a / b) * 2^n, rounded once: the quotient is taken against b brought to [1, 2), so that it cannot leave the normal
 * range before the power of two is applied (a weighted mean can be far below the largest value, when the heavy
 * rows are near 0).
 */
function quotient(a: number, b: number, n: number): number {
  const e = exponentOf(b);
  return ldexp(a / ldexp(b, -e), n - e);
}

/**
 * Per column, in the column's scaled units: the weighted sum and the (weighted) sum and sum of squares of the
 * deviations from the mean; the total (scaled) weight, and each column's scaling exponent.
 */
function* columnDeviations(
  X: Matrix,
  sampleWeight?: Float64Array,
): Steps<{ weighted: Float64Array; sums: Float64Array; squares: Float64Array; total: number; shifts: Int32Array }> {
  const { rows, cols, data } = X;
  const weightOf = weights(sampleWeight);
  const largest = new Float64Array(cols);
  // Rows between two yields.
  const stride = Math.max(1, Math.floor(STEP_WORK / Math.max(1, cols)));
  for (let i = 0; i < rows; i++) {
    if (weightOf(i) > 0) for (let j = 0; j < cols; j++) largest[j] = Math.max(largest[j], Math.abs(data[i * cols + j]));
    if (i % stride === stride - 1) yield;
  }
  const shifts = Int32Array.from(largest, (m) => (m === 0 ? 0 : Math.min(1000, Math.max(-1000, -exponentOf(m)))));
  const factors = Float64Array.from(shifts, (s) => 2 ** s);
  const weighted = new Float64Array(cols);
  let total = 0;
  // Rows of weight 0 are skipped, not multiplied by 0: their values lie outside the columns' scaling.
  for (let i = 0; i < rows; i++) {
    const w = weightOf(i);
    total += w;
    if (w > 0) for (let j = 0; j < cols; j++) weighted[j] += data[i * cols + j] * factors[j] * w;
    if (i % stride === stride - 1) yield;
  }
  // The deviations are taken from the mean in scaled units; where it is subnormal there, its rounding is far below
  // that of any nonzero deviation.
  const mean = weighted.map((v) => v / total);
  const sums = new Float64Array(cols);
  const squares = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const w = weightOf(i);
    for (let j = 0; j < cols && w > 0; j++) {
      const d = data[i * cols + j] * factors[j] - mean[j];
      sums[j] += d * w;
      squares[j] += d * d * w;
    }
    if (i % stride === stride - 1) yield;
  }
  return { weighted, sums, squares, total, shifts };
}

/**
 * Row i's weight times the power of two that makes the weights as large as their sums of weighted (scaled, at most
 * 2 in magnitude) values and squared deviations (at most 16) allow, 2^990 in all: the small weights then stay as far
 * from underflow as they can. 1 without weights.
 */
function weights(sampleWeight: Float64Array | undefined): (i: number) => number {
  if (!sampleWeight) return () => 1;
  let max = 0;
  for (let i = 0; i < sampleWeight.length; i++) max = Math.max(max, sampleWeight[i]);
  const top = 990 - Math.ceil(Math.log2(sampleWeight.length)) - 4;
  const factor = 2 ** Math.min(1000, Math.max(-1000, top - exponentOf(max) - 1));
  return (i) => sampleWeight[i] * factor;
}
