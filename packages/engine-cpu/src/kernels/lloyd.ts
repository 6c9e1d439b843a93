import { Matrix } from "@plugml/core";
import { assignNearestSteps } from "./argmin.js";
import { squaredEuclidean } from "./metrics.js";
import { exponentOf, ldexp } from "./range.js";
import { assertSameCols } from "./shape.js";
import { STEP_WORK, drain, type Steps } from "./steps.js";

/** What {@link lloyd} reports after each iteration. */
export interface LloydIterationInfo {
  /** 1-based iteration number. */
  iteration: number;
  /** Sum over clusters of the squared distance each center moved in this iteration. */
  centerShift: number;
  /** Whether the labels stopped changing or the shift fell to the tolerance. */
  converged: boolean;
}

/** Result of {@link lloyd}. */
export interface LloydResult {
  centers: Matrix;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

/** What {@link lloydSteps} ends with: a result but for the inertia, which each path computes on its own kernels. */
export type LloydRun = Omit<LloydResult, "inertia">;

/** Per-cluster float64 weighted sums of the rows (k x cols, row-major) and total weights, from an assignment pass. */
export interface ClusterSums {
  sums: Float64Array;
  weights: Float64Array;
}

/** Rows per partial sum, as scikit-learn's `CHUNK_SIZE` in `_k_means_lloyd.pyx`. */
const SUM_CHUNK_ROWS = 256;
/** Most partial sums per pass (so that adding them up stays cheap next to the pass itself). */
const MAX_SUM_CHUNKS = 128;
/** Bytes the partial sums of one pass may take, unless a single chunk's need more. */
const PARTIAL_SUMS_BYTES = 16 * 1024 * 1024;

/**
 * Rows of each chunk whose {@link ClusterSums} an assignment pass accumulates separately before adding the chunks'
 * sums up in chunk order: a multiple of 256 that depends only on the shape, never on the number of threads, so the
 * fast path (which fills one partial per chunk, on whichever thread) and the pure-TypeScript kernels add every
 * float64 sum in the same order and return the same centers.
 */
export function sumChunkRows(rows: number, k: number, cols: number): number {
  const maxChunks = Math.min(MAX_SUM_CHUNKS, Math.max(1, Math.floor(PARTIAL_SUMS_BYTES / (k * (cols + 1) * 8))));
  return SUM_CHUNK_ROWS * Math.max(1, Math.ceil(rows / (SUM_CHUNK_ROWS * maxChunks)));
}

/** Adds `partial` into `total`, element by element. */
function addInto(total: Float64Array, partial: Float64Array): void {
  for (let i = 0; i < total.length; i++) total[i] += partial[i];
}

/**
 * Lloyd's assignment pass on the pure-TypeScript kernels: writes every row's nearest center (exact distances) into
 * `labels` and, with `accumulate`, returns the clusters' float64 {@link ClusterSums}: rows added in order within
 * each chunk of `sumChunkRows`, chunks added in order.
 */
export function assignAndSum(X: Matrix, sampleWeight: Float64Array, centers: Matrix, labels: Int32Array, accumulate: boolean): ClusterSums | undefined {
  return drain(assignAndSumSteps(X, sampleWeight, centers, labels, accumulate));
}

/** {@link assignAndSum} as a step generator (see `Steps`). */
export function* assignAndSumSteps(X: Matrix, sampleWeight: Float64Array, centers: Matrix, labels: Int32Array, accumulate: boolean): Steps<ClusterSums | undefined> {
  yield* assignNearestSteps(X, centers, labels);
  if (!accumulate) return undefined;
  const { rows, cols } = X;
  const x = X.data;
  const k = centers.rows;
  const total = { sums: new Float64Array(k * cols), weights: new Float64Array(k) };
  const partial = { sums: new Float64Array(k * cols), weights: new Float64Array(k) };
  const chunkRows = sumChunkRows(rows, k, cols);
  for (let start = 0; start < rows; start += chunkRows) {
    partial.sums.fill(0);
    partial.weights.fill(0);
    for (let i = start; i < Math.min(rows, start + chunkRows); i++) {
      const w = sampleWeight[i];
      const row = labels[i] * cols;
      partial.weights[labels[i]] += w;
      for (let f = 0; f < cols; f++) partial.sums[row + f] += x[i * cols + f] * w;
    }
    // Sums that start from +0 are never -0, so the first chunk's partial passes through 0 + p unchanged.
    addInto(total.sums, partial.sums);
    addInto(total.weights, partial.weights);
    yield;
  }
  return total;
}

/**
 * Second half of a Lloyd iteration, as scikit-learn 1.2's `lloyd_iter_chunked_dense`: from the sums of an
 * assignment pass, relocates empty clusters (see `relocateEmptyClusters`), then computes the weighted means
 * and the total squared shift from `centers`. `sums` and `weights` are consumed.
 */
export function updateCenters(
  X: Matrix,
  sampleWeight: Float64Array,
  centers: Matrix,
  labels: Int32Array,
  { sums, weights }: ClusterSums,
): { centersNew: Matrix; centerShiftTot: number } {
  relocateEmptyClusters(X, sampleWeight, centers, labels, sums, weights);
  const cols = X.cols;
  const k = centers.rows;
  const centersNew = Matrix.zeros(k, cols, X.dtype);
  const out = centersNew.data;
  for (let j = 0; j < k; j++) {
    // scikit-learn's _average_centers multiplies by the reciprocal, and leaves a cluster that is still empty (or
    // whose weight a relocation used up) at its raw sum.
    const alpha = weights[j] > 0 ? 1 / weights[j] : 1;
    for (let f = 0; f < cols; f++) out[j * cols + f] = sums[j * cols + f] * alpha;
  }

  let centerShiftTot = 0;
  for (let j = 0; j < k; j++) {
    // Squaring the square root reproduces scikit-learn's rounding: it stores per-cluster euclidean shifts.
    const shift = Math.sqrt(squaredEuclidean(out, j * cols, centers.data, j * cols, cols));
    centerShiftTot += shift * shift;
  }
  return { centersNew, centerShiftTot };
}

/**
 * One Lloyd iteration on the pure-TypeScript kernels: assigns every row of `X` to its nearest center (written into
 * `labels`) and, when `updateCenters`, computes the new centers with {@link updateCenters}.
 *
 * @returns the new centers (dtype of `X`) and the sum over clusters of their squared shift; without
 *   `updateCenters`, `centers` itself and a shift of 0.
 */
export function lloydIteration(
  X: Matrix,
  sampleWeight: Float64Array,
  centers: Matrix,
  labels: Int32Array,
  update: boolean,
): { centersNew: Matrix; centerShiftTot: number } {
  const sums = assignAndSum(X, sampleWeight, centers, labels, update);
  if (!sums) return { centersNew: centers, centerShiftTot: 0 };
  return updateCenters(X, sampleWeight, centers, labels, sums);
}

/**
 * scikit-learn 1.2's `_relocate_empty_clusters_dense`, on float64 weighted sums: each cluster with total weight 0
 * takes one of the points farthest from their assigned (old) center, farthest first, ties to the lower row index.
 * The point moves its weighted value from its cluster's sum to the empty cluster's; `labels` are left unchanged.
 * Version 1.2.1 relocates even when every point sits on its center (later versions skip that case).
 * scikit-learn picks the points with `argpartition`, whose order is only fixed for at most two empty clusters and
 * no ties; a full sort gives the same order there and a deterministic one elsewhere.
 *
 * The squared distances of the rows to their (old) centers are only needed then, so they are computed here.
 */
function relocateEmptyClusters(
  X: Matrix,
  sampleWeight: Float64Array,
  centers: Matrix,
  labels: Int32Array,
  sums: Float64Array,
  weights: Float64Array,
): void {
  const empty: number[] = [];
  for (let j = 0; j < weights.length; j++) if (weights[j] === 0) empty.push(j);
  if (empty.length === 0) return;

  const sqDistances = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) sqDistances[i] = squaredEuclidean(X.data, i * X.cols, centers.data, labels[i] * X.cols, X.cols);

  const order = Int32Array.from({ length: X.rows }, (_, i) => i);
  order.sort((a, b) => sqDistances[b] - sqDistances[a] || a - b);
  const cols = X.cols;
  const x = X.data;
  for (let e = 0; e < empty.length && e < order.length; e++) {
    const target = empty[e];
    const far = order[e];
    const w = sampleWeight[far];
    const source = labels[far];
    for (let f = 0; f < cols; f++) {
      const value = x[far * cols + f] * w;
      sums[source * cols + f] -= value;
      sums[target * cols + f] = value;
    }
    weights[target] = w;
    weights[source] -= w;
  }
}

/** Weighted sum of squared euclidean distances of the rows of `X` to their assigned centers (KMeans' inertia). */
export function inertia(X: Matrix, sampleWeight: Float64Array, centers: Matrix, labels: Int32Array): number {
  return drain(inertiaSteps(X, sampleWeight, centers, labels));
}

/** {@link inertia} as a step generator (see `Steps`). */
export function* inertiaSteps(X: Matrix, sampleWeight: Float64Array, centers: Matrix, labels: Int32Array): Steps<number> {
  assertSameCols(X, centers, "inertia");
  let total = 0;
  let work = 0;
  for (let i = 0; i < X.rows; i++) {
    total += squaredEuclidean(X.data, i * X.cols, centers.data, labels[i] * X.cols, X.cols) * sampleWeight[i];
    if ((work += X.cols) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
  return total;
}

/**
 * Inertia from each row's euclidean distance to its center (not squared), for distances whose squares may leave
 * float64's range (see `wideAssignSteps`): the squares are summed relative to the largest distance and the weights
 * relative to the largest weight, both powers of two, so that only a true inertia beyond float64 is Infinity.
 */
export function inertiaOfDistances(distances: Float64Array, sampleWeight: Float64Array): number {
  let top = 0;
  let heaviest = 0;
  for (let i = 0; i < distances.length; i++) {
    if (sampleWeight[i] > 0) top = Math.max(top, distances[i]);
    heaviest = Math.max(heaviest, sampleWeight[i]);
  }
  if (top === 0) return 0;
  if (top === Infinity) return Infinity;
  const e = exponentOf(top);
  const ew = exponentOf(heaviest);
  let total = 0;
  for (let i = 0; i < distances.length; i++) {
    if (sampleWeight[i] > 0) total += ldexp(sampleWeight[i], -ew) * ldexp(distances[i], -e) ** 2;
  }
  return ldexp(total, 2 * e + ew);
}

function sameLabels(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Arguments of {@link lloyd}, shared by the pure-TypeScript and the fast path. */
export interface LloydArgs {
  X: Matrix;
  sampleWeight: Float64Array;
  initCenters: Matrix;
  maxIter: number;
  /** Absolute tolerance: KMeans' `tol` times {@link meanFeatureVariance} of `X`. */
  tolAbs: number;
  onIteration: (info: LloydIterationInfo) => "stop" | "continue";
}

/**
 * Lloyd's algorithm as a generator that yields each assignment pass it needs (centers, labels to fill, whether to
 * accumulate sums) and receives that pass's {@link ClusterSums}: the loop is written once and driven synchronously
 * by {@link lloyd} or asynchronously by the fast path.
 */
export function* lloydSteps(args: LloydArgs): Generator<{ centers: Matrix; labels: Int32Array; accumulate: boolean }, LloydRun, ClusterSums | undefined> {
  const { X, sampleWeight, initCenters, maxIter, tolAbs, onIteration } = args;
  if (!(maxIter >= 1)) throw new RangeError(`lloyd: maxIter must be at least 1, got ${maxIter}.`);
  const labels = new Int32Array(X.rows).fill(-1);
  const labelsOld = new Int32Array(X.rows).fill(-1);
  let centers = initCenters;
  let strictConvergence = false;
  let nIter = 0;
  while (nIter < maxIter) {
    const sums = yield { centers, labels, accumulate: true };
    const { centersNew, centerShiftTot } = updateCenters(X, sampleWeight, centers, labels, sums!);
    centers = centersNew;
    nIter++;
    strictConvergence = sameLabels(labels, labelsOld);
    const converged = strictConvergence || centerShiftTot <= tolAbs;
    const action = onIteration({ iteration: nIter, centerShift: centerShiftTot, converged });
    if (converged || action === "stop") break;
    labelsOld.set(labels);
  }
  if (!strictConvergence) yield { centers, labels, accumulate: false };
  // The inertia (of the final labels against the final centers, in row order) is the caller's: see LloydRun.
  return { centers, labels, nIter };
}

/**
 * Lloyd's algorithm from given initial centers, as scikit-learn 1.2.1's `_kmeans_single_lloyd`, on the
 * pure-TypeScript kernels. It stops when the labels repeat (strict convergence), when the total squared center
 * shift is at most `tolAbs`, after `maxIter` iterations, or when `onIteration` (called once per iteration, after
 * the convergence test) returns `"stop"`. Unless the labels converged strictly, they are then reassigned to the
 * final centers so that they match them.
 *
 * @param tolAbs absolute tolerance: KMeans' `tol` times {@link meanFeatureVariance} of `X`.
 * @returns centers (dtype of `X`), labels, inertia and the number of iterations run.
 * @throws RangeError when `maxIter` < 1.
 */
export function lloyd(
  X: Matrix,
  sampleWeight: Float64Array,
  initCenters: Matrix,
  maxIter: number,
  tolAbs: number,
  onIteration: (info: LloydIterationInfo) => "stop" | "continue",
): LloydResult {
  const steps = lloydSteps({ X, sampleWeight, initCenters, maxIter, tolAbs, onIteration });
  for (let step = steps.next(); ; ) {
    if (step.done) return { ...step.value, inertia: inertia(X, sampleWeight, step.value.centers, step.value.labels) };
    step = steps.next(assignAndSum(X, sampleWeight, step.value.centers, step.value.labels, step.value.accumulate));
  }
}
