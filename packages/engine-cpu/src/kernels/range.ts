/**
 * Keeping float64 arithmetic in range: the magnitudes of the data, and the power-of-two scaling under which a
 * distance formula can neither overflow nor lose its small terms to underflow. Scaling by a power of two is exact
 * (no rounding) as long as no value leaves the normal range, and every formula the kernels use (sums, differences,
 * squares, p-th powers, quotients) commutes with it, so a computation on scaled data followed by unscaling its
 * result gives what the same float64 computation would give with an unbounded exponent.
 */
import { Matrix, type FloatArray } from "@plugml/core";

const bits = new DataView(new ArrayBuffer(8));

/** `floor(log2(|x|))` of a finite nonzero `x`, exactly, subnormals included. */
export function exponentOf(x: number): number {
  bits.setFloat64(0, x);
  const biased = (bits.getUint16(0) & 0x7ff0) >> 4;
  // A subnormal is scaled into the normal range first (exact).
  return biased > 0 ? biased - 1023 : exponentOf(x * 2 ** 64) - 64;
}

/**
 * `x * 2^n`, rounded once as the exact product would be (C's `scalbn`, after musl): the power is applied in steps
 * that stay representable, so `n` may lie outside the range of a float64 exponent.
 */
export function ldexp(x: number, n: number): number {
  if (n > 1023) {
    x *= 2 ** 1023;
    n -= 1023;
    if (n > 1023) {
      x *= 2 ** 1023;
      n = Math.min(n - 1023, 1023);
    }
  } else if (n < -1022) {
    // Steps of 2^-969 keep x normal until the last one, so only the final product rounds.
    x *= 2 ** -969;
    n += 969;
    if (n < -1022) {
      x *= 2 ** -969;
      n = Math.max(n + 969, -1022);
    }
  }
  return x * 2 ** n;
}

/** Largest and smallest nonzero absolute value of some data (both 0 when all of it is zero). */
export interface Magnitudes {
  max: number;
  minNonzero: number;
}

/** {@link Magnitudes} of every value of `arrays`. */
export function magnitudes(...arrays: ArrayLike<number>[]): Magnitudes {
  let max = 0;
  let min = Infinity;
  for (const data of arrays) {
    for (let i = 0; i < data.length; i++) {
      const v = Math.abs(data[i]);
      if (v > max) max = v;
      if (v < min && v > 0) min = v;
    }
  }
  return { max, minNonzero: max === 0 ? 0 : min };
}

/** log2 of the largest sum a scaled formula may reach; the headroom to 2^1024 absorbs rounding. */
const SUM_LIMIT = 1000;
/** Largest |exponent| of a scaling, so that 2^k and 2^-k are both representable. */
const MAX_SHIFT = 1000;

/**
 * The exponent k such that the float64 sums of `terms` p-th powers of differences of the data scaled by 2^k,
 * `sum |a_j - b_j|^p` (p = 1, 2, any p > 1 for minkowski, Infinity for the maximum), neither overflow nor lose a
 * nonzero term to underflow: 0 when the data needs no scaling, undefined when no single scaling fits (float64 data
 * spanning more magnitudes than the formula's range, such as 1e300 with 1e-300 in a squared distance).
 *
 * Bounds used: every difference is at most 2 max in magnitude, and a nonzero one at least 2^-53 minNonzero (both
 * values are multiples of the smaller one's unit in the last place). For p = 1 and Infinity nothing underflows, but
 * scaling down must keep every value normal, so that it stays exact.
 */
export function rangeScale(range: Magnitudes, p: number, terms: number): number | undefined {
  if (range.max === 0) return 0;
  const top = exponentOf(range.max) + 1; // max < 2^top
  const bottom = exponentOf(range.minNonzero); // minNonzero >= 2^bottom
  let high: number;
  let low: number;
  if (p === Infinity) {
    high = 1022 - top;
    low = Math.min(0, -1022 - bottom);
  } else {
    high = Math.floor((SUM_LIMIT - Math.log2(terms)) / p) - top - 1;
    low = p === 1 ? Math.min(0, -1022 - bottom) : Math.ceil(-SUM_LIMIT / p) + 53 - bottom;
  }
  high = Math.min(high, MAX_SHIFT);
  low = Math.max(low, -MAX_SHIFT);
  if (low > high) return undefined;
  if (low <= 0 && 0 <= high) return 0;
  // The middle of the window leaves the most room on both sides.
  return Math.floor((low + high) / 2);
}

/** `data * 2^k` into a new float64 array (exact when {@link rangeScale} chose k). */
export function scaledData(data: FloatArray, k: number): Float64Array {
  const out = new Float64Array(data.length);
  const factor = 2 ** k;
  for (let i = 0; i < data.length; i++) out[i] = data[i] * factor;
  return out;
}

/** `X * 2^k` as a float64 matrix; `X` itself when k is 0. */
export function scaledMatrix(X: Matrix, k: number): Matrix {
  return k === 0 ? X : Matrix.from(scaledData(X.data, k), X.rows, X.cols);
}
