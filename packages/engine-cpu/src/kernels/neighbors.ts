import type { Matrix } from "@plugml/core";
import { minkowskiReducedUpTo, reducedDistance, reducedToDistance, type MetricSpec } from "./metrics.js";
import { magnitudes, rangeScale, scaledMatrix } from "./range.js";
import { assertSameCols } from "./shape.js";
import { STEP_WORK, drain, type Steps } from "./steps.js";
import { wideDistance, wideToDistance } from "./wide.js";

/** Result of {@link kNearest}: `k` entries per query, row-major. */
export interface KNearestResult {
  /** Distances, in the dtype of the queries. */
  distances: Float64Array | Float32Array;
  indices: Int32Array;
}

/**
 * A bounded max-heap of (reduced distance, tie key, train index) triples ordered lexicographically, so that among
 * equal distances the higher index is evicted first and the lower index kept. The tie key is 0 except on the
 * full-range path, whose distances take two keys (see `wideDistance`).
 */
class NeighborHeap {
  readonly dist: Float64Array;
  readonly tie: Float64Array;
  readonly index: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.dist = new Float64Array(capacity);
    this.tie = new Float64Array(capacity);
    this.index = new Int32Array(capacity);
  }

  private above(a: number, b: number): boolean {
    const { dist, tie } = this;
    return dist[a] > dist[b] || (dist[a] === dist[b] && (tie[a] > tie[b] || (tie[a] === tie[b] && this.index[a] > this.index[b])));
  }

  private swap(a: number, b: number): void {
    const d = this.dist[a];
    this.dist[a] = this.dist[b];
    this.dist[b] = d;
    const t = this.tie[a];
    this.tie[a] = this.tie[b];
    this.tie[b] = t;
    const i = this.index[a];
    this.index[a] = this.index[b];
    this.index[b] = i;
  }

  private siftDown(from: number, size: number): void {
    let parent = from;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= size) return;
      const child = left + 1 < size && this.above(left + 1, left) ? left + 1 : left;
      if (!this.above(child, parent)) return;
      this.swap(child, parent);
      parent = child;
    }
  }

  /** Offers a candidate; callers offer indices in increasing order, so a key equal to the worst is refused. */
  offer(dist: number, index: number, tie = 0): void {
    if (this.size < this.capacity) {
      let child = this.size++;
      this.dist[child] = dist;
      this.tie[child] = tie;
      this.index[child] = index;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!this.above(child, parent)) break;
        this.swap(child, parent);
        child = parent;
      }
    } else if (dist < this.dist[0] || (dist === this.dist[0] && tie < this.tie[0])) {
      this.dist[0] = dist;
      this.tie[0] = tie;
      this.index[0] = index;
      this.siftDown(0, this.size);
    }
  }

  /** Heap-sorts the entries in place into ascending order and empties the heap. */
  drainSorted(): void {
    for (let end = this.size - 1; end > 0; end--) {
      this.swap(0, end);
      this.siftDown(0, end);
    }
    this.size = 0;
  }
}

/** Options of {@link kNearest}. */
export interface KNearestOptions {
  /** The queries are the training rows themselves and each row's own index is dropped (see {@link kNearest}). */
  skipSelf?: boolean;
  /** Search only these query rows, writing into {@link into} (the fast path's recovery of single queries). */
  only?: readonly number[];
  /** Result to write into instead of a new one. */
  into?: KNearestResult;
}

/**
 * The `k` nearest rows of `train` to each row of `queries` under `spec`, as scikit-learn's brute-force `kneighbors`:
 * each query's neighbours sorted by ascending distance, exact ties to the lower train index (scikit-learn leaves
 * their order to an unstable sort). Train rows are streamed through a bounded heap per query, so memory stays O(k)
 * beyond the output.
 *
 * With `skipSelf`, `queries` must be the training rows themselves (scikit-learn's `kneighbors()` without X): query i
 * is train row i, at distance 0 from itself, and, as scikit-learn, its k + 1 nearest are found and then the row
 * itself dropped, or the first one when duplicates crowd it out. When `queries === train` the self distance is 0 as
 * well, as scikit-learn's cosine distances set their diagonal to 0 when both arguments are the same array.
 *
 * Distances are right over the whole finite range: float64 data whose sums of squares (or p-th powers) could
 * overflow or underflow is scaled by a power of two first (see `distanceScale`), and data no single scaling
 * fits takes the per-pair full-range path of `wideDistance`. A distance beyond the queries' dtype is Infinity,
 * still ordered by its exact value.
 *
 * @returns flat `queries.rows * k` arrays; distances have the dtype of `queries`, computed in float64.
 * @throws RangeError when k < 1, k exceeds the candidate rows, the column counts differ, or `skipSelf` is given
 *   with queries of another length than `train`.
 */
export function kNearest(queries: Matrix, train: Matrix, k: number, spec: MetricSpec, options: KNearestOptions = {}): KNearestResult {
  return drain(kNearestSteps(queries, train, k, spec, options));
}

/**
 * The power-of-two exponent (see `rangeScale`) by which `queries` and `train` are scaled so that the reduced
 * distances of `spec` stay in float64's range, or undefined when no single one fits. Cosine is scale-free: 0.
 */
export function distanceScale(spec: MetricSpec, queries: Matrix, train: Matrix): number | undefined {
  if (spec.metric === "cosine") return 0;
  const range = train === queries ? magnitudes(queries.data) : magnitudes(queries.data, train.data);
  return rangeScale(range, spec.p, queries.cols);
}

/** {@link kNearest} as a step generator (see `Steps`), yielding between queries. */
export function* kNearestSteps(queries: Matrix, train: Matrix, k: number, spec: MetricSpec, options: KNearestOptions = {}): Steps<KNearestResult> {
  const skipSelf = options.skipSelf === true;
  const searched = searchedNeighbors(queries, train, k, skipSelf);
  const selfAligned = skipSelf || queries === train;
  const result = options.into ?? emptyResult(queries, k);
  const heap = new NeighborHeap(searched);
  const count = options.only?.length ?? queries.rows;
  const cost = train.rows * train.cols;
  const scale = distanceScale(spec, queries, train);
  // Offers every training row to the heap for query q; then position s of the heap holds distanceOf(s).
  let offerAll: (q: number) => void;
  let distanceOf: (s: number) => number;
  if (scale === undefined) {
    const keys = new Float64Array(2);
    const { data: a, cols } = queries;
    const b = train.data;
    offerAll = (q) => {
      for (let t = 0; t < train.rows; t++) {
        if (selfAligned && t === q) heap.offer(0, t, 0);
        else {
          wideDistance(spec.p, a, q * cols, b, t * cols, cols, keys);
          heap.offer(keys[0], t, keys[1]);
        }
      }
    };
    distanceOf = (s) => wideToDistance(heap.dist[s], heap.tie[s]);
  } else {
    const scaledQueries = scaledMatrix(queries, scale);
    const T = queries === train ? scaledQueries : scaledMatrix(train, scale);
    const reduced = reducedDistance(spec, scaledQueries, T);
    const unscale = 2 ** -scale;
    const { cols } = train;
    offerAll =
      spec.metric === "minkowski"
        ? // Powers dominate: once the heap is full, a row's sum is abandoned when it passes the heap's worst.
          (q) => {
            for (let t = 0; t < train.rows; t++) {
              const limit = heap.size < heap.capacity ? Infinity : heap.dist[0];
              heap.offer(selfAligned && t === q ? 0 : minkowskiReducedUpTo(scaledQueries.data, q * cols, T.data, t * cols, cols, spec.p, limit), t);
            }
          }
        : (q) => {
            for (let t = 0; t < train.rows; t++) heap.offer(selfAligned && t === q ? 0 : reduced(q, t), t);
          };
    distanceOf = (s) => reducedToDistance(spec, heap.dist[s]) * unscale;
  }
  let work = 0;
  for (let n = 0; n < count; n++) {
    const q = options.only?.[n] ?? n;
    offerAll(q);
    heap.drainSorted();
    writeNeighbors(result, q, k, heap.index, 0, skipSelf, distanceOf);
    if ((work += cost) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
  return result;
}

/**
 * Checks the arguments of a k-nearest search (see {@link kNearest}) and returns how many neighbours to search per
 * query: k, or k + 1 with `skipSelf`.
 */
export function searchedNeighbors(queries: Matrix, train: Matrix, k: number, skipSelf: boolean): number {
  assertSameCols(queries, train, "kNearest");
  if (skipSelf && queries.rows !== train.rows) {
    throw new RangeError(
      `kNearest: skipSelf needs the training rows as queries, got ${queries.rows} rows for ${train.rows}.`,
    );
  }
  const searched = skipSelf ? k + 1 : k;
  if (!Number.isInteger(k) || k < 1 || searched > train.rows) {
    throw new RangeError(`kNearest: k = ${k} needs 1 <= k <= ${skipSelf ? train.rows - 1 : train.rows}.`);
  }
  return searched;
}

/** A result for `queries.rows` queries of `k` neighbours, distances in the queries' dtype. */
export function emptyResult(queries: Matrix, k: number): KNearestResult {
  const size = queries.rows * k;
  return { distances: queries.dtype === "float32" ? new Float32Array(size) : new Float64Array(size), indices: new Int32Array(size) };
}

/**
 * Writes query q's k neighbours into `out` from its searched candidates, sorted by ascending distance (ties by
 * index) at `from` in `index`: with `skipSelf` the query's own row is dropped (the first candidate when duplicates
 * crowd it out). `distanceOf(s)` gives the true distance of the candidate at position s.
 */
export function writeNeighbors(
  out: KNearestResult,
  q: number,
  k: number,
  index: ArrayLike<number>,
  from: number,
  skipSelf: boolean,
  distanceOf: (s: number) => number,
): void {
  const searched = skipSelf ? k + 1 : k;
  let dropped = -1;
  if (skipSelf) {
    for (let s = 0; s < searched && dropped < 0; s++) if (index[from + s] === q) dropped = s;
    if (dropped < 0) dropped = 0;
  }
  let at = q * k;
  for (let s = 0; s < searched; s++) {
    if (s === dropped) continue;
    out.distances[at] = distanceOf(from + s);
    out.indices[at] = index[from + s];
    at++;
  }
}
