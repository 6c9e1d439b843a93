/**
 * KMeans' tolerance statistic on the fast path: the mean over columns of the columns' population variances
 * (numpy's `np.var(X, axis=0).mean()`), computed as the pure-TypeScript `meanFeatureVariance` computes it (each
 * column scaled by the power of two of its largest magnitude, two-pass deviations from the mean, float64 sums in
 * row order), so that both paths get the same tolerance bit for bit, by one kernel per pass over X in kernel memory.
 */
import type { Matrix } from "@plugml/core";
import { exponentOf, ldexp } from "../kernels/range.js";
import { kernelArgs } from "../wasm/kernels.js";
import { COLUMN_STATS_PARAMS, columnStatsName } from "../wasm/stats-kernels.js";
import type { KernelRuntime } from "./runtime.js";

/** (a / b) * 2^n, rounded once, as `meanFeatureVariance` divides (b brought to [1, 2) first). */
function quotient(a: number, b: number, n: number): number {
  const e = exponentOf(b);
  return ldexp(a / ldexp(b, -e), n - e);
}

/**
 * The mean of the population variances of the columns of `X`, equal to `meanFeatureVariance(X)`. Aborting
 * `signal` stops it between passes, rejecting with core's `AbortError`.
 */
export function fastMeanFeatureVariance(runtime: KernelRuntime, X: Matrix, signal?: AbortSignal): Promise<number> {
  return runtime.exclusive(async (arena, run) => {
    const { rows: n, cols: d, data } = X;
    const at = {
      xRows: arena.alloc(data.byteLength),
      factors: arena.alloc(d * 8),
      mean: arena.alloc(d * 8),
      acc: arena.alloc(d * 8),
      squares: arena.alloc(d * 8),
    };
    arena.floats(data, at.xRows, n * d).set(data);
    const [factors, mean, acc, squares] = [at.factors, at.mean, at.acc, at.squares].map((address) => arena.f64(address, d).fill(0));
    const pass = (index: number) => run(columnStatsName(X.dtype), 1, kernelArgs(COLUMN_STATS_PARAMS, { ...at, n, d, pass: index }));
    await pass(0);
    const shifts = Int32Array.from(acc, (m) => (m === 0 ? 0 : Math.min(1000, Math.max(-1000, -exponentOf(m)))));
    shifts.forEach((s, j) => (factors[j] = 2 ** s));
    acc.fill(0);
    await pass(1);
    // Every row weighs 1: the total weight is the row count, exactly.
    acc.forEach((v, j) => (mean[j] = v / n));
    acc.fill(0);
    await pass(2);
    const variances = Array.from(squares, (q, j) => quotient(q, n, -2 * shifts[j]));
    const sum = variances.reduce((s, v) => s + v, 0);
    // Variances near the float64 maximum: their mean is representable even where their sum is not.
    return Number.isFinite(sum) ? sum / d : variances.reduce((s, v) => s + v / d, 0);
  }, signal);
}
