/**
 * Initial cluster centers for KMeans, computed in core so that every engine starts from the same centers for the
 * same `randomState` and results agree across engines. Follows scikit-learn 1.2.1 (`_kmeans_plusplus`,
 * `_init_centroids`).
 */
import { ValidationError } from "../errors.js";
import { Matrix } from "../data/matrix.js";
import { checkMatrix, type InputWhere, type MatrixInput } from "../validation/input.js";
import { plural, wherePrefix } from "../validation/format.js";
import type { RandomState } from "../validation/random-state.js";
import { unitScale } from "../data/scaling.js";
import { throwIfAborted } from "./base.js";

/** How the initial centers are chosen; `"array"` stands for centers given explicitly. */
export type KMeansInitKind = "k-means++" | "random" | "array";

/**
 * Row indices of `X` chosen by greedy k-means++ (Arthur and Vassilvitskii, with scikit-learn's local trials): each
 * new center is the best, by resulting inertia, of `2 + floor(ln k)` candidates drawn with probability proportional
 * to the squared distance to the nearest center chosen so far. Sample weights are ignored, as in scikit-learn 1.2.
 *
 * Distances and sums are computed in float64 whatever X's dtype, on X scaled by a power of two (which changes no
 * choice) when its magnitudes would make squared distances overflow or underflow float64. Memory is O(n) beyond X.
 */
export function kmeansPlusPlusIndices(X: Matrix, nClusters: number, rng: RandomState): Int32Array {
  const steps = kmeansPlusPlusSteps(X, nClusters, rng);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link kmeansPlusPlusIndices} that yields to the event loop every few milliseconds and checks `signal` between
 * centers, so a long initialisation neither blocks timers nor outlives a cancel.
 */
export async function kmeansPlusPlusIndicesAsync(X: Matrix, nClusters: number, rng: RandomState, signal?: AbortSignal): Promise<Int32Array> {
  const steps = kmeansPlusPlusSteps(X, nClusters, rng);
  let since = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - since > YIELD_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      since = performance.now();
    }
    throwIfAborted(signal);
  }
}

/** Candidates k-means++ draws per center after the first: scikit-learn's `2 + int(ln k)` local trials. */
export function kmeansPlusPlusTrials(nClusters: number): number {
  return 2 + Math.floor(Math.log(nClusters));
}

/** Longest stretch of initialisation work between two yields to the event loop. */
const YIELD_MS = 10;

/** k-means++ as a generator that pauses after each center, so callers decide how to interleave it. */
function* kmeansPlusPlusSteps(X: Matrix, nClusters: number, rng: RandomState): Generator<void, Int32Array> {
  checkClusterCount(X, nClusters, "kmeansPlusPlus");
  const n = X.rows;
  const scale = kmeansPlusPlusScale(X.data);
  const nLocalTrials = kmeansPlusPlusTrials(nClusters);
  const indices = new Int32Array(nClusters);

  const first = rng.randInt(n);
  indices[0] = first;
  let closest = new Float64Array(n);
  let currentPot = distancesTo(X, first, closest, undefined, scale);

  const cumsum = new Float64Array(n);
  const randVals = new Float64Array(nLocalTrials);
  // Two scratch rows instead of nLocalTrials: a candidate's distances are kept only while it is the best so far.
  let best = new Float64Array(n);
  let trial = new Float64Array(n);

  for (let c = 1; c < nClusters; c++) {
    yield;
    // All draws come first, as in scikit-learn, so the stream consumed per center is fixed.
    for (let t = 0; t < nLocalTrials; t++) randVals[t] = rng.random() * currentPot;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cumsum[i] = acc;
    }
    let bestPot = Infinity;
    let bestId = -1;
    for (let t = 0; t < nLocalTrials; t++) {
      // Rounding can leave the draw above the last cumulative sum; numpy's searchsorted then returns n, clipped.
      const id = Math.min(searchSortedLeft(cumsum, randVals[t]), n - 1);
      const pot = distancesTo(X, id, trial, closest, scale);
      if (pot < bestPot) {
        bestPot = pot;
        bestId = id;
        const swap = best;
        best = trial;
        trial = swap;
      }
    }
    indices[c] = bestId;
    currentPot = bestPot;
    const swap = closest;
    closest = best;
    best = swap;
  }
  return indices;
}

/**
 * A power of two to multiply X by before squaring, or 1 when X's magnitudes are safe. Squared distances summed over
 * n rows stay finite and clear of underflow when the largest |x| is near 1; scaling by a power of two is exact, so
 * every comparison (and every draw, which scales with the potential) comes out as it would in exact arithmetic.
 */
export function kmeansPlusPlusScale(data: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
  if (max === 0 || (max < 2 ** 200 && max > 2 ** -200)) return 1;
  return unitScale(max);
}

/** Initial centers by greedy k-means++ (see {@link kmeansPlusPlusIndices}), with X's dtype. */
export function kmeansPlusPlus(X: Matrix, nClusters: number, rng: RandomState): Matrix {
  return takeRows(X, kmeansPlusPlusIndices(X, nClusters, rng));
}

/** {@link kmeansPlusPlus} that yields to the event loop and honours `signal` (see {@link kmeansPlusPlusIndicesAsync}). */
export async function kmeansPlusPlusAsync(X: Matrix, nClusters: number, rng: RandomState, signal?: AbortSignal): Promise<Matrix> {
  return takeRows(X, await kmeansPlusPlusIndicesAsync(X, nClusters, rng, signal));
}

/** scikit-learn's `init="random"`: the rows at the first `nClusters` positions of a random permutation. */
export function randomInit(X: Matrix, nClusters: number, rng: RandomState): Matrix {
  return takeRows(X, randomInitIndices(X.rows, nClusters, rng));
}

/** The row indices {@link randomInit} takes from `nSamples` rows: the first `nClusters` of a random permutation. */
export function randomInitIndices(nSamples: number, nClusters: number, rng: RandomState): Int32Array {
  checkClusterCount({ rows: nSamples }, nClusters, "randomInit");
  return rng.permutation(nSamples).slice(0, nClusters);
}

/**
 * The number of initialisations to run. `"auto"` follows scikit-learn 1.4: 10 for `"random"`, 1 for k-means++ and
 * explicit centers. Explicit centers always give 1, since every run would start from the same place (scikit-learn
 * warns and does the same).
 */
export function resolveNInit(nInit: "auto" | number, init: KMeansInitKind): number {
  if (init === "array") return 1;
  if (nInit === "auto") return init === "random" ? 10 : 1;
  return nInit;
}

/**
 * Validates explicit initial centers against the data: `nClusters` rows, X's feature count, finite values. Returns
 * a copy in X's dtype, so that the engines may update it in place without touching the user's array.
 *
 * @param where names the argument, e.g. `{ estimator: "KMeans.fit", argument: "init" }`.
 */
export function checkInitCenters(init: MatrixInput, nClusters: number, X: Pick<Matrix, "cols" | "dtype">, where: InputWhere): Matrix {
  const centers = checkMatrix(init, where);
  const prefix = wherePrefix(where);
  if (centers.rows !== nClusters) {
    throw new ValidationError(
      `${prefix}: ${where.argument} has ${plural(centers.rows, "center")} (rows), but nClusters=${nClusters}.`,
    );
  }
  if (centers.cols !== X.cols) {
    throw new ValidationError(
      `${prefix}: ${where.argument} has ${plural(centers.cols, "feature")}, but X has ${plural(X.cols, "feature")}.`,
    );
  }
  const data = X.dtype === "float32" ? Float32Array.from(centers.data) : Float64Array.from(centers.data);
  return new Matrix(data, centers.rows, centers.cols);
}

// Squared distances from row `id` to every row of X * scale into `out`, each capped by `cap` when given; returns
// their sum.
function distancesTo(X: Matrix, id: number, out: Float64Array, cap: Float64Array | undefined, scale: number): number {
  const { data, rows, cols } = X;
  const base = id * cols;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    let d = 0;
    for (let j = 0; j < cols; j++) {
      // Scaled before subtracting: the difference of two values near the float64 maximum can overflow.
      const diff = data[off + j] * scale - data[base + j] * scale;
      d += diff * diff;
    }
    if (cap !== undefined && cap[i] < d) d = cap[i];
    out[i] = d;
    sum += d;
  }
  return sum;
}

/** numpy's `searchsorted(a, v, side="left")`: the first index whose value is >= v, or a.length if none. */
export function searchSortedLeft(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows of `X` at `indices`, in that order, as a matrix of X's dtype. */
export function takeRows(X: Matrix, indices: Int32Array): Matrix {
  const cols = X.cols;
  const data = X.dtype === "float32" ? new Float32Array(indices.length * cols) : new Float64Array(indices.length * cols);
  for (let c = 0; c < indices.length; c++) data.set(X.row(indices[c]), c * cols);
  return new Matrix(data, indices.length, cols);
}

// These are internal entry points: the estimator has already checked nClusters against the data with a message
// naming the user's parameter, so this only guards against misuse by other code.
function checkClusterCount(X: Pick<Matrix, "rows">, nClusters: number, fn: string): void {
  if (!Number.isInteger(nClusters) || nClusters < 1 || nClusters > X.rows) {
    throw new ValidationError(
      `${fn}: nClusters must be an integer in [1, ${X.rows}] (the number of samples), got ${nClusters}.`,
    );
  }
}
