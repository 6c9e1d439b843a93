/** StandardScaler hooks of the CPU engine: two-pass column statistics and element-wise transforms. */
import { Matrix, type ModelContext, type StandardScalerHooks, type StandardScalerModel, type StandardScalerParamsResolved } from "@plugml/core";
import { drive } from "./cancel.js";
import { columnMeanVarSteps } from "./kernels/stats.js";
import { STEP_WORK, type Steps } from "./kernels/steps.js";
import { exponentOf, ldexp } from "./kernels/range.js";

const F32_MAX = 3.4028234663852886e38;

/**
 * The weights as scikit-learn's StandardScaler uses them, and their sum (`nSamplesSeen`):
 * `_check_sample_weight(..., dtype=X.dtype)` rounds them to float32 for float32 data. Weights beyond float32's
 * range, which scikit-learn would turn into Infinity, or all so small that it would flush them towards 0, are
 * rounded to float32's precision after scaling by one power of two (which the statistics do not see) and summed as
 * given.
 */
function weightsFor(X: Matrix, sampleWeight: Float64Array): { weights: Float64Array; total: number } {
  const sum = (w: Float64Array) => w.reduce((s, v) => s + v, 0);
  if (X.dtype === "float64") return { weights: sampleWeight, total: sum(sampleWeight) };
  const max = sampleWeight.reduce((m, w) => Math.max(m, w), 0);
  if (max <= F32_MAX && max >= 2 ** -100) {
    const weights = sampleWeight.map(Math.fround);
    return { weights, total: sum(weights) };
  }
  const shift = 100 - exponentOf(max);
  return { weights: sampleWeight.map((w) => Math.fround(ldexp(w, shift))), total: sum(sampleWeight) };
}

/** The StandardScaler hooks: statistics in float64, transforms in X's dtype. */
/** StandardScaler is one or two passes over memory, bound by bandwidth: it has no SIMD kernel and no workers. */
const ON_THIS_THREAD = "pure-TypeScript kernels on the calling thread (StandardScaler is memory-bound and has no SIMD kernel)";

export const standardScalerHooks: StandardScalerHooks = {
  async fit(ctx) {
    ctx.record.threads(1, ON_THIS_THREAD);
    const X = await ctx.toHost(ctx.X);
    const given = ctx.extra.sampleWeight && weightsFor(X, ctx.extra.sampleWeight);
    const { mean, variance, std } = await drive(columnMeanVarSteps(X, given?.weights), ctx.signal);
    // core takes the scale from var; std counts only where var overflowed while the standard deviation did not.
    return { mean, var: variance, scale: std, nSamplesSeen: given ? given.total : X.rows };
  },

  async transform(ctx) {
    ctx.record.threads(1, ON_THIS_THREAD);
    return drive(affineSteps(await ctx.toHost(ctx.X), ctx, "forward"), ctx.signal);
  },

  async inverseTransform(ctx) {
    ctx.record.threads(1, ON_THIS_THREAD);
    return drive(affineSteps(await ctx.toHost(ctx.X), ctx, "inverse"), ctx.signal);
  },
};

/**
 * (x - mean) / scale, or its inverse x * scale + mean, honouring withMean / withStd; output in X's dtype. A step
 * that is off uses 0 or 1, which leaves values unchanged. scikit-learn applies the two steps one after the other in
 * place (`X -= mean_; X /= scale_`), so float32 data is rounded to float32 after each step, not only at the end.
 * Where that intermediate overflows although the result is representable (x and the mean far apart near the
 * dtype's limits), the result is computed in float64 on halved operands (exact at that size) instead of returning
 * scikit-learn's Infinity.
 */
function* affineSteps(
  X: Matrix,
  { params, model }: ModelContext<StandardScalerParamsResolved, StandardScalerModel>,
  direction: "forward" | "inverse",
): Steps<Matrix> {
  const { rows, cols, data } = X;
  const mean = params.withMean ? model.mean : new Float64Array(cols);
  const scale = params.withStd ? model.scale : new Float64Array(cols).fill(1);
  const round = X.dtype === "float32" ? Math.fround : (v: number) => v;
  const out = Matrix.zeros(rows, cols, X.dtype);
  const stride = Math.max(1, Math.floor(STEP_WORK / Math.max(1, cols)));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = data[i * cols + j];
      let y: number;
      if (direction === "forward") {
        const centred = round(x - mean[j]);
        y = Number.isFinite(centred) ? centred / scale[j] : (x * 0.5 - mean[j] * 0.5) / (scale[j] * 0.5);
      } else {
        const scaled = round(x * scale[j]);
        y = Number.isFinite(scaled) ? scaled + mean[j] : 2 * (x * (scale[j] * 0.5) + mean[j] * 0.5);
      }
      out.data[i * cols + j] = y;
    }
    if (i % stride === stride - 1) yield;
  }
  return out;
}
