/** Regression metrics on target arrays, matching scikit-learn 1.2's `r2_score` and `mean_squared_error`. */
import { checkRegressionTargets, checkSampleWeight, type NumbersInput } from "../validation/targets.js";
import { checkSameLength } from "./labels.js";

/** Options of {@link r2Score}. */
export interface R2ScoreOptions {
  /** Per-sample weights. */
  sampleWeight?: NumbersInput;
}

/** Both target arrays, validated (finite numbers, same non-zero length) as float64 copies, and the weights. */
function targetPair(yTrue: NumbersInput, yPred: NumbersInput, sampleWeight: NumbersInput | undefined, fn: string): [Float64Array, Float64Array, Float64Array] {
  checkSameLength(yTrue, yPred, fn);
  const n = yTrue.length;
  return [
    checkRegressionTargets(yTrue, n, { estimator: fn, argument: "yTrue" }),
    checkRegressionTargets(yPred, n, { estimator: fn, argument: "yPred" }),
    checkSampleWeight(sampleWeight, n, { estimator: fn, argument: "sampleWeight" }),
  ];
}

/**
 * The coefficient of determination 1 - Σ(y - ŷ)² / Σ(y - ȳ)²: scikit-learn's `r2_score` (with its `force_finite`
 * default: a constant `yTrue` scores 1 when predicted exactly and 0 otherwise, instead of NaN or -Infinity).
 *
 * @example r2Score([1, 2, 3], [1, 2, 4]) // 0.5
 */
export function r2Score(yTrue: NumbersInput, yPred: NumbersInput, options: R2ScoreOptions = {}): number {
  const [t, p, w] = targetPair(yTrue, yPred, options.sampleWeight, "r2Score");
  let mean = 0;
  let totalWeight = 0;
  for (let i = 0; i < t.length; i++) {
    mean += w[i] * t[i];
    totalWeight += w[i];
  }
  mean /= totalWeight;
  let residual = 0;
  let spread = 0;
  for (let i = 0; i < t.length; i++) {
    residual += w[i] * (t[i] - p[i]) ** 2;
    spread += w[i] * (t[i] - mean) ** 2;
  }
  if (spread === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / spread;
}

/** Options of {@link meanSquaredError}. */
export interface MeanSquaredErrorOptions {
  /** `true` (default): the mean squared error; `false`: its square root (RMSE). */
  squared?: boolean;
  /** Per-sample weights: a weighted mean. */
  sampleWeight?: NumbersInput;
}

/**
 * The (weighted) mean of (y - ŷ)², or its square root with `squared: false`: scikit-learn's `mean_squared_error`.
 *
 * @example meanSquaredError([0, 0], [1, 3]) // 5
 */
export function meanSquaredError(yTrue: NumbersInput, yPred: NumbersInput, options: MeanSquaredErrorOptions = {}): number {
  const [t, p, w] = targetPair(yTrue, yPred, options.sampleWeight, "meanSquaredError");
  let total = 0;
  let totalWeight = 0;
  for (let i = 0; i < t.length; i++) {
    total += w[i] * (t[i] - p[i]) ** 2;
    totalWeight += w[i];
  }
  const mse = total / totalWeight;
  return options.squared === false ? Math.sqrt(mse) : mse;
}
