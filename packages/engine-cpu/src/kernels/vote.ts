import type { FloatArray } from "@plugml/core";
import { exponentOf, ldexp } from "./range.js";

/** How neighbours are weighted, as scikit-learn's `weights` parameter. */
export type NeighborWeights = "uniform" | "distance";

/**
 * Writes the weights of one query's `k` neighbours into `out`, as scikit-learn's `_get_weights`: 1 for uniform;
 * 1/d for distance, except that when some 1/d is infinite (a neighbour at distance 0) those neighbours get 1 and the
 * others 0. 1/d is taken in float64 for float32 distances too, since scikit-learn's brute-force search returns
 * float64 distances for float32 data (cosine aside).
 *
 * Only the weights' ratios matter (votes and averages are normalised by their sum), so the distances are first
 * divided by the power of two of the smallest: a subnormal distance then has a finite weight in the right ratio to
 * the others, where 1/d itself would overflow. A distance beyond the dtype's range (Infinity) weighs 0; when all are,
 * they weigh alike, having nothing finite to compare.
 */
function neighborWeights(
  distances: FloatArray,
  offset: number,
  k: number,
  weights: NeighborWeights,
  out: Float64Array,
): void {
  if (weights === "uniform") {
    out.fill(1);
    return;
  }
  let nearest = Infinity;
  for (let j = 0; j < k; j++) nearest = Math.min(nearest, distances[offset + j]);
  if (nearest === 0) {
    for (let j = 0; j < k; j++) out[j] = distances[offset + j] === 0 ? 1 : 0;
    return;
  }
  if (nearest === Infinity) {
    out.fill(1);
    return;
  }
  const e = exponentOf(nearest);
  for (let j = 0; j < k; j++) out[j] = 1 / ldexp(distances[offset + j], -e);
}

/**
 * Class probabilities of each query from its `k` neighbours, as scikit-learn's `KNeighborsClassifier.predict_proba`:
 * each neighbour adds its weight (see {@link NeighborWeights}) to its class, and each row is divided by its sum
 * (left as is when that sum is 0).
 *
 * @param indices flat `nQuery * k` train indices, as returned by `kNearest`.
 * @param distances the matching distances (unused for uniform weights).
 * @param yEncoded class index in [0, nClasses) of every train row.
 * @returns flat `nQuery * nClasses` probabilities.
 */
export function classVotes(
  indices: Int32Array,
  distances: FloatArray,
  k: number,
  yEncoded: Int32Array,
  nClasses: number,
  weights: NeighborWeights,
): Float64Array {
  const nQuery = indices.length / k;
  const proba = new Float64Array(nQuery * nClasses);
  const w = new Float64Array(k);
  for (let q = 0; q < nQuery; q++) {
    neighborWeights(distances, q * k, k, weights, w);
    const row = q * nClasses;
    for (let j = 0; j < k; j++) proba[row + yEncoded[indices[q * k + j]]] += w[j];
    let total = 0;
    for (let c = 0; c < nClasses; c++) total += proba[row + c];
    if (total === 0) continue;
    for (let c = 0; c < nClasses; c++) proba[row + c] /= total;
  }
  return proba;
}

/** Index of the largest value in each row of a flat `rows * nClasses` array; the first maximum wins (numpy argmax). */
export function argmaxRows(proba: Float64Array, nClasses: number): Int32Array {
  const rows = proba.length / nClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (proba[r * nClasses + c] > proba[r * nClasses + best]) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Regression prediction of each query from its `k` neighbours, as scikit-learn's `KNeighborsRegressor.predict`:
 * the mean of their targets (uniform), or the mean weighted by 1/distance with the same zero-distance rule as
 * {@link classVotes}.
 *
 * @returns one prediction per query.
 */
export function regressionMean(
  indices: Int32Array,
  distances: FloatArray,
  k: number,
  y: Float64Array,
  weights: NeighborWeights,
): Float64Array {
  const nQuery = indices.length / k;
  const out = new Float64Array(nQuery);
  const w = new Float64Array(k);
  for (let q = 0; q < nQuery; q++) {
    if (weights === "uniform") {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += y[indices[q * k + j]];
      out[q] = sum / k;
      continue;
    }
    neighborWeights(distances, q * k, k, weights, w);
    let num = 0;
    let denom = 0;
    for (let j = 0; j < k; j++) {
      num += y[indices[q * k + j]] * w[j];
      denom += w[j];
    }
    out[q] = num / denom;
  }
  return out;
}
