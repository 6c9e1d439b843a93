// Exact references for the extreme-range tests: every float64 (and float32) value is an integer multiple of
// 2^-1074, so sums, differences, products and integer powers of them are exact as BigInts in those units. Neighbour
// orders and distances are derived from these exact values, never from the code under test.
import type { Matrix } from "@plugml/core";

const bits = new DataView(new ArrayBuffer(8));

/** x * 2^1074, exactly. */
export function big(x: number): bigint {
  if (x === 0) return 0n;
  bits.setFloat64(0, x);
  const hi = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const magnitude = biased === 0 ? frac : ((1n << 52n) | frac) << BigInt(biased - 1);
  return x < 0 ? -magnitude : magnitude;
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** (v * 2^exponent)^(1 / power) as a float64 (0 or Infinity outside its range), from exact integers. */
export function fromBig(v: bigint, exponent: number, power = 1): number {
  if (v === 0n) return 0;
  const negative = v < 0n;
  const magnitude = negative ? -v : v;
  const shift = Math.max(0, bitLength(magnitude) - 62);
  const mantissa = Number(magnitude >> BigInt(shift));
  const e = shift + exponent;
  const q = Math.floor(e / power);
  let out = (mantissa * 2 ** (e - q * power)) ** (1 / power);
  // out * 2^q without intermediate overflow or underflow.
  let n = q;
  while (n > 1000) {
    out *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    out *= 2 ** -1000;
    n += 1000;
  }
  out *= 2 ** n;
  return negative ? -out : out;
}

/** A distance from an exact sum of p-th powers in units of 2^-(1074 p). */
export function rootOf(v: bigint, power: number): number {
  return fromBig(v, -1074 * power, power);
}

/** num / den (exact integers, den > 0) as a float64, to about 2^-60. */
export function ratio(num: bigint, den: bigint, exponent = 0): number {
  const shift = Math.max(0, 64 + bitLength(den) - bitLength(num < 0n ? -num : num));
  return fromBig((num << BigInt(shift)) / den, exponent - shift);
}

/** Exact reduced distance of two rows in units of 2^-(1074 p): the sum of |a - b|^p, or the maximum for p = Infinity. */
export function exactReduced(p: number, a: ArrayLike<number>, b: ArrayLike<number>): bigint {
  let s = 0n;
  for (let j = 0; j < a.length; j++) {
    const d = abs(big(a[j]) - big(b[j]));
    if (p === Infinity) s = d > s ? d : s;
    else s += d ** BigInt(p);
  }
  return s;
}

/** The exact distance of two rows as a float64 (Infinity beyond its range). */
export function exactDistance(p: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  return rootOf(exactReduced(p, a, b), p === Infinity ? 1 : p);
}

/** Whether two exact reduced distances agree to a relative 1e-12 (near-ties may be listed in either order). */
export function closeBig(a: bigint, b: bigint): boolean {
  return abs(a - b) * 10n ** 12n <= (a > b ? a : b);
}

function row(X: Matrix, i: number): ArrayLike<number> {
  return X.data.subarray(i * X.cols, (i + 1) * X.cols);
}

/**
 * Checks a k-nearest result against exact arithmetic: every index is a training row, each query's neighbours are
 * distinct, and the exact distance of the j-th returned neighbour equals the j-th smallest exact distance (to a
 * relative 1e-12, so near-ties may come in either order); each returned distance is that exact distance rounded to
 * `dtype` (Infinity beyond its range), to `rtol`.
 */
export function checkNeighbors(
  result: { indices: Int32Array; distances: ArrayLike<number> },
  queries: Matrix,
  train: Matrix,
  k: number,
  p: number,
  options: { skipSelf?: boolean; rtol: number; max: number },
): void {
  for (let q = 0; q < queries.rows; q++) {
    const exact = Array.from({ length: train.rows }, (_, t) => ({ t, s: exactReduced(p, row(queries, q), row(train, t)) }));
    exact.sort((x, y) => (x.s < y.s ? -1 : x.s > y.s ? 1 : x.t - y.t));
    let expected = exact;
    if (options.skipSelf) {
      const self = exact.slice(0, k + 1).findIndex((e) => e.t === q);
      expected = exact.filter((_, i) => i !== (self < 0 ? 0 : self));
    }
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      const index = result.indices[q * k + j];
      if (!(index >= 0 && index < train.rows) || seen.has(index)) throw new Error(`query ${q}: bad or repeated index ${index} at ${j}`);
      seen.add(index);
      const s = exactReduced(p, row(queries, q), row(train, index));
      if (!closeBig(s, expected[j].s)) {
        throw new Error(`query ${q}, neighbour ${j}: got row ${index}, expected row ${expected[j].t} (exact distances ${rootOf(s, p === Infinity ? 1 : p)} and ${rootOf(expected[j].s, p === Infinity ? 1 : p)})`);
      }
      checkValue(result.distances[q * k + j], rootOf(s, p === Infinity ? 1 : p), options.rtol, options.max, `query ${q}, neighbour ${j}`);
    }
  }
}

/** actual = expected to `rtol`, where expected beyond `max` (the dtype's largest finite value) must be Infinity. */
export function checkValue(actual: number, expected: number, rtol: number, max: number, where: string): void {
  const limit = Math.abs(expected);
  if (limit > max * (1 + 4 * rtol)) {
    if (actual !== Infinity * Math.sign(expected)) throw new Error(`${where}: expected Infinity (exact ${expected}), got ${actual}`);
    return;
  }
  if (limit >= max * (1 - 4 * rtol) && Math.abs(actual) === Infinity) return;
  // Subnormal results carry less precision: an absolute floor of a few units of the smallest subnormal.
  const floor = max > 1e300 ? 2 ** -1070 : 2 ** -146;
  if (!(Math.abs(actual - expected) <= rtol * limit + floor)) throw new Error(`${where}: expected ${expected}, got ${actual} (rtol ${rtol})`);
}
