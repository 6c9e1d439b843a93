/**
 * Distances between two rows over the whole finite float64 range, for data that no single scaling fits (see
 * `rangeScale`): each pair is scaled by the power of two of its own largest difference, so that the sum of p-th
 * powers lies in [1, cols], and its result is carried as two keys that together order pairs exactly, even where the
 * distance itself overflows or is subnormal. About three times the cost of the plain formulas; only taken when
 * detection says it is needed.
 */
import type { FloatArray } from "@plugml/core";
import { exponentOf, ldexp } from "./range.js";

/** Power of two between the two keys of {@link wideDistance} and the distance. */
const KEY_SHIFT = 64;

/**
 * Writes the ordering keys of the distance between two rows to `keys`: `keys[0]` is the distance times 2^-64,
 * `keys[1]` the distance times 2^64. At least one of them is exact for any distance (the first unless the distance
 * is below 2^-958, the second unless it is above 2^960), so comparing the first and, on equality, the second orders
 * pairs as their exact distances do. `p` is 1 (manhattan), 2 (euclidean), Infinity (chebyshev) or any p > 1.
 */
export function wideDistance(p: number, a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, cols: number, keys: Float64Array): void {
  // Differences of values near the float64 maximum can overflow: the row is then halved (exact at that size;
  // values small enough to round when halved are negligible next to the overflowing ones).
  let half = 1;
  let max = 0;
  for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(a[aOffset + j] - b[bOffset + j]));
  if (max === Infinity) {
    half = 0.5;
    max = 0;
    for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(a[aOffset + j] * half - b[bOffset + j] * half));
  }
  if (max === 0) {
    keys[0] = keys[1] = 0;
    return;
  }
  const e = exponentOf(max);
  // 2^-e in two representable factors (e may be -1074).
  const s1 = 2 ** Math.min(-e, 1000);
  const s2 = 2 ** (-e - Math.min(-e, 1000));
  const top = max * s1 * s2; // in [1, 2)
  let r = top;
  if (p === 1 || p === 2) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const t = Math.abs(a[aOffset + j] * half - b[bOffset + j] * half) * s1 * s2;
      s += p === 1 ? t : t * t;
    }
    r = p === 1 ? s : Math.sqrt(s);
  } else if (p !== Infinity) {
    // Any other power: terms relative to the largest, in [0, 1], so that no p can overflow or underflow them all.
    let s = 0;
    for (let j = 0; j < cols; j++) s += (Math.abs(a[aOffset + j] * half - b[bOffset + j] * half) / max) ** p;
    r = s ** (1 / p) * top;
  }
  const n = e + (half === 1 ? 0 : 1);
  keys[0] = ldexp(r, n - KEY_SHIFT);
  keys[1] = ldexp(r, n + KEY_SHIFT);
}

/** The distance whose keys {@link wideDistance} wrote: Infinity beyond float64's range. */
export function wideToDistance(high: number, low: number): number {
  return Number.isFinite(low) ? low * 2 ** -KEY_SHIFT : high * 2 ** KEY_SHIFT;
}
