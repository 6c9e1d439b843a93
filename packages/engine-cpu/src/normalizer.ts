/** Normalizer hooks of the CPU engine: each row divided by its l1, l2 or max norm, as scikit-learn's `normalize`. */
import { Matrix, type NormalizerHooks, type NormalizerNorm } from "@plugml/core";
import { drive } from "./cancel.js";
import { exponentOf, ldexp } from "./kernels/range.js";
import { STEP_WORK, type Steps } from "./kernels/steps.js";

/** Machine epsilon of float32 (numpy's `finfo(float32).eps`). */
const F32_EPS = 2 ** -23;

/** One pass over memory per row, bound by bandwidth like StandardScaler: no SIMD kernel, no workers. */
const ON_THIS_THREAD = "pure-TypeScript kernels on the calling thread (Normalizer is memory-bound and has no SIMD kernel)";

export const normalizerHooks: NormalizerHooks = {
  fit(ctx) {
    ctx.record.threads(1, ON_THIS_THREAD);
    return {};
  },

  async transform(ctx) {
    ctx.record.threads(1, ON_THIS_THREAD);
    return drive(normalizeSteps(await ctx.toHost(ctx.X), ctx.params.norm), ctx.signal);
  },
};

/** Sum of |x| (l1) or of x^2 (l2) over one row, each value first multiplied by `scale` (a power of two). */
function rowSum(data: Float32Array | Float64Array, start: number, cols: number, norm: "l1" | "l2", scale: number): number {
  let s = 0;
  if (norm === "l1") for (let j = start; j < start + cols; j++) s += Math.abs(data[j] * scale);
  else for (let j = start; j < start + cols; j++) s += (data[j] * scale) ** 2;
  return norm === "l1" ? s : Math.sqrt(s);
}

/**
 * scikit-learn's `normalize(X, norm)`: norms as `np.abs(X).sum(axis=1)`, `row_norms(X)` (the square root of the
 * summed squares) or `np.max(abs(X), axis=1)`, then `_handle_zeros_in_scale`: a norm below 10 x the dtype's epsilon
 * becomes 1, which leaves its row unchanged. Sums are formed in float64, so float32 rows cannot overflow; their
 * norm is rounded to float32 as scikit-learn's is (kept in float64 where float32 cannot hold it), and quotients
 * are rounded once to float32 (a float64 quotient of float32 operands rounds to the correctly rounded float32).
 *
 * float64 sums that overflow (values beyond ~1e154 for l2, near the maximum for l1) are recomputed on the row
 * scaled by a power of two, which is exact: the norm is unscaled back when it is representable, and otherwise the
 * row is divided by the norm with both scaled down by the same power, so every representable quotient comes out
 * right where numpy would divide by Infinity and return zeros.
 */
function* normalizeSteps(X: Matrix, norm: NormalizerNorm): Steps<Matrix> {
  const { rows, cols, data } = X;
  const f32 = X.dtype === "float32";
  const tiny = 10 * (f32 ? F32_EPS : Number.EPSILON);
  const out = Matrix.zeros(rows, cols, X.dtype);
  const stride = Math.max(1, Math.floor(STEP_WORK / Math.max(1, cols)));
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    let big = 0;
    for (let j = start; j < start + cols; j++) big = Math.max(big, Math.abs(data[j]));
    let n = norm === "max" ? big : rowSum(data, start, cols, norm, 1);
    // Quotients are x * 2^-shift / n: shift is 0 unless the norm itself overflows.
    let shift = 0;
    if (!Number.isFinite(n)) {
      const e = exponentOf(big);
      const scaled = rowSum(data, start, cols, norm as "l1" | "l2", 2 ** -e);
      n = ldexp(scaled, e);
      if (!Number.isFinite(n)) {
        shift = exponentOf(scaled) + e - 1022;
        n = ldexp(scaled, e - shift);
      }
    }
    const n32 = Math.fround(n);
    const divisor = f32 && Number.isFinite(n32) ? n32 : n;
    if (divisor < tiny) {
      out.data.set(data.subarray(start, start + cols), start);
    } else {
      for (let j = start; j < start + cols; j++) out.data[j] = (shift === 0 ? data[j] : ldexp(data[j], -shift)) / divisor;
    }
    if (i % stride === stride - 1) yield;
  }
  return out;
}
