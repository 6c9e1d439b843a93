/**
 * The k-nearest filter's thresholds: for each query, the value above which the float32 filter's approximate
 * distance proves that a training row cannot enter the query's heap. The kernel refreshes a query's threshold to
 * `(M - qOffset) * rel + qBound` (rounded to float32) whenever its heap is full, M being the heap's largest exact
 * distance, and skips a row whose approximate value is not below it. Soundness needs, for every row t,
 *
 *     exact(t) <= M  implies  approx(t) < fl32((M - qOffset) * rel + qBound),
 *
 * so each bound below covers, with a factor 2 to spare: the rounding of the exact-unit rows (float64, or float32
 * data) to float32 after the power of two `fs` (relative u = 2^-24 per value, or an absolute 2^-150 where it
 * underflows), the float32 arithmetic of the filter, the float64 rounding of the exact distance itself, and the
 * rounding of the threshold to float32. Absolute errors from underflow are covered by `tiny`.
 */
import type { FloatArray } from "@plugml/core";
import type { KernelMetric } from "../wasm/kernels.js";

/** float32's unit roundoff. */
const U = 2 ** -24;

/** How filter units relate to exact units: filter values are computed on the exact-unit rows times `fs`. */
export interface FilterUnits {
  fs: number;
}

/** Per-row sizes a metric's bound is made of. */
export interface RowStats {
  /** Squared euclidean norms, in float64 (the euclidean filter's norms and offsets); zeros for other metrics. */
  sq: Float64Array;
  /** Each row's size in the norm its metric's error scales with: L2 (euclidean, cosine), L1 (manhattan), L-infinity (chebyshev). */
  size: Float64Array;
  /** The largest {@link size}. */
  max: number;
}

/** {@link RowStats} of `rows` rows of `data` (exact units), for `metric`. */
export function rowStats(metric: KernelMetric, data: FloatArray, rows: number, cols: number): RowStats {
  const sq = new Float64Array(rows);
  const size = new Float64Array(rows);
  let max = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const base = i * cols;
    // The float64 sums' own rounding (at most cols * 2^-53 relative) is far inside the bounds' factor 2.
    if (metric === "manhattan") for (let f = 0; f < cols; f++) s += Math.abs(data[base + f]);
    else if (metric === "chebyshev") for (let f = 0; f < cols; f++) s = Math.max(s, Math.abs(data[base + f]));
    else {
      for (let f = 0; f < cols; f++) s += data[base + f] * data[base + f];
      sq[i] = s;
      s = Math.sqrt(s);
    }
    size[i] = s;
    max = Math.max(max, size[i]);
  }
  return { sq, size, max };
}

/**
 * Fills each query's `offset` and `bound` (filter units) and returns `rel`, for `metric` on `d` features.
 *
 * - euclidean: the filter is `||t||^2 - 2 q.t` with norms rounded to float32; a row can enter only if that is at
 *   most `M - ||q||^2` exactly. Its error is at most `(2d + 4) u ||q|| ||t|| + 2 u (||t||^2 + ||q||^2)` for float32
 *   rows, plus `4.01 u ||q|| ||t||` for rounding the rows to float32; the bound doubles that, plus the threshold's
 *   rounding (`u` times a value below `||t||^2 + ||q||^2 + ...`).
 * - cosine: the filter is `-2 q.t` of the normalised rows rounded to float32 (norms 0); the exact distance is
 *   `min(max(1 - fl64(q.t), 0), 2) <= M < 2` only if `-2 q.t <= 2 (M - 1) + 8 u64` (and for M = 2 the filter is at
 *   most `2 ||q|| ||t||`, unit norms up to their float64 rounding). The filter's error is at most
 *   `2 (2 u + (d + 1) u) ||q|| ||t||` (rows' rounding, float32 dot), the float64 dot's `2 d u64 ||q|| ||t||`; the
 *   threshold, of magnitude at most 2 + bound, rounds by `u (2 + bound)`: `4 (d + 4) u ||q|| ||t|| + 8 u` covers all.
 * - manhattan: each `|q_j - t_j|` rounded to float32 is off by at most `u (|q_j| + |t_j|)` plus its own rounding,
 *   the sum by `(d + 1) u` relative: `rel = (1 + 2 (2d + 4) u) fs`, `bound = 4 u fs (||q||_1 + max ||t||_1)`.
 * - chebyshev: the maximum is exact, each term off as for manhattan: `rel = (1 + 4 u) fs`,
 *   `bound = 4 u fs (||q||_inf + max ||t||_inf)`.
 */
export function filterBounds(
  metric: KernelMetric,
  d: number,
  units: FilterUnits,
  train: RowStats,
  queries: RowStats,
  offset: Float64Array,
  bound: Float64Array,
): number {
  const { fs } = units;
  // Underflowed products and differences: at most 2^-149 each, times values below 2^41 in filter units.
  const tiny = (d + 1) * 2 ** -90;
  const maxT = train.max * fs;
  for (let q = 0; q < offset.length; q++) {
    const nq = queries.size[q] * fs;
    switch (metric) {
      case "euclidean":
        offset[q] = queries.sq[q];
        bound[q] = 2 * ((2 * d + 10) * U * nq * maxT + 4 * U * (maxT * maxT + nq * nq)) + tiny;
        break;
      case "cosine":
        offset[q] = 1;
        bound[q] = 4 * (d + 4) * U * nq * maxT + 8 * U + tiny;
        break;
      default:
        offset[q] = 0;
        bound[q] = 4 * U * (nq + maxT) + tiny;
    }
  }
  switch (metric) {
    case "euclidean":
      return fs * fs;
    case "cosine":
      return 2;
    case "manhattan":
      return (1 + 2 * (2 * d + 4) * U) * fs;
    case "chebyshev":
      return (1 + 4 * U) * fs;
  }
}
