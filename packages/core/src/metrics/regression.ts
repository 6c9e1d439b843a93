/** Regression metrics on target arrays, matching scikit-learn 1.2's `r2_score` and `mean_squared_error`. */
import { checkRegressionTargets, type NumbersInput } from "../validation/targets.js";
import { checkSameLength } from "./labels.js";

/** Both target arrays, validated (finite numbers, same non-zero length) as float64 copies. */
function targetPair(yTrue: NumbersInput, yPred: NumbersInput, fn: string): [Float64Array, Float64Array] {
  checkSameLength(yTrue, yPred, fn);
  const n = yTrue.length;
  return [checkRegressionTargets(yTrue, n, { estimator: fn, argument: "yTrue" }), checkRegressionTargets(yPred, n, { estimator: fn, argument: "yPred" })];
}

/**
 * The coefficient of determination 1 - Σ(y - ŷ)² / Σ(y - ȳ)²: scikit-learn's `r2_score` (with its `force_finite`
 * default: a constant `yTrue` scores 1 when predicted exactly and 0 otherwise, instead of NaN or -Infinity).
 *
 * @example r2Score([1, 2, 3], [1, 2, 4]) // 0.5
 */
export function r2Score(yTrue: NumbersInput, yPred: NumbersInput): number {
  const [t, p] = targetPair(yTrue, yPred, "r2Score");
  let mean = 0;
  for (const v of t) mean += v;
  mean /= t.length;
  let residual = 0;
  let spread = 0;
  for (let i = 0; i < t.length; i++) {
    residual += (t[i] - p[i]) ** 2;
    spread += (t[i] - mean) ** 2;
  }
  if (spread === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / spread;
}

/** Options of {@link meanSquaredError}. */
export interface MeanSquaredErrorOptions {
  /** `true` (default): the mean squared error; `false`: its square root (RMSE). */
  squared?: boolean;
}

/**
 * The mean of (y - ŷ)², or its square root with `squared: false`: scikit-learn's `mean_squared_error`.
 *
 * @example meanSquaredError([0, 0], [1, 3]) // 5
 */
export function meanSquaredError(yTrue: NumbersInput, yPred: NumbersInput, options: MeanSquaredErrorOptions = {}): number {
  const [t, p] = targetPair(yTrue, yPred, "meanSquaredError");
  let total = 0;
  for (let i = 0; i < t.length; i++) total += (t[i] - p[i]) ** 2;
  const mse = total / t.length;
  return options.squared === false ? Math.sqrt(mse) : mse;
}
